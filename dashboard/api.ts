/**
 * What the dashboard asks of pipetrace, with two sources: a pipetrace server over HTTP
 * (`httpApi`), or a store in the page (`storeApi` in store-api.ts, loaded only when used, so a
 * dashboard served over HTTP does not ship the core and graphology). Both offer every query of
 * the query table (src/queries.ts) with the facade's signatures. Browser-safe.
 */

import { followEvents } from '../adapters/http/event-stream.js';
import { errorFromResponse } from '../adapters/http/protocol.js';
import type { HistoryOptions } from '../src/analysis/history.js';
import { PipetraceError } from '../src/errors.js';
import type { Pipetrace } from '../src/pipetrace.js';
import { QUERIES, QUERY_NAMES, type Queries, type QueryDef, type QueryName } from '../src/queries.js';
import { rowKeyFromText } from '../src/rows/wire.js';
import type { Store, StoreChange } from '../src/store.js';
import { queryPath, takePrefetched } from './home-requests.js';

/** The options of a component's history. */
export type HistoryQuery = HistoryOptions;

export type TraceTarget = { pointer: string } | { run: string };
export type RowDirection = 'backward' | 'forward';

/** The operations the views use: every read query, and the writes a person makes from the page. */
export type DashboardApi = Queries &
  Pick<Pipetrace, 'flag' | 'unflag' | 'addNote' | 'tag'> & {
    /**
     * Optional: hear the store's changes as they happen (a server's event stream), and whether the
     * stream is open. Without it the dashboard polls. Returns the function that stops listening.
     */
    subscribe?(listener: (change: StoreChange) => void, onStatus?: (open: boolean) => void): () => void;
    /**
     * Optional: what the source lets this page do. Without it everything may be tried (an
     * in-page store). 'token' means a valid write token is needed; 'no' means writes are off.
     */
    access?(): Promise<Access>;
  };

/** What a source lets the page do: 'yes', 'token' (needs a valid token) or 'no' (off). */
export interface Access {
  read: 'yes' | 'token' | 'no';
  write: 'yes' | 'token' | 'no';
}

/**
 * Why a fetch to another origin failed, when it did: a browser blocks an answer that lacks the
 * server's CORS header, and says only "Failed to fetch". Name the flag that fixes it.
 */
export function unreachable(url: string, error: unknown): Error {
  const here = typeof location === 'undefined' ? undefined : location.origin;
  let there: string | undefined;
  try {
    there = new URL(url, here).origin;
  } catch {
    there = undefined;
  }
  if (here === undefined || there === undefined || here === there || here === 'null') return error as Error;
  return new PipetraceError(
    'unavailable',
    `cannot reach the pipetrace server at ${there} from this page (${here}): it is down, or it does not allow this origin. Start it with --cors ${here} (pipetrace serve --cors ${here}).`,
    { cause: error },
  );
}

/** The names of DashboardApi's members, for the lazy wrapper and the tests. */
export const DASHBOARD_METHODS: readonly (keyof DashboardApi)[] = [...QUERY_NAMES, 'flag', 'unflag', 'addNote', 'tag'];

/** A row key from JSON text, or invalid_input naming what is wrong. */
export function parseRowKey(json: string): ReturnType<typeof rowKeyFromText> {
  return rowKeyFromText('key', json);
}

export interface HttpApiOptions {
  /** Base URL of the server ('' for the page's own origin). */
  url: string;
  /** Bearer token for writes (flag, unflag, notes, tags), and reads where the server needs one. */
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

/** The operations over a pipetrace server's REST routes: the queries from the table, and the writes. */
export function httpApi(options: HttpApiOptions): DashboardApi {
  const base = `${options.url.replace(/\/+$/, '')}/api/v1`;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const call = async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    const token = options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      // Home's first answers may already be on their way (the served page asked them early, without a token).
      const early = method === 'GET' && !token ? takePrefetched(base + path) : undefined;
      res = await (early ??
        doFetch(base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        }));
    } catch (error) {
      throw unreachable(base, error);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw errorFromResponse(res.status, parsed);
    return parsed as T;
  };
  const query = (name: QueryName) => {
    const def = QUERIES[name] as QueryDef<QueryName>;
    return async (...args: unknown[]) => {
      const json = await call('GET', (queryPath as (n: QueryName, ...a: unknown[]) => string)(name, ...args));
      return def.fromJson === undefined ? json : def.fromJson(json);
    };
  };
  const queries = Object.fromEntries(QUERY_NAMES.map((name) => [name, query(name)])) as unknown as Queries;
  const seg = encodeURIComponent;
  const subscribe = (listener: (change: StoreChange) => void, onStatus?: (open: boolean) => void) => {
    const following = followEvents({
      url: `${base}/events`,
      fetch: doFetch,
      headers: (): Record<string, string> => {
        const token = options.token?.();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      onChange: listener,
      ...(onStatus === undefined ? {} : { onStatus }),
      delay: (attempt) => Math.min(30_000, 500 * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() * 0.5),
      idleMs: 45_000,
    });
    return () => following.stop();
  };
  return {
    ...queries,
    subscribe,
    access: () => call('GET', '/access'),
    flag: (pointer) => call('POST', '/flag', { pointer }),
    unflag: (pointer) => call('POST', '/unflag', { pointer }),
    addNote: (run, text) => call('POST', `/runs/${seg(run)}/notes`, { text }),
    tag: (component, tags) => call('POST', `/components/${seg(component)}/tags`, { tags }),
  };
}

/** The store operations, loaded on first use (a separate chunk in the split bundle). */
export function lazyStoreApi(store: Store): DashboardApi {
  let loaded: Promise<DashboardApi> | undefined;
  const api = () => {
    loaded ??= import('./store-api.js').then((m) => m.storeApi(store));
    return loaded;
  };
  return Object.fromEntries(
    DASHBOARD_METHODS.map((name) => [
      name,
      async (...args: unknown[]) => ((await api())[name] as (...a: unknown[]) => unknown)(...args),
    ]),
  ) as unknown as DashboardApi;
}
