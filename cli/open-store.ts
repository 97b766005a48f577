/**
 * Opens the store a `--store` argument names (`memory`, an http(s) URL, a postgres:// URL, or a
 * folder for the fs-json store), else the one PIPETRACE_STORE names, else PIPETRACE_DATABASE_URL,
 * else the project's `.pipetrace`, found like git finds its repository (node/store-location.ts).
 */
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { memoryStore } from '../adapters/memory.js';
import { DEFAULT_STORE_DIR } from '../node/index.js';
import {
  DATABASE_URL_VARIABLE,
  isStoreFolder,
  parseStoreLocation,
  STORE_VARIABLE,
  storeLocation,
} from '../node/store-location.js';
import { PipetraceError } from '../src/errors.js';
import type { Store } from '../src/store.js';
import { UsageError } from './command.js';

/** The folder looked for when no --store is given: the library's Node default. */
export { DATABASE_URL_VARIABLE, DEFAULT_STORE_DIR };

/** How the store options' help says where the store is when none is given. */
export const STORE_DEFAULT_TEXT = `${STORE_VARIABLE}, else ${DATABASE_URL_VARIABLE}, else the nearest ${DEFAULT_STORE_DIR} up to the git root`;

export interface OpenStoreOptions {
  /** False for read-only commands: a folder that holds no store is not_found, and nothing is created. */
  create?: boolean;
  /** Where a relative folder and the search for .pipetrace start (default the working directory). */
  cwd?: string;
}

export async function openStore(
  spec: string | undefined,
  env: Record<string, string | undefined> = process.env,
  options: OpenStoreOptions = {},
): Promise<Store> {
  if (spec === '') throw new UsageError('--store: must be a folder, a URL or "memory"');
  const cwd = options.cwd ?? process.cwd();
  const location = spec === undefined ? storeLocation(env, cwd) : parseStoreLocation(spec, cwd);
  if (location.kind === 'memory') return memoryStore();
  if (location.kind === 'postgres') {
    // Loaded only when asked for, so the folder store never loads the PostgreSQL client.
    const { postgresStore } = await import('../adapters/postgres/index.js');
    return postgresStore({ url: location.url });
  }
  if (location.kind === 'url') {
    const token = env.PIPETRACE_TOKEN || undefined;
    return httpStore({ url: location.url, ...(token === undefined ? {} : { token }) });
  }
  if (options.create === false && !isStoreFolder(location.dir)) {
    const named = spec ?? (env[STORE_VARIABLE] || undefined);
    throw new PipetraceError('not_found', `no pipetrace store at ${named ?? location.dir}`, {
      details: { what: 'store', name: location.dir },
    });
  }
  return fsJsonStore({ dir: location.dir });
}
