/**
 * pipetrace for Node: everything in the core, plus defaults that need Node: the project's
 * store (PIPETRACE_STORE, else the nearest .pipetrace up to the git root) and the git commit of
 * the working tree on every run.
 *
 *   import { createPipetrace } from 'pipetrace/node';
 *   const pt = createPipetrace();            // the project's .pipetrace/, found like git finds .git
 */
import { resolve } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { memoryStore } from '../adapters/memory.js';
import { lazyStore } from '../src/lazy-store.js';
import { Pipetrace, type PipetraceOptions } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import { gitCodeVersion } from './git.js';
import { storeLocation } from './store-location.js';

export * from '../src/index.js';
export { gitCodeVersion } from './git.js';
export { fileTransport, parseEventsText, readEventsFile } from './openlineage-file.js';
export {
  DATABASE_URL_VARIABLE,
  DEFAULT_STORE_DIR,
  findStoreDir,
  STORE_VARIABLE,
  type StoreLocation,
  storeLocation,
} from './store-location.js';

/**
 * The embedded default store, opened on first use: fs-json in `dir` when given; else the one
 * PIPETRACE_STORE names (a folder, an http(s) URL with PIPETRACE_TOKEN, a postgres:// URL, or
 * "memory"), else the PIPETRACE_DATABASE_URL one; else the project's `.pipetrace`, the nearest one up to the git root (see findStoreDir).
 */
export function defaultStore(dir?: string): Store {
  if (dir === undefined) {
    const location = storeLocation();
    if (location.kind === 'url') {
      const token = process.env.PIPETRACE_TOKEN || undefined;
      return httpStore({ url: location.url, ...(token === undefined ? {} : { token }) });
    }
    if (location.kind === 'memory') return memoryStore();
    if (location.kind === 'postgres') {
      const { url } = location;
      // The PostgreSQL client loads only when a postgres:// URL is asked for.
      return lazyStore('postgres', { durable: true, concurrent: true, live: true, binary: true }, async () =>
        (await import('../adapters/postgres/index.js')).postgresStore({ url }),
      );
    }
    dir = location.dir;
  }
  const path = resolve(dir);
  return lazyStore(`fs-json:${path}`, { durable: true, concurrent: true, live: true, binary: true }, () =>
    fsJsonStore({ dir: path }),
  );
}

/** A pipetrace with Node defaults for whatever is not given. */
export function createPipetrace(options: Partial<PipetraceOptions> = {}): Pipetrace {
  let asked = false;
  let version: ReturnType<typeof gitCodeVersion>;
  const fromGit = () => {
    if (!asked) {
      version = gitCodeVersion();
      asked = true;
    }
    return version;
  };
  return new Pipetrace({
    ...options,
    store: options.store ?? defaultStore(),
    codeVersion: options.codeVersion ?? fromGit,
  });
}
