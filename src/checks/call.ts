/**
 * One call of a wrapped function with checks: before-checks, the call (skipped when a
 * before-check fails under 'fail'), after-checks, then the run with every result. Synchronous
 * as long as the function and its checks are; an async before-check makes the call return a
 * promise, and an async after-check of a synchronous function is settled in the background.
 *
 * The synchronous path is the common one: it allocates nothing per call but the results and
 * their list, and reads the clock once per check, once before the first before-check and once
 * before the first after-check; the run's end time then costs no reading (see `sharedEnd`).
 */
import type { CheckResult } from '../model.js';
import type { RunHandle } from '../run-handle.js';
import type { CheckPlan, PlannedCheck } from './declare.js';
import { clock, failing, isThenable, runChecksInto } from './evaluate.js';
import { CheckFailedError } from './failed.js';

/** What the calls of one wrapped function share, made once when it is wrapped. */
export interface CheckedStep<A extends unknown[], R> {
  fn: (...args: A) => R;
  /** Ends the run with the outputs (and profiles) of `value`, as failed when `failure` is given. */
  end: (run: RunHandle, value: Awaited<R>, args: A, failure?: Error) => Promise<{ outputs: string[] }>;
  background: (write: Promise<unknown>) => void;
  /** Flags pointers (the outputs of a run whose check failed under `onFail: 'flag'`). */
  flag: (pointers: string[]) => Promise<unknown>;
  /**
   * True when runs are timed by the default clock (Date.now): a synchronous call then takes its
   * run's end time from its last check's clock reading instead of reading the clock again.
   */
  sharedEnd: boolean;
}

/** Whether a check of `checks` (whose results start at `from`) failed under 'flag'. */
const flags = (checks: readonly PlannedCheck[], results: CheckResult[], from: number): boolean =>
  failing(checks, results, from, 'flag') !== undefined;

/** The error to fail the run with, when a check of `checks` failed under 'fail'. */
function stopper(checks: readonly PlannedCheck[], results: CheckResult[], from: number): CheckFailedError | undefined {
  const stop = failing(checks, results, from, 'fail');
  return stop === undefined ? undefined : new CheckFailedError(stop);
}

/**
 * The run's end time from the clock reading `end` of its last check, instead of one more
 * reading: its start time (read when the run started, just before `t0`) plus the time from the
 * first check's reading `t0`. Never later than the clock would have said, so a run started
 * right after this one still finds it as a dependency; at most 1 ms earlier (its start time is
 * whole milliseconds). Only for synchronous calls: a promise may span a suspended machine,
 * during which the monotonic clock stands still.
 */
function sharedEnd(run: RunHandle, t0: number, end: number): number {
  return Math.floor(run.startedAt + Math.max(0, end - t0));
}

export function checkedCall<A extends unknown[], R>(
  step: CheckedStep<A, R>,
  self: unknown,
  args: A,
  run: RunHandle,
  plan: CheckPlan,
): R {
  const results: CheckResult[] = [];
  // The first reading, when there are before-checks: it starts the first one (-1: none taken).
  const t0 = plan.before.length === 0 ? -1 : clock();
  const before = plan.before.length === 0 ? 0 : runChecksInto(plan.before, 'before', undefined, args, results, t0);
  if (typeof before !== 'number') {
    return before.then(() => afterAsyncBefore(step, self, args, run, plan, results)) as R;
  }
  const stop = stopper(plan.before, results, 0);
  if (stop !== undefined) {
    if (step.sharedEnd) run.endsAt = sharedEnd(run, t0, before);
    step.background(failRun(run, results, stop));
    throw stop;
  }
  let result: R;
  try {
    result = step.fn.apply(self, args);
  } catch (error) {
    step.background(failRun(run, results, error));
    throw error;
  }
  if (isThenable(result)) return settleResult<A, R>(step, args, run, plan, results, result as R) as R;
  const from = results.length;
  const value = result as Awaited<R>;
  if (plan.after.length === 0) {
    step.background(endChecked(step, args, run, plan, results, from, value, undefined));
    return result;
  }
  // This reading ends the function and starts the first after-check.
  const after = runChecksInto(plan.after, 'after', result, args, results, clock());
  if (typeof after !== 'number') {
    // The result is returned already; the run waits for its checks in the background.
    step.background(
      after.then(() => endChecked(step, args, run, plan, results, from, value, stopper(plan.after, results, from))),
    );
    return result;
  }
  if (t0 >= 0 && step.sharedEnd) run.endsAt = sharedEnd(run, t0, after);
  const failure = stopper(plan.after, results, from);
  step.background(endChecked(step, args, run, plan, results, from, value, failure));
  if (failure !== undefined) throw failure;
  return result;
}

/** Records the results so far and stores the run as failed with `error`. */
function failRun(run: RunHandle, results: CheckResult[], error: unknown): Promise<unknown> {
  run.recordChecks(results);
  return run.fail(error);
}

/**
 * Records every result and ends the run (failed with `failure` when an after-check failed under
 * 'fail'), then flags its outputs when a check asked to.
 */
function endChecked<A extends unknown[], R>(
  step: CheckedStep<A, R>,
  args: A,
  run: RunHandle,
  plan: CheckPlan,
  results: CheckResult[],
  from: number,
  value: Awaited<R>,
  failure: CheckFailedError | undefined,
): Promise<unknown> {
  run.recordChecks(results);
  const ended = step.end(run, value, args, failure);
  // Most calls flag nothing: no extra promise for them.
  if (!flags(plan.before, results, 0) && !flags(plan.after, results, from)) return ended;
  return ended.then((r) => (r.outputs.length > 0 ? step.flag(r.outputs) : undefined));
}

/** The rest of a call whose before-checks were async: the call returns a promise. */
async function afterAsyncBefore<A extends unknown[], R>(
  step: CheckedStep<A, R>,
  self: unknown,
  args: A,
  run: RunHandle,
  plan: CheckPlan,
  results: CheckResult[],
): Promise<Awaited<R>> {
  const stop = stopper(plan.before, results, 0);
  if (stop !== undefined) {
    await failRun(run, results, stop);
    throw stop;
  }
  let result: R;
  try {
    result = step.fn.apply(self, args);
  } catch (error) {
    await failRun(run, results, error);
    throw error;
  }
  return settleResult(step, args, run, plan, results, result);
}

/** The rest of a call whose result is (or may be) a promise: after-checks once it resolves. */
async function settleResult<A extends unknown[], R>(
  step: CheckedStep<A, R>,
  args: A,
  run: RunHandle,
  plan: CheckPlan,
  results: CheckResult[],
  result: R | PromiseLike<R>,
): Promise<Awaited<R>> {
  let value: Awaited<R>;
  try {
    value = await result;
  } catch (error) {
    await failRun(run, results, error);
    throw error;
  }
  const from = results.length;
  await runChecksInto(plan.after, 'after', value, args, results, clock());
  const failure = stopper(plan.after, results, from);
  await endChecked(step, args, run, plan, results, from, value, failure);
  if (failure !== undefined) throw failure;
  return value;
}
