/**
 * pipetrace for Node: everything in the core, plus defaults that need Node: a filesystem store
 * in ./.pipetrace and the git commit of the working tree on every run.
 *
 *   import { createPipetrace } from 'pipetrace/node';
 *   const pt = createPipetrace();            // .pipetrace/ in the current directory
 */
import { resolve } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { lazyStore } from '../src/lazy-store.js';
import { Pipetrace, type PipetraceOptions } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import { gitCodeVersion } from './git.js';

export * from '../src/index.js';
export { gitCodeVersion } from './git.js';
export { fileTransport, parseEventsText, readEventsFile } from './openlineage-file.js';

/** The store folder when none is given, relative to the working directory; the CLI uses it too. */
export const DEFAULT_STORE_DIR = '.pipetrace';

/** The embedded default store: fs-json in `dir` (default ./.pipetrace), opened on first use. */
export function defaultStore(dir: string = DEFAULT_STORE_DIR): Store {
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
