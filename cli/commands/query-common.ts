/**
 * What the query commands share: `queryCommand` (parse, --help, positionals, an open session),
 * the store options (--store, or --url with --token), --json, dashboard links for the same
 * view, and argument checks that fail as usage errors (exit 2).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { httpStore } from '../../adapters/http/client.js';
import { STORE_VARIABLE } from '../../node/store-location.js';
import { createPipetrace, type Pipetrace } from '../../src/pipetrace.js';
import { keyToJson, type RowKey } from '../../src/rows/format/keys.js';
import type { Store } from '../../src/store.js';
import { joinNegativeValues } from '../args.js';
import { type Command, EXIT, type Io, UsageError } from '../command.js';
import { openStore, STORE_DEFAULT_TEXT } from '../open-store.js';

/** parseArgs options every query command accepts. */
const STORE_OPTIONS = {
  store: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const STORE_USAGE = `Store options:
  --store DIR|URL  the store folder, or a server's URL (default: ${STORE_DEFAULT_TEXT})
  --url URL        a pipetrace server instead (pipetrace serve); queries print the dashboard link
  --token TOKEN    the server's token, for writes or guarded reads (default: PIPETRACE_TOKEN)
  --json           print machine-readable JSON on stdout
  -h, --help       show this help`;

interface StoreValues {
  store?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

/** An open pipetrace for one command, and how it prints its answer. */
export interface Session {
  pt: Pipetrace;
  store: Store;
  /**
   * Prints a result: JSON with --json, text otherwise, then the dashboard link of `hash` when a
   * server URL is known (on stderr under --json, so stdout stays one JSON document). Exit 0.
   */
  print(data: unknown, text: () => string, hash?: string): number;
  close(): Promise<void>;
}

/** A server URL given as --url, as --store, or (with neither) in PIPETRACE_STORE. */
function serverUrl(values: StoreValues, env: Io['env']): string | undefined {
  if (values.url !== undefined) return values.url;
  const named = values.store ?? (env[STORE_VARIABLE] || undefined);
  return named !== undefined && /^https?:\/\//i.test(named) ? named : undefined;
}

/** The store a session reads, and the dashboard root for links (with a server URL). */
export async function sessionStore(
  values: StoreValues,
  io: Io,
  create: boolean,
): Promise<{ store: Store; root?: string }> {
  if (values.url !== undefined && values.store !== undefined) throw new UsageError('give --store or --url, not both');
  const url = serverUrl(values, io.env);
  if (url !== undefined) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new UsageError(`--url: not a URL: ${JSON.stringify(url)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url: must be http or https');
    const token = values.token ?? (io.env.PIPETRACE_TOKEN || undefined);
    const store = httpStore({ url, retries: 1, ...(token === undefined ? {} : { token }) });
    return { store, root: url.replace(/\/+$/, '') };
  }
  if (values.token !== undefined) throw new UsageError('--token: only with --url');
  return { store: await openStore(values.store, io.env, { create }) };
}

async function openSession(values: StoreValues, io: Io, create: boolean): Promise<Session> {
  const { store, root } = await sessionStore(values, io, create);
  return {
    pt: createPipetrace({ store }),
    store,
    print(data, text, hash) {
      io.stdout(`${values.json ? toJson(data) : text()}\n`);
      if (hash !== undefined && root !== undefined)
        (values.json ? io.stderr : io.stdout)(`dashboard: ${root}/${hash}\n`);
      return EXIT.ok;
    },
    close: () => store.close(),
  };
}

/** JSON for --json: indented; bigints (row keys) as decimal strings, typed arrays as arrays. */
function toJson(data: unknown): string {
  return JSON.stringify(
    data,
    (_, v) => (typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v),
    2,
  );
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs's config for a query command: the store options beside the command's own. */
interface QueryConfig<O extends OptionsConfig> {
  args: string[];
  strict: true;
  allowPositionals: true;
  options: typeof STORE_OPTIONS & O;
}

/**
 * A query command's option values, typed by node:util's own parseArgs types for its options.
 * The store options are spelled out too: inside the generic helper TypeScript cannot see them
 * through the deferred conditional type.
 */
export type QueryValues<O extends OptionsConfig> = StoreValues & { help?: boolean } & ReturnType<
    typeof parseArgs<QueryConfig<O>>
  >['values'];

export interface QueryCommandSpec<O extends OptionsConfig, P extends readonly string[]> extends Omit<Command, 'run'> {
  /** The command's own options; the store options, --json and --help come with every query command. */
  options?: O;
  /** The names of the positionals it needs, in order ("missing NAME" when one is not there). */
  positionals?: P;
  /** Takes more positionals after those (as `rest`); otherwise any more is a usage error. */
  rest?: boolean;
  /**
   * True for a command that may create the store (it writes something that needs no earlier
   * run: a component). Every other command needs an existing store: not_found, nothing created.
   */
  creates?: boolean | ((values: QueryValues<O>) => boolean);
  /**
   * Checks the arguments, before any store is opened (a usage error must not open or create
   * one), and returns the work to do with the open session; the session closes after it.
   */
  run(args: {
    values: QueryValues<O>;
    positionals: { [K in keyof P]: string };
    rest: string[];
  }): (session: Session) => Promise<number>;
}

/** A query command: parses its arguments, answers --help, checks positionals, opens a session. */
export function queryCommand<
  const O extends OptionsConfig = Record<never, never>,
  const P extends readonly string[] = [],
>(spec: QueryCommandSpec<O, P>): Command {
  const { run, options, positionals, rest, creates: _creates, ...command } = spec;
  const names: readonly string[] = positionals ?? [];
  return {
    ...command,
    async run(args, io) {
      const parsed = parseArgs<QueryConfig<O>>({
        args: joinNegativeValues(args, { ...STORE_OPTIONS, ...(options as O) }),
        strict: true,
        allowPositionals: true,
        options: { ...STORE_OPTIONS, ...(options as O) },
      });
      // The config holds STORE_OPTIONS, so its values hold the store values too.
      const values = parsed.values as QueryValues<O>;
      if (values.help) {
        io.stdout(`${command.usage}\n`);
        return EXIT.ok;
      }
      const given = parsed.positionals;
      const missing = names.find((_, i) => given[i] === undefined);
      if (missing !== undefined) throw new UsageError(`missing ${missing}`);
      if (!rest && given.length > names.length) {
        throw new UsageError(`unexpected argument ${JSON.stringify(given[names.length])}`);
      }
      const body = run({
        values,
        positionals: given.slice(0, names.length) as { [K in keyof P]: string },
        rest: given.slice(names.length),
      });
      const creates = typeof spec.creates === 'function' ? spec.creates(values) : spec.creates === true;
      const session = await openSession(values, io, creates);
      try {
        return await body(session);
      } finally {
        await session.close();
      }
    },
  };
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

/** Hash routes of the dashboard (dashboard/hash-router.ts): one percent-encoded segment per name. */
export const view = {
  recent: () => '#/recent',
  history: (component: string) => `#/history/${encodeURIComponent(component)}`,
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  trace: (pointer: string) => `#/trace/${encodeURIComponent(pointer)}`,
  traceRun: (id: string) => `#/trace-run/${encodeURIComponent(id)}`,
  review: () => '#/review',
  flagged: () => '#/flagged',
  retraction: (label: string) => `#/retraction/${encodeURIComponent(label)}`,
  /** The dashboard takes the row key as JSON. */
  rows: (pointer: string, key: RowKey, direction: 'backward' | 'forward') =>
    `#/rows?${new URLSearchParams({ pointer, key: JSON.stringify(keyToJson(key)), direction }).toString()}`,
};
