/**
 * pipetrace for browsers: everything in the core, with IndexedDB (database 'pipetrace') as the
 * default store.
 *
 *   import { createPipetrace } from 'pipetrace/browser';
 *   const pt = createPipetrace();
 */
import { indexedDbStore } from '../adapters/indexeddb/index.js';
import { Pipetrace, type PipetraceOptions } from '../src/pipetrace.js';

export * from '../src/index.js';

/** A pipetrace with the browser default store (IndexedDB) unless another is given. */
export function createPipetrace(options: Partial<PipetraceOptions> = {}): Pipetrace {
  return new Pipetrace({ ...options, store: options.store ?? indexedDbStore() });
}
