/**
 * Where a project's store is, found the way git finds its repository: PIPETRACE_STORE when set
 * (a folder, an http(s) URL of `pipetrace serve`, or "memory"), else the nearest `.pipetrace`
 * folder in the working directory or a parent, up to the git root; with none, a new one at the
 * git root (or in the working directory outside git). So a script run from a subfolder logs
 * into the project's one store instead of starting an empty one.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The variable naming the store: a folder, an http(s) URL, a postgres:// URL, or "memory". */
export const STORE_VARIABLE = 'PIPETRACE_STORE';

/** A postgres:// URL, read when PIPETRACE_STORE is not set (kept out of process lists, unlike --store). */
export const DATABASE_URL_VARIABLE = 'PIPETRACE_DATABASE_URL';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** The store folder's name, looked for in the working directory and its parents. */
export const DEFAULT_STORE_DIR = '.pipetrace';

export type StoreLocation =
  | { kind: 'folder'; dir: string }
  | { kind: 'url'; url: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'memory' };

const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The nearest existing `.pipetrace` from `cwd` up, stopping at the git root (the folder holding
 * `.git`); with none, `.pipetrace` at the git root, or in `cwd` outside a git checkout.
 */
export function findStoreDir(cwd: string = process.cwd()): string {
  const start = resolve(cwd);
  for (let dir = start; ; ) {
    const candidate = join(dir, DEFAULT_STORE_DIR);
    if (isDir(candidate)) return candidate;
    if (existsSync(join(dir, '.git'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return join(start, DEFAULT_STORE_DIR);
    dir = parent;
  }
}

/** A store named in text (`--store`, PIPETRACE_STORE): a URL, "memory", or a folder relative to `cwd`. */
export function parseStoreLocation(value: string, cwd: string = process.cwd()): StoreLocation {
  if (/^https?:\/\//i.test(value)) return { kind: 'url', url: value };
  if (POSTGRES_URL.test(value)) return { kind: 'postgres', url: value };
  if (value === 'memory') return { kind: 'memory' };
  return { kind: 'folder', dir: resolve(cwd, value) };
}

/** The project's store: PIPETRACE_STORE when set and not empty, else PIPETRACE_DATABASE_URL, else findStoreDir(cwd). */
export function storeLocation(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): StoreLocation {
  const named = env[STORE_VARIABLE];
  if (named !== undefined && named !== '') return parseStoreLocation(named, cwd);
  const database = env[DATABASE_URL_VARIABLE];
  if (database !== undefined && database !== '') return parseStoreLocation(database, cwd);
  return { kind: 'folder', dir: findStoreDir(cwd) };
}

/** True when `dir` holds a pipetrace fs-json store (its format marker). */
export function isStoreFolder(dir: string): boolean {
  return existsSync(join(dir, 'pipetrace.json'));
}
