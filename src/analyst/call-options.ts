import { invalid, PipetraceError } from '../errors.js';
import { QUERIES } from '../queries.js';
import { describe, isPlainObject } from '../validate.js';
import type { AnalystMethod, CallOptions } from './types.js';

export const aborted = () => new PipetraceError('aborted', 'the analysis was aborted');

/**
 * Takes `signal` and `onProgress` out of the last argument (the method's own options, or one
 * more argument after them), so only serialisable arguments reach the analysis.
 */
export function splitCallOptions(method: AnalystMethod, input: unknown[]): { args: unknown[]; call: CallOptions } {
  const n = QUERIES[method].arity;
  if (input.length > n + 1) throw invalid('arguments', `${method} takes at most ${n + 1} arguments`);
  const args = input.slice();
  const last = args.length - 1;
  const tail = args[last];
  if (last < 0 || !isPlainObject(tail) || !('signal' in tail || 'onProgress' in tail)) {
    if (args.length > n && tail !== undefined)
      throw invalid('call options', `must be { signal, onProgress }, got ${describe(tail)}`);
    return { args: args.slice(0, n), call: {} };
  }
  const { signal, onProgress, ...rest } = tail as CallOptions & Record<string, unknown>;
  if (
    signal !== undefined &&
    (typeof signal !== 'object' || typeof (signal as AbortSignal).addEventListener !== 'function')
  )
    throw invalid('signal', 'must be an AbortSignal');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalid('onProgress', 'must be a function');
  if (last >= n || Object.keys(rest).length === 0) args.length = Math.min(last, n);
  else args[last] = rest;
  return { args, call: { signal, onProgress } };
}

/** Runs `work`, but rejects with 'aborted' the moment `signal` aborts. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
