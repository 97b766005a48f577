import { invalid } from '../errors.js';
import { Pipetrace } from '../pipetrace.js';
import { isQueryName, QUERIES, QUERY_NAMES } from '../queries.js';
import { QUERY_CHECKS } from '../query-checks.js';
import type { Store } from '../store.js';
import { describe } from '../validate.js';
import type { AnalystDefaults, AnalystMethod, AnalystMethods } from './types.js';

type Args<M extends AnalystMethod> = Parameters<AnalystMethods[M]>;

/** Checks a method name that may come from outside (a message): only the declared queries run. */
export function checkMethod(method: unknown): AnalystMethod {
  if (!isQueryName(method))
    throw invalid('method', `must be one of ${QUERY_NAMES.join(', ')}, got ${describe(method)}`);
  return method;
}

/** Checks a query's arguments before any work: the count, then each as the facade will. */
export function checkArgs(method: AnalystMethod, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw invalid('args', `must be an array, got ${describe(args)}`);
  const { arity } = QUERIES[method];
  if (args.length > arity) throw invalid('arguments', `${method} takes at most ${arity} arguments`);
  QUERY_CHECKS[method](...args);
  return args;
}

/**
 * Runs one query over `store` (usually an observedStore) through the facade: the one place each
 * analysis is defined, so a worker and the caller's thread run the same code.
 */
export function runAnalysis<M extends AnalystMethod>(
  store: Store,
  method: M,
  args: Args<M> | unknown[],
  defaults: AnalystDefaults = {},
): ReturnType<AnalystMethods[M]> {
  checkMethod(method);
  const checked = checkArgs(method, args);
  const pt = new Pipetrace({ store, staleness: defaults.staleness ?? {} });
  return (pt[method] as (...a: unknown[]) => ReturnType<AnalystMethods[M]>).apply(pt, checked);
}
