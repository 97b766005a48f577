/**
 * The analysis worker for Node (worker_threads). Run as a worker it opens the store the
 * analyst describes (fs-json by folder, PostgreSQL or HTTP by url, or a transferred snapshot) and exposes
 * the analyses with comlink. Imported in the main thread it gives `nodeWorkerFactory`:
 *
 *   import { createAnalyst } from 'pipetrace/analyst';
 *   import { nodeWorkerFactory } from 'pipetrace/worker';
 *   const analyst = createAnalyst({ store, workerFactory: nodeWorkerFactory() });
 */
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createWorkerApi } from '../src/analyst/worker-api.js';
import { cannotOpen, openCommon } from './open.js';

/** This file, in the ESM and the CommonJS build alike. */
function thisFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * A workerFactory for createAnalyst that starts this file in a worker thread. `options` go
 * to the Worker constructor (resourceLimits, env, execArgv, ...).
 */
export function nodeWorkerFactory(options: WorkerOptions = {}): () => Worker {
  const file = thisFile();
  return () => new Worker(file, options);
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  expose(
    createWorkerApi({
      async openStore(source) {
        if (source.kind === 'fs-json') {
          const { fsJsonStore } = await import('../adapters/fs-json/index.js');
          return fsJsonStore({ dir: source.dir });
        }
        if (source.kind === 'postgres') {
          // The worker reads the database itself, on a small pool of its own; it never writes, so no LISTEN.
          const { postgresStore } = await import('../adapters/postgres/index.js');
          return postgresStore({ url: source.url }, { schema: source.schema ?? 'pipetrace', live: false, max: 4 });
        }
        const store = await openCommon(source);
        if (store === undefined) throw cannotOpen(source, 'Node');
        return store;
      },
      exit: () => process.exit(70),
    }),
    nodeEndpoint(port),
  );
}
