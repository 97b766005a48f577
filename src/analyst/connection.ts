import { type Endpoint, type Remote, releaseProxy, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { PipetraceError } from '../errors.js';
import type { WorkerApi } from './worker-api.js';

/** A Web Worker (or anything shaped like one). Typed loosely so a DOM Worker fits without the DOM lib. */
export interface WebWorkerLike {
  // biome-ignore lint/suspicious/noExplicitAny: structured-clone messages and DOM transferables
  postMessage(message: any, transfer: any[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: a DOM listener takes an Event; this type must not need the DOM lib
  addEventListener(type: string, listener: (event: any) => void): void;
  terminate(): void;
}

/** A Node worker_threads Worker (or anything shaped like one). */
export interface NodeWorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  terminate(): unknown;
  ref?(): void;
  unref?(): void;
}

export type WorkerLike = WebWorkerLike | NodeWorkerLike;

/** A live worker: its comlink proxy, and a promise that settles with the reason when it dies. */
export interface Connection {
  api: Remote<WorkerApi>;
  /** Resolves (never rejects) with a PipetraceError 'unavailable' once the worker is gone. */
  dead: Promise<PipetraceError>;
  isDead(): boolean;
  /** Terminates the worker; `dead` resolves with `reason`. */
  kill(reason: string): void;
  /** Node: keep the process alive only while calls are in flight. */
  busy(isBusy: boolean): void;
}

const isNodeWorker = (w: WorkerLike): w is NodeWorkerLike => typeof (w as NodeWorkerLike).on === 'function';

export function connect(worker: WorkerLike): Connection {
  let settle!: (reason: PipetraceError) => void;
  let gone = false;
  const dead = new Promise<PipetraceError>((resolve) => {
    settle = resolve;
  });
  const die = (message: string, cause?: unknown) => {
    if (gone) return;
    gone = true;
    settle(new PipetraceError('unavailable', message, cause === undefined ? {} : { cause }));
  };
  let endpoint: Endpoint;
  if (isNodeWorker(worker)) {
    endpoint = nodeEndpoint(worker as never) as Endpoint;
    worker.on('exit', ((code: number) => die(`the analysis worker died (exit code ${code})`)) as never);
    worker.on('error', ((error: Error) => {
      die(`the analysis worker died: ${error?.message ?? String(error)}`, error);
      void worker.terminate();
    }) as never);
    worker.unref?.();
  } else {
    endpoint = worker as unknown as Endpoint;
    // A Web Worker survives an uncaught error, but its state is unknown: treat it as dead.
    worker.addEventListener('error', ((event: ErrorEvent) => {
      die(`the analysis worker died: ${event?.message || 'an uncaught error (or the script failed to load)'}`);
      worker.terminate();
    }) as never);
    worker.addEventListener('messageerror', (() => {
      die('the analysis worker died: a message could not be deserialised');
      worker.terminate();
    }) as never);
  }
  const api = wrap<WorkerApi>(endpoint);
  return {
    api,
    dead,
    isDead: () => gone,
    kill(reason) {
      if (gone) return;
      die(reason);
      try {
        api[releaseProxy]();
      } catch {}
      void Promise.resolve(worker.terminate()).catch(() => {});
    },
    busy(isBusy) {
      if (isNodeWorker(worker)) {
        if (isBusy) worker.ref?.();
        else worker.unref?.();
      }
    },
  };
}
