/** Opens the store a `--store` argument names: `memory`, or a folder for the fs-json store. */
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { DEFAULT_STORE_DIR } from '../node/index.js';
import type { Store } from '../src/store.js';
import { UsageError } from './command.js';

/** The folder used when no --store is given: the library's Node default. */
export { DEFAULT_STORE_DIR };

export async function openStore(spec: string | undefined): Promise<Store> {
  const value = spec ?? DEFAULT_STORE_DIR;
  if (value === '') throw new UsageError('--store: must be a folder or "memory"');
  if (value === 'memory') return memoryStore();
  return fsJsonStore({ dir: value });
}
