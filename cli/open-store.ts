/** Opens the store a `--store` argument names: `memory`, or a folder for the fs-json store. */
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { DEFAULT_STORE_DIR } from '../node/index.js';
import type { Store } from '../src/store.js';
import { UsageError } from './command.js';

/** The folder used when no --store is given: the library's Node default. */
export { DEFAULT_STORE_DIR };

/** A postgres:// URL, in --store or this variable (kept out of process lists, unlike --store), opens PostgreSQL. */
export const DATABASE_URL_VARIABLE = 'PIPETRACE_DATABASE_URL';
const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export async function openStore(
  spec: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<Store> {
  const value = spec ?? (env[DATABASE_URL_VARIABLE] || DEFAULT_STORE_DIR);
  if (value === '') throw new UsageError('--store: must be a folder, a postgres:// URL or "memory"');
  if (value === 'memory') return memoryStore();
  if (POSTGRES_URL.test(value)) {
    // Loaded only when asked for, so the folder store never loads the PostgreSQL client.
    const { postgresStore } = await import('../adapters/postgres/index.js');
    return postgresStore({ url: value });
  }
  return fsJsonStore({ dir: value });
}
