/** Declaring checks: what a caller writes in `checks: { before, after, onFail }`, checked once. */
import { invalid } from '../errors.js';
import { checkOptions, checkPositiveInt, describe, isPlainObject } from '../validate.js';
import { checkCheckName } from './record.js';

/** What a check returns: `true`/`pass()` passes, `false`/`fail(message)` fails. */
export type CheckVerdict = boolean | { outcome: 'pass' | 'fail'; message?: string };

export type CheckFn<T extends unknown[]> = (...values: T) => CheckVerdict | PromiseLike<CheckVerdict>;

/** A check: a named function, or `{ name, check, timeoutMs?, onFail? }`. */
export type Check<T extends unknown[]> =
  | CheckFn<T>
  | { name: string; check: CheckFn<T>; timeoutMs?: number; onFail?: OnFail };

/** What a failing check (outcome fail or error) does: record it only, flag the run's outputs, or fail the run. */
export type OnFail = 'record' | 'flag' | 'fail';

/**
 * Checks of a step. Before-checks get the arguments of the call; after-checks get the result,
 * then the arguments. An async check is awaited up to its timeout (default 30 s).
 */
export interface ChecksOption<A extends unknown[] = unknown[], R = unknown> {
  before?: readonly Check<A>[];
  after?: readonly Check<[Awaited<R>, ...A]>[];
  /** Default 'record'; a check may set its own. */
  onFail?: OnFail;
  /** Default timeout of each async check, in milliseconds. */
  timeoutMs?: number;
}

/** A check ready to run. */
export interface PlannedCheck {
  name: string;
  fn: (...values: unknown[]) => unknown;
  timeoutMs: number;
  onFail: OnFail;
}

export interface CheckPlan {
  before: PlannedCheck[];
  after: PlannedCheck[];
}

export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
const ON_FAIL: readonly OnFail[] = ['record', 'flag', 'fail'];

export function pass(message?: string): CheckVerdict {
  return message === undefined ? { outcome: 'pass' } : { outcome: 'pass', message };
}

export function fail(message: string): CheckVerdict {
  return { outcome: 'fail', message };
}

function checkOnFail(field: string, value: unknown): OnFail {
  if (!(ON_FAIL as readonly unknown[]).includes(value)) {
    throw invalid(field, `must be one of ${ON_FAIL.join(', ')}; got ${describe(value)}`);
  }
  return value as OnFail;
}

function planned(field: string, value: unknown, timeoutMs: number, onFail: OnFail): PlannedCheck {
  if (typeof value === 'function') {
    if (value.name === '') {
      throw invalid(field, 'is an anonymous function; name it, or pass { name, check }');
    }
    return { name: checkCheckName(`${field}.name`, value.name), fn: value as PlannedCheck['fn'], timeoutMs, onFail };
  }
  const o = checkOptions<{ name: string; check: unknown; timeoutMs?: number; onFail?: OnFail }>(field, value, [
    'name',
    'check',
    'timeoutMs',
    'onFail',
  ]);
  if (!isPlainObject(value))
    throw invalid(field, `must be a named function or { name, check }, got ${describe(value)}`);
  if (typeof o.check !== 'function') throw invalid(`${field}.check`, `must be a function, got ${describe(o.check)}`);
  return {
    name: checkCheckName(`${field}.name`, o.name),
    fn: o.check as PlannedCheck['fn'],
    timeoutMs:
      o.timeoutMs === undefined ? timeoutMs : checkPositiveInt(`${field}.timeoutMs`, o.timeoutMs, MAX_TIMEOUT_MS),
    onFail: o.onFail === undefined ? onFail : checkOnFail(`${field}.onFail`, o.onFail),
  };
}

function list(field: string, value: unknown, timeoutMs: number, onFail: OnFail): PlannedCheck[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(field, `must be an array of checks, got ${describe(value)}`);
  const checks = value.map((c, i) => planned(`${field}[${i}]`, c, timeoutMs, onFail));
  const seen = new Set<string>();
  for (const [i, c] of checks.entries()) {
    if (seen.has(c.name)) throw invalid(`${field}[${i}].name`, `${JSON.stringify(c.name)} names two checks`);
    seen.add(c.name);
  }
  return checks;
}

/** Checks a `checks` option and plans it; undefined when it declares no check. */
export function planChecks(field: string, value: unknown): CheckPlan | undefined {
  if (value === undefined) return undefined;
  const o = checkOptions<ChecksOption>(field, value, ['before', 'after', 'onFail', 'timeoutMs']);
  const onFail = o.onFail === undefined ? 'record' : checkOnFail(`${field}.onFail`, o.onFail);
  const timeoutMs =
    o.timeoutMs === undefined
      ? DEFAULT_CHECK_TIMEOUT_MS
      : checkPositiveInt(`${field}.timeoutMs`, o.timeoutMs, MAX_TIMEOUT_MS);
  const plan = {
    before: list(`${field}.before`, o.before, timeoutMs, onFail),
    after: list(`${field}.after`, o.after, timeoutMs, onFail),
  };
  return plan.before.length + plan.after.length === 0 ? undefined : plan;
}

/** A component's checks, then a wrap's own. */
export function mergePlans(first: CheckPlan | undefined, second: CheckPlan | undefined): CheckPlan | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return { before: [...first.before, ...second.before], after: [...first.after, ...second.after] };
}
