import { type CheckedStep, checkedCall } from './checks/call.js';
import type { CheckPlan, ChecksOption } from './checks/declare.js';
import { invalid } from './errors.js';
import type { ProfileData } from './monitor/profile.js';
import type { RunHandle } from './run-handle.js';
import { describe } from './validate.js';

/**
 * Which arguments of a wrapped function are input pointers: a function of the arguments, or a
 * list of selectors: a number picks a positional argument, a string picks that property of the
 * first argument (the named-parameters object pattern).
 */
export type InputSelector<A extends unknown[]> = ((...args: A) => string | string[]) | readonly (number | string)[];

/**
 * Which results are output pointers: a function of the result (and arguments), or a list of
 * selectors: a string picks that property of the result, a number picks an array element.
 */
export type OutputSelector<A extends unknown[], R> =
  | ((result: Awaited<R>, ...args: A) => string | string[])
  | readonly (number | string)[];

export interface WrapOptions<A extends unknown[], R> {
  inputs?: InputSelector<A>;
  outputs?: OutputSelector<A, R>;
  /** Parameters to record, from the arguments. */
  params?: (...args: A) => Record<string, unknown>;
  /** Keep the function's source text as the run's code snapshot. */
  snapshot?: boolean;
  /**
   * Profile what the function returns: `true` profiles the result (columns or rows) as its one
   * output; a function returns `{ [output]: data }` from the result and arguments.
   */
  profile?: true | ((result: Awaited<R>, ...args: A) => Readonly<Record<string, ProfileData>>);
  /** Checks run before and after each call, after the component's own (see `ChecksOption`). */
  checks?: ChecksOption<A, R>;
}

/** Records the profiles a wrap option asks for, then ends the run (as failed when `failure` is given). */
function endWithProfiles<A extends unknown[], R>(
  run: RunHandle,
  options: WrapOptions<A, R>,
  result: Awaited<R>,
  args: A,
  failure?: Error,
): Promise<{ outputs: string[] }> {
  const outputs = selectOutputs(options.outputs, result, args);
  try {
    if (options.profile === true) {
      if (outputs.length !== 1) throw invalid('profile', `true needs exactly one output, got ${outputs.length}`);
      run.profile(outputs[0] as string, result as ProfileData);
    } else if (typeof options.profile === 'function') {
      const data = options.profile(result, ...args);
      for (const output of Object.keys(data)) run.profile(output, data[output] as ProfileData);
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return failure === undefined ? run.end({ outputs }) : run.fail(failure, { outputs });
}

function pick(source: unknown, key: number | string, what: string): unknown {
  if (source === null || typeof source !== 'object') {
    throw invalid(what, `selector ${JSON.stringify(key)} needs an object, got ${describe(source)}`);
  }
  if (typeof key === 'string' && !Object.hasOwn(source, key)) {
    throw invalid(what, `selector ${JSON.stringify(key)} names no property`);
  }
  return (source as Record<string | number, unknown>)[key];
}

function names(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw invalid(what, `selected value must be a pointer name or a list of them, got ${describe(value)}`);
}

export function selectInputs<A extends unknown[]>(selector: InputSelector<A> | undefined, args: A): string[] {
  if (selector === undefined) return [];
  if (typeof selector === 'function') return names(selector(...args), 'inputs');
  return selector.flatMap((key) => names(typeof key === 'number' ? args[key] : pick(args[0], key, 'inputs'), 'inputs'));
}

export function selectOutputs<A extends unknown[], R>(
  selector: OutputSelector<A, R> | undefined,
  result: Awaited<R>,
  args: A,
): string[] {
  if (selector === undefined) return [];
  if (typeof selector === 'function') return names(selector(result, ...args), 'outputs');
  return selector.flatMap((key) => names(pick(result, key, 'outputs'), 'outputs'));
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What a wrapped call with checks needs from its Pipetrace. */
export interface CheckHooks {
  /** The checks of a call: the component's, then the wrap's; undefined when there are none. */
  plan(): CheckPlan | undefined;
  /** Flags pointers (the outputs of a run whose check failed under `onFail: 'flag'`). */
  flag(pointers: string[]): Promise<unknown>;
  /** Runs are timed by the default clock, so a checked call may take its run's end from its checks' clock. */
  sharedEnd: boolean;
}

/**
 * Wraps `fn` so each call is logged as a run started by `start`: inputs and params from the
 * arguments before the call, outputs from the result after it; a throw fails the run and is
 * rethrown. Async results end the run before they resolve; synchronous ones hand the write to
 * `background`, so the wrapped function keeps its synchronous type.
 */
export function wrapFunction<A extends unknown[], R>(
  fn: (...args: A) => R,
  options: WrapOptions<A, R>,
  start: () => RunHandle,
  background: (write: Promise<unknown>) => void,
  hooks?: CheckHooks,
): (...args: A) => R {
  const step: CheckedStep<A, R> | undefined =
    hooks === undefined
      ? undefined
      : {
          fn,
          end: (run, value, args, failure) => endWithProfiles(run, options, value, args, failure),
          background,
          flag: hooks.flag,
          sharedEnd: hooks.sharedEnd,
        };
  const wrapped = function (this: unknown, ...args: A): R {
    const run = start();
    run.addInputs(selectInputs(options.inputs, args));
    if (options.params !== undefined) run.setParams(options.params(...args) as never);
    const plan = hooks?.plan();
    if (plan !== undefined && step !== undefined) return checkedCall(step, this, args, run, plan);
    let result: R;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      background(run.fail(error));
      throw error;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        async (value) => {
          await endWithProfiles(run, options, value as Awaited<R>, args);
          return value;
        },
        async (error) => {
          await run.fail(error);
          throw error;
        },
      ) as R;
    }
    background(endWithProfiles(run, options, result as Awaited<R>, args));
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}
