/**
 * Running checks. Whatever a check does (passes, fails, throws anything, returns garbage, hangs
 * past its timeout) becomes a result: a check can never lose the run it checks.
 */
import type { CheckResult } from '../model.js';
import { describe, isPlainObject, toRunError } from '../validate.js';
import type { PlannedCheck } from './declare.js';
import { clip } from './record.js';

// performance.now is in browsers, workers and Node alike; it is monotonic, unlike Date.now.
// Bound once: the global `performance` is a getter in Node, a quarter of a reading's cost.
const perf = globalThis.performance;
export const clock: () => number = perf.now.bind(perf);

export function isThenable(value: unknown): value is PromiseLike<unknown> {
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

/**
 * Calls a check without building a list of values for it: a before-check gets the arguments, an
 * after-check the result, then the arguments (spread only past two arguments).
 */
function invoke(fn: PlannedCheck['fn'], phase: 'before' | 'after', result: unknown, args: readonly unknown[]): unknown {
  if (phase === 'before') {
    if (args.length === 1) return fn(args[0]);
    if (args.length === 2) return fn(args[0], args[1]);
    return fn.apply(undefined, args as unknown[]);
  }
  if (args.length === 0) return fn(result);
  if (args.length === 1) return fn(result, args[0]);
  if (args.length === 2) return fn(result, args[0], args[1]);
  return fn(result, ...args);
}

/** Runs one check that started at `started`: a result, or a promise of one when the check is async. */
function runOne(
  check: PlannedCheck,
  phase: 'before' | 'after',
  result: unknown,
  args: readonly unknown[],
  started: number,
): CheckResult | Promise<CheckResult> {
  let value: unknown;
  try {
    value = invoke(check.fn, phase, result, args);
  } catch (thrown) {
    return fromThrow(check, phase, thrown, Math.max(0, clock() - started));
  }
  if (isThenable(value)) return settle(check, phase, value, started);
  return fromVerdict(check, phase, value, Math.max(0, clock() - started));
}

/**
 * Runs the checks in order (one at a time, so a check's duration is its own), appending their
 * results to `results`. `started` is a clock reading taken just before the first check; each
 * check's duration runs from the previous reading to the one taken when it answered, so one
 * read ends a check and starts the next (reading the clock costs more than a trivial check).
 * Returns the last reading, with no allocation but the results, when every check answered
 * synchronously (so a synchronous step stays synchronous); else a promise of the reading
 * after the last check, settled once every result is in `results`.
 */
export function runChecksInto(
  checks: readonly PlannedCheck[],
  phase: 'before' | 'after',
  result: unknown,
  args: readonly unknown[],
  results: CheckResult[],
  started: number,
): number | Promise<number> {
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i] as PlannedCheck;
    let value: unknown;
    try {
      value = invoke(check.fn, phase, result, args);
    } catch (thrown) {
      const now = clock();
      results.push(fromThrow(check, phase, thrown, Math.max(0, now - started)));
      started = now;
      continue;
    }
    if (isThenable(value)) {
      return finishAsync(checks, phase, result, args, results, settle(check, phase, value, started), i);
    }
    const now = clock();
    results.push(fromVerdict(check, phase, value, Math.max(0, now - started)));
    started = now;
  }
  return started;
}

async function finishAsync(
  checks: readonly PlannedCheck[],
  phase: 'before' | 'after',
  result: unknown,
  args: readonly unknown[],
  results: CheckResult[],
  pending: Promise<CheckResult>,
  index: number,
): Promise<number> {
  results.push(await pending);
  for (let i = index + 1; i < checks.length; i++) {
    results.push(await runOne(checks[i] as PlannedCheck, phase, result, args, clock()));
  }
  return clock();
}

/**
 * The first result of `checks` that failed or erred under `policy`; the results of `checks`
 * start at `from` in `results`, in the same order.
 */
export function failing(
  checks: readonly PlannedCheck[],
  results: readonly CheckResult[],
  from: number,
  policy: PlannedCheck['onFail'],
): CheckResult | undefined {
  for (let i = 0; i < checks.length && from + i < results.length; i++) {
    const r = results[from + i] as CheckResult;
    if (r.outcome !== 'pass' && (checks[i] as PlannedCheck).onFail === policy) return r;
  }
  return undefined;
}
