/**
 * What the query commands share: the store options (--store, or --url with --token), --json,
 * dashboard links for the same view, and argument checks that fail as usage errors (exit 2).
 */
import { httpStore } from '../../adapters/http/client.js';
import { createPipetrace, type Pipetrace } from '../../src/pipetrace.js';
import { keyToJson, type RowKey } from '../../src/rows/format/keys.js';
import type { Store } from '../../src/store.js';
import { EXIT, type Io, UsageError } from '../command.js';
import { DEFAULT_STORE_DIR, openStore } from '../open-store.js';

/** parseArgs options every query command accepts. */
export const STORE_OPTIONS = {
  store: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const STORE_USAGE = `Store options:
  --store DIR      the store folder (default ${DEFAULT_STORE_DIR})
  --url URL        a pipetrace server instead (pipetrace serve); queries print the dashboard link
  --token TOKEN    the server's token, for writes or guarded reads (default: PIPETRACE_TOKEN)
  --json           print machine-readable JSON on stdout
  -h, --help       show this help`;

export interface StoreValues {
  store?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

/** An open pipetrace for one command, and a way to link to the dashboard's view of the same thing. */
export interface Session {
  pt: Pipetrace;
  store: Store;
  /** The dashboard URL for a hash route, when a server URL is known. */
  link(hash: string): string | undefined;
  close(): Promise<void>;
}

export async function openSession(values: StoreValues, io: Io): Promise<Session> {
  if (values.url !== undefined && values.store !== undefined) throw new UsageError('give --store or --url, not both');
  if (values.url !== undefined) {
    let base: URL;
    try {
      base = new URL(values.url);
    } catch {
      throw new UsageError(`--url: not a URL: ${JSON.stringify(values.url)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url: must be http or https');
    const token = values.token ?? (io.env.PIPETRACE_TOKEN || undefined);
    const store = httpStore({ url: values.url, retries: 1, ...(token === undefined ? {} : { token }) });
    const root = values.url.replace(/\/+$/, '');
    return {
      pt: createPipetrace({ store }),
      store,
      link: (hash) => `${root}/${hash}`,
      close: () => store.close(),
    };
  }
  if (values.token !== undefined) throw new UsageError('--token: only with --url');
  const store = await openStore(values.store);
  return { pt: createPipetrace({ store }), store, link: () => undefined, close: () => store.close() };
}

/**
 * Prints a result: JSON with --json, text otherwise, then the dashboard link when known
 * (on stderr under --json, so stdout stays one JSON document).
 */
export function print(
  io: Io,
  session: Session,
  values: StoreValues,
  data: unknown,
  text: () => string,
  hash?: string,
): number {
  if (values.json) io.stdout(`${toJson(data)}\n`);
  else io.stdout(`${text()}\n`);
  const link = hash === undefined ? undefined : session.link(hash);
  if (link !== undefined) (values.json ? io.stderr : io.stdout)(`dashboard: ${link}\n`);
  return EXIT.ok;
}

/** JSON for --json: indented; bigints (row keys) as decimal strings, typed arrays as arrays. */
export function toJson(data: unknown): string {
  return JSON.stringify(
    data,
    (_, v) => (typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v),
    2,
  );
}

/** Runs a command body with an open session, closing it after. */
export async function withSession(values: StoreValues, io: Io, body: (s: Session) => Promise<number>): Promise<number> {
  const session = await openSession(values, io);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

export function positional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing ${name}`);
  return value;
}

export function noMore(positionals: string[], count: number): void {
  if (positionals.length > count) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[count])}`);
}

export function int(name: string, value: string | undefined, min = 1, max = 10_000): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${name}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A time option: epoch milliseconds or an ISO date. */
export function when(name: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--${name}: not a date: ${JSON.stringify(value)}`);
  return value;
}

/** A time option as epoch milliseconds. */
export function millis(name: string, value: string | undefined): number | undefined {
  const w = when(name, value);
  return typeof w === 'string' ? Date.parse(w) : w;
}

/** A row key from the command line: text, or with --key-json a JSON number, string or array. */
export function rowKey(text: string, json: boolean | undefined): RowKey {
  if (!json) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--key-json: not JSON: ${JSON.stringify(text)}`);
  }
  return value as RowKey;
}

/** Hash routes of the dashboard (dashboard/router.ts): one percent-encoded segment per name. */
export const view = {
  recent: () => '#/recent',
  history: (component: string) => `#/history/${encodeURIComponent(component)}`,
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  trace: (pointer: string) => `#/trace/${encodeURIComponent(pointer)}`,
  traceRun: (id: string) => `#/trace-run/${encodeURIComponent(id)}`,
  review: () => '#/review',
  flagged: () => '#/flagged',
  /** The dashboard takes the row key as JSON. */
  rows: (pointer: string, key: RowKey, direction: 'backward' | 'forward') =>
    `#/rows?${new URLSearchParams({ pointer, key: JSON.stringify(keyToJson(key)), direction }).toString()}`,
};

/** Prints a command's usage on stdout (for --help); exit 0. */
export function showHelp(io: Io, usage: string): number {
  io.stdout(`${usage}\n`);
  return EXIT.ok;
}
