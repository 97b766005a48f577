/**
 * Running checks. Whatever a check does (passes, fails, throws anything, returns garbage, hangs
 * past its timeout) becomes a result: a check can never lose the run it checks.
 */
import type { CheckResult } from '../model.js';
import { describe, isPlainObject, toRunError } from '../validate.js';
import type { PlannedCheck } from './declare.js';
import { clip } from './record.js';

// performance.now is in browsers, workers and Node alike; it is monotonic, unlike Date.now.
const clock = (): number => performance.now();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function result(
  check: PlannedCheck,
  phase: 'before' | 'after',
  outcome: CheckResult['outcome'],
  message: string | undefined,
  started: number,
): CheckResult {
  const out: CheckResult = { name: check.name, phase, outcome };
  if (message !== undefined) out.message = clip(message);
  out.durationMs = Math.max(0, clock() - started);
  return out;
}

/** A verdict as a result; anything that is no verdict is an error saying what came back. */
function fromVerdict(check: PlannedCheck, phase: 'before' | 'after', value: unknown, started: number): CheckResult {
  if (value === true) return result(check, phase, 'pass', undefined, started);
  if (value === false) return result(check, phase, 'fail', 'returned false', started);
  if (isPlainObject(value) && (value.outcome === 'pass' || value.outcome === 'fail')) {
    const m = value.message;
    if (m === undefined || typeof m === 'string') return result(check, phase, value.outcome, m, started);
    return result(check, phase, 'error', `returned a message that is not a string: ${describe(m)}`, started);
  }
  return result(
    check,
    phase,
    'error',
    `returned ${describe(value)}; a check returns true, false, pass(message?) or fail(message)`,
    started,
  );
}

function fromThrow(check: PlannedCheck, phase: 'before' | 'after', thrown: unknown, started: number): CheckResult {
  const e = toRunError(thrown);
  const what = e.name === 'NonError' ? `threw a non-Error: ${e.message}` : `threw ${e.name}: ${e.message}`;
  return result(check, phase, 'error', what, started);
}

const TIMED_OUT = Symbol('timed out');

/** Waits for an async verdict up to the check's timeout. */
function settle(
  check: PlannedCheck,
  phase: 'before' | 'after',
  pending: PromiseLike<unknown>,
  started: number,
): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), check.timeoutMs);
  });
  return Promise.race([Promise.resolve(pending), timeout]).then(
    (value) => {
      clearTimeout(timer);
      return value === TIMED_OUT
        ? result(check, phase, 'error', `timed out after ${check.timeoutMs} ms`, started)
        : fromVerdict(check, phase, value, started);
    },
    (thrown: unknown) => {
      clearTimeout(timer);
      return fromThrow(check, phase, thrown, started);
    },
  );
}

function runOne(
  check: PlannedCheck,
  phase: 'before' | 'after',
  values: readonly unknown[],
): CheckResult | Promise<CheckResult> {
  const started = clock();
  let value: unknown;
  try {
    value = check.fn(...values);
  } catch (thrown) {
    return fromThrow(check, phase, thrown, started);
  }
  return isThenable(value) ? settle(check, phase, value, started) : fromVerdict(check, phase, value, started);
}

/**
 * Runs the checks in order (one at a time, so a check's duration is its own). Synchronous when
 * every check answers synchronously, so a synchronous step stays synchronous.
 */
export function runChecks(
  checks: readonly PlannedCheck[],
  phase: 'before' | 'after',
  values: readonly unknown[],
): CheckResult[] | Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (let i = 0; i < checks.length; i++) {
    const r = runOne(checks[i] as PlannedCheck, phase, values);
    if (r instanceof Promise) return finishAsync(checks, phase, values, results, r, i);
    results.push(r);
  }
  return results;
}

async function finishAsync(
  checks: readonly PlannedCheck[],
  phase: 'before' | 'after',
  values: readonly unknown[],
  results: CheckResult[],
  pending: Promise<CheckResult>,
  index: number,
): Promise<CheckResult[]> {
  results.push(await pending);
  for (let i = index + 1; i < checks.length; i++) results.push(await runOne(checks[i] as PlannedCheck, phase, values));
  return results;
}

/** The first result of `checks` (same order) that failed or erred under `policy`. */
export function failing(
  checks: readonly PlannedCheck[],
  results: readonly CheckResult[],
  policy: PlannedCheck['onFail'],
): CheckResult | undefined {
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as CheckResult;
    if (r.outcome !== 'pass' && (checks[i] as PlannedCheck).onFail === policy) return r;
  }
  return undefined;
}
