import { invalid } from '../errors.js';
import { Pipetrace } from '../pipetrace.js';
import { impact, reviewRows, traceRow } from '../rows/index.js';
import type { Store } from '../store.js';
import { describe } from '../validate.js';
import { ANALYST_METHODS, type AnalystDefaults, type AnalystMethod, type AnalystMethods } from './types.js';

type Args<M extends AnalystMethod> = Parameters<AnalystMethods[M]>;

/** The one place each analysis is defined, so a worker and the caller's thread run the same code. */
function methodsOver(store: Store, defaults: AnalystDefaults): AnalystMethods {
  const pt = new Pipetrace({ store, staleness: defaults.staleness ?? {} });
  return {
    trace: (target, options) => pt.trace(target, options),
    staleness: (target, options) => pt.staleness(target, options),
    review: (options) => pt.review(options),
    history: (component, options) => pt.history(component, options),
    inspect: (runId) => pt.inspect(runId),
    recent: (limit) => pt.recent(limit),
    flagged: () => pt.flagged(),
    components: (filter) => pt.components(filter),
    traceRow: (pointer, key, options) => traceRow(store, pointer, key, options),
    impact: (pointer, key, options) => impact(store, pointer, key, options),
    reviewRows: (options) => reviewRows(store, options),
  };
}

/** Checks a method name that may come from outside (a message): only the listed analyses run. */
export function checkMethod(method: unknown): AnalystMethod {
  if (typeof method !== 'string' || !(ANALYST_METHODS as readonly string[]).includes(method)) {
    throw invalid('method', `must be one of ${ANALYST_METHODS.join(', ')}, got ${describe(method)}`);
  }
  return method as AnalystMethod;
}

/** Runs one analysis over `store` (usually an observedStore). */
export function runAnalysis<M extends AnalystMethod>(
  store: Store,
  method: M,
  args: Args<M> | unknown[],
  defaults: AnalystDefaults = {},
): ReturnType<AnalystMethods[M]> {
  checkMethod(method);
  if (!Array.isArray(args)) throw invalid('args', `must be an array, got ${describe(args)}`);
  const fn = methodsOver(store, defaults)[method] as (...a: unknown[]) => ReturnType<AnalystMethods[M]>;
  return fn(...args);
}
