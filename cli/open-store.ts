/** Opens the store a `--store` argument names: `memory`, an http(s) URL of a server, or a folder for the fs-json store. */
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { memoryStore } from '../adapters/memory.js';
import { DEFAULT_STORE_DIR } from '../node/index.js';
import type { Store } from '../src/store.js';
import { UsageError } from './command.js';

/** The folder used when no --store is given: the library's Node default. */
export { DEFAULT_STORE_DIR };

/** Whether a store spec is a server's URL rather than a folder. */
export const isUrlSpec = (spec: string): boolean => /^https?:\/\//i.test(spec);

/** @param options.token the bearer token for a server (URL specs). */
export async function openStore(spec: string | undefined, options: { token?: string } = {}): Promise<Store> {
  const value = spec ?? DEFAULT_STORE_DIR;
  if (value === '') throw new UsageError('--store: must be a folder or "memory"');
  if (value === 'memory') return memoryStore();
  if (isUrlSpec(value))
    return httpStore({ url: value, ...(options.token === undefined ? {} : { token: options.token }) });
  return fsJsonStore({ dir: value });
}
