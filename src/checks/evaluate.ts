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
  durationMs: number,
): CheckResult {
  // One literal per shape: the duration is known before the result is made.
  return message === undefined
    ? { name: check.name, phase, outcome, durationMs }
    : { name: check.name, phase, outcome, message: clip(message), durationMs };
}

/** A verdict as a result; anything that is no verdict is an error saying what came back. */
function fromVerdict(check: PlannedCheck, phase: 'before' | 'after', value: unknown, durationMs: number): CheckResult {
  if (value === true) return result(check, phase, 'pass', undefined, durationMs);
  if (value === false) return result(check, phase, 'fail', 'returned false', durationMs);
  if (isPlainObject(value) && (value.outcome === 'pass' || value.outcome === 'fail')) {
    const m = value.message;
    if (m === undefined || typeof m === 'string') return result(check, phase, value.outcome, m, durationMs);
    return result(check, phase, 'error', `returned a message that is not a string: ${describe(m)}`, durationMs);
  }
  return result(
    check,
    phase,
    'error',
    `returned ${describe(value)}; a check returns true, false, pass(message?) or fail(message)`,
    durationMs,
  );
}

function fromThrow(check: PlannedCheck, phase: 'before' | 'after', thrown: unknown, durationMs: number): CheckResult {
  const e = toRunError(thrown);
  const what = e.name === 'NonError' ? `threw a non-Error: ${e.message}` : `threw ${e.name}: ${e.message}`;
  return result(check, phase, 'error', what, durationMs);
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
  const elapsed = (): number => {
    clearTimeout(timer);
    return Math.max(0, clock() - started);
  };
  return Promise.race([Promise.resolve(pending), timeout]).then(
    (value) =>
      value === TIMED_OUT
        ? result(check, phase, 'error', `timed out after ${check.timeoutMs} ms`, elapsed())
        : fromVerdict(check, phase, value, elapsed()),
    (thrown: unknown) => fromThrow(check, phase, thrown, elapsed()),
  );
}

/** Calls a check with the values (no spread for the usual one or two). */
function call(fn: PlannedCheck['fn'], values: readonly unknown[]): unknown {
  if (values.length === 1) return fn(values[0]);
  if (values.length === 2) return fn(values[0], values[1]);
  return fn(...values);
}

/** Runs one check: a result, or a promise of one when the check is async. */
function runOne(
  check: PlannedCheck,
  phase: 'before' | 'after',
  values: readonly unknown[],
): CheckResult | Promise<CheckResult> {
  const started = clock();
  let value: unknown;
  try {
    value = call(check.fn, values);
  } catch (thrown) {
    return fromThrow(check, phase, thrown, Math.max(0, clock() - started));
  }
  if (isThenable(value)) return settle(check, phase, value, started);
  return fromVerdict(check, phase, value, Math.max(0, clock() - started));
}

/**
 * Runs the checks in order (one at a time, so a check's duration is its own). Synchronous when
 * every check answers synchronously, so a synchronous step stays synchronous. One clock read
 * ends a check and starts the next: reading the clock costs more than a trivial check.
 */
export function runChecks(
  checks: readonly PlannedCheck[],
  phase: 'before' | 'after',
  values: readonly unknown[],
): CheckResult[] | Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let started = clock();
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i] as PlannedCheck;
    let value: unknown;
    try {
      value = call(check.fn, values);
    } catch (thrown) {
      const now = clock();
      results.push(fromThrow(check, phase, thrown, Math.max(0, now - started)));
      started = now;
      continue;
    }
    if (isThenable(value)) return finishAsync(checks, phase, values, results, settle(check, phase, value, started), i);
    const now = clock();
    results.push(fromVerdict(check, phase, value, Math.max(0, now - started)));
    started = now;
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
