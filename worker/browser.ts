/**
 * The analysis worker for browsers (a module Web Worker). It opens the store from the
 * description the analyst sends (IndexedDB by name, HTTP by url, or a transferred snapshot)
 * and exposes the analyses with comlink. Load it as a worker, never import it in a page:
 *
 *   new Worker(new URL('pipetrace/worker', import.meta.url), { type: 'module' })  // webpack 5
 *   import AnalystWorker from 'pipetrace/worker?worker'                            // Vite
 */
import { expose } from 'comlink';
import { createWorkerApi } from '../src/analyst/worker-api.js';
import { cannotOpen, openCommon } from './open.js';

const scope = globalThis as unknown as { postMessage?: unknown };

if (typeof scope.postMessage === 'function' && typeof (globalThis as { document?: unknown }).document === 'undefined') {
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
