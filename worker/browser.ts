/**
 * The analysis worker for browsers (a module Web Worker). It opens the store from the
 * description the analyst sends (IndexedDB by name, HTTP by url, or a transferred snapshot)
 * and exposes the analyses with comlink. Loaded as a worker it starts by itself:
 *
 *   new Worker(new URL('pipetrace/worker', import.meta.url), { type: 'module' })   // Vite
 *
 * or from a worker file of your own, which any bundler handles:
 *
 *   // analyst.worker.js
 *   import { exposeAnalyst } from 'pipetrace/worker';
 *   exposeAnalyst();
 */
import { expose } from 'comlink';
import { createWorkerApi } from '../src/analyst/worker-api.js';
import { PipetraceError } from '../src/errors.js';
import { cannotOpen, openCommon } from './open.js';

let exposed = false;

/** Serves the analyst's calls in this worker (once; later calls do nothing). */
export function exposeAnalyst(): void {
  if (exposed) return;
  exposed = true;
  expose(
    createWorkerApi({
      async openStore(source) {
        const store = await openCommon(source);
        if (store === undefined) throw cannotOpen(source, 'browser');
        return store;
      },
      // A Web Worker that close()s itself tells the page nothing; an uncaught error it does hear.
      exit: () =>
        queueMicrotask(() => {
          throw new Error('the analysis worker was asked to exit');
        }),
    }),
  );
}

/**
 * Node's `nodeWorkerFactory`, named here too: TypeScript's bundler resolution (and a bundler
 * without the "node" condition) picks this file for 'pipetrace/worker', and the README's Node
 * import must still typecheck there. Called outside Node it says why it cannot work.
 */
export function nodeWorkerFactory(_options: Record<string, unknown> = {}): () => never {
  return () => {
    throw new PipetraceError(
      'unavailable',
      'nodeWorkerFactory: this is the browser build of \'pipetrace/worker\'; in Node the "node" export condition picks the worker_threads one',
    );
  };
}

// Started directly as a worker (no document, a postMessage to answer on): serve at once.
const scope = globalThis as { document?: unknown; postMessage?: unknown };
if (typeof scope.postMessage === 'function' && scope.document === undefined) exposeAnalyst();
