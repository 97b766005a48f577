import { releaseProxy, transfer } from 'comlink';
import { isPipetraceError, PipetraceError } from '../errors.js';
import { QUERIES } from '../queries.js';
import type { Store } from '../store.js';
import { describe, isPlainObject } from '../validate.js';
import { checkMethod, runAnalysis } from './engine.js';
import { observedStore } from './observe.js';
import { ProgressReporter } from './progress.js';
import type { AnalystDefaults, AnalystMethod, AnalystProgress, StoreSource } from './types.js';

/** An error as it crosses the boundary (comlink would keep only the message). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  field?: string;
  details?: Record<string, unknown>;
}

/**
 * A result as it crosses the boundary. Typed arrays in a result are transferred, not copied.
 * A large run-level result (a trace of thousands of runs) crosses as one JSON string: copying
 * a flat string is a memcpy, and one JSON.parse is about half the cost of structured-cloning
 * the same runs as objects (and cheaper than UTF-8 encoding it into a transferable buffer).
 */
export type WireResult = { ok: true; value: unknown } | { ok: true; json: string } | { ok: false; error: WireError };

/** Below this many characters structured clone is as cheap. */
const JSON_MIN = 32 * 1024;

function pack(method: AnalystMethod, value: unknown): WireResult {
  if (QUERIES[method].plainJson) {
    const json = JSON.stringify(value);
    if (json !== undefined && json.length >= JSON_MIN) return { ok: true, json };
  }
  return transfer({ ok: true as const, value }, buffersIn(value));
}

/** The value of a successful WireResult. */
export function unpack(result: { ok: true; value: unknown } | { ok: true; json: string }): unknown {
  return 'json' in result ? JSON.parse(result.json) : result.value;
}

/** The object a worker exposes with comlink. Also callable in-process (the tests do). */
export interface WorkerApi {
  ping(): 'pong';
  /** Opens the store the analyses read from now on; calls in flight keep the store they started with. */
  open(source: StoreSource, defaults?: AnalystDefaults): Promise<{ kind: string }>;
  /** Runs one analysis; `callId` lets `cancel` stop it at its next store read. */
  call(
    callId: number,
    method: string,
    args: unknown[],
    onProgress?: (progress: AnalystProgress) => void,
  ): Promise<WireResult>;
  cancel(callId: number): void;
  /** Test-only: makes the worker die ('exit') or throw an uncaught error ('throw'). */
  crashForTests(how: 'exit' | 'throw'): void;
}

export interface WorkerHost {
  /** Opens a described store; the worker entries know which adapters their platform has. */
  openStore(source: StoreSource): Promise<Store>;
  /** Ends the worker abruptly (process.exit in a Node worker, close() in a Web Worker). */
  exit(): void;
}

export function toWireError(error: unknown): WireError {
  if (isPipetraceError(error)) {
    const wire: WireError = { name: 'PipetraceError', message: error.message, code: error.code };
    if (error.field !== undefined) wire.field = error.field;
    return wire;
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function fromWireError(wire: WireError): Error {
  if (wire.code !== undefined) {
    return new PipetraceError(
      wire.code as PipetraceError['code'],
      wire.message,
      wire.field === undefined ? {} : { field: wire.field },
    );
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/** Every ArrayBuffer under typed arrays in a result (a bounded walk), to transfer rather than copy. */
export function buffersIn(value: unknown, limit = 100_000): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited++ < limit) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) found.add(v.buffer);
    } else if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x);
    } else {
      for (const x of Object.values(v)) if (typeof x === 'object' && x !== null) stack.push(x);
    }
  }
  return [...found];
}

/** The worker side: holds the opened store and runs analyses over a read-only, cancellable view of it. */
export function createWorkerApi(host: WorkerHost): WorkerApi {
  let current: { store: Store; defaults: AnalystDefaults } | undefined;
  const active = new Set<number>();
  const cancelled = new Set<number>();
  return {
    ping: () => 'pong',
    async open(source, defaults = {}) {
      if (!isPlainObject(source))
        throw new PipetraceError('invalid_input', `source: must be an object, got ${describe(source)}`);
      const previous = current?.store;
      const store = await host.openStore(source);
      current = { store, defaults: isPlainObject(defaults) ? defaults : {} };
      // Calls in flight hold their own reference; a memory copy has nothing to release.
      if (previous !== undefined && previous !== store && source.kind !== 'snapshot')
        void previous.close().catch(() => {});
      return { kind: store.kind };
    },
    async call(callId, method, args, onProgress) {
      active.add(callId);
      try {
        const name = checkMethod(method);
        if (current === undefined) throw new PipetraceError('unavailable', 'the analysis worker has no store open');
        const progress = new ProgressReporter(name, 'worker', onProgress);
        const view = observedStore(current.store, {
          cancelled: () => cancelled.has(callId),
          onRead: (n) => progress.read(n),
        });
        const value = await runAnalysis(view, name, args, current.defaults);
        // Delivered before the result: progress travels on its own channel, and may not overtake it.
        await progress.send('done');
        return pack(name, value);
      } catch (error) {
        return { ok: false, error: toWireError(error) };
      } finally {
        active.delete(callId);
        cancelled.delete(callId);
        // Closes the progress channel now: left to garbage collection, its port keeps Node alive for seconds.
        (onProgress as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.();
      }
    },
    cancel(callId) {
      if (active.has(callId)) cancelled.add(callId);
    },
    crashForTests(how) {
      if (how === 'exit') host.exit();
      // A microtask, so the error is reported before the worker takes its next message.
      else
        queueMicrotask(() => {
          throw new Error('crashForTests: an uncaught error in the analysis worker');
        });
    },
  };
}
