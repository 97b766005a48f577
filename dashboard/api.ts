/**
 * What the dashboard asks of pipetrace, with two sources: a pipetrace server over HTTP
 * (`httpApi`), or a store in the page (`storeApi` in store-api.ts, loaded only when used, so a
 * dashboard served over HTTP does not ship the core and graphology). Browser-safe.
 */
import type { Review } from '../src/analysis/review.js';
import type { ReviewMethod } from '../src/analysis/spectrum.js';
import type { Staleness } from '../src/analysis/staleness.js';
import type { Trace } from '../src/analysis/trace.js';
import { PipetraceError } from '../src/errors.js';
import type { Component, Pointer, Run } from '../src/model.js';
import { checkRowKey, keyFromJson, keyToJson } from '../src/rows/format/keys.js';
import type { RowTrace } from '../src/rows/trace.js';
import type { RunPage, Store } from '../src/store.js';

export type TraceTarget = { pointer: string } | { run: string };
export type RowDirection = 'backward' | 'forward';

export interface HistoryQuery {
  since?: number;
  until?: number;
  limit?: number;
  cursor?: string;
}

/** The operations the views use. */
export interface DashboardApi {
  recent(limit: number): Promise<Run[]>;
  history(component: string, query: HistoryQuery): Promise<RunPage>;
  inspect(id: string): Promise<Run>;
  trace(target: TraceTarget): Promise<Trace>;
  staleness(run: string): Promise<Staleness>;
  review(method?: ReviewMethod): Promise<Review>;
  flagged(): Promise<Pointer[]>;
  flag(pointer: string): Promise<Pointer>;
  unflag(pointer: string): Promise<Pointer>;
  addNote(run: string, text: string): Promise<Run>;
  tag(component: string, tags: string[]): Promise<Component>;
  components(): Promise<Component[]>;
  /** A row's path; `key` is JSON text (a string key is quoted: "\"a\"", a number is 42). */
  rowTrace(pointer: string, key: string, direction: RowDirection): Promise<RowTrace>;
}

/** A row key from JSON text, or invalid_input naming what is wrong. */
export function parseRowKey(json: string): ReturnType<typeof keyFromJson> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new PipetraceError(
      'invalid_input',
      'key: must be JSON: "a" for a string, 42 for a number, ["a", 1] for a composite',
    );
  }
  return checkRowKey('key', keyFromJson(value));
}

/** A row trace with every key JSON-safe (bigints as {"n": "..."}), as it travels over HTTP. */
export function rowTraceToJson(trace: RowTrace): unknown {
  const rows = (list: { hash: string; key?: unknown }[]) =>
    list.map((r) => (r.key === undefined ? r : { ...r, key: keyToJson(r.key as never) }));
  return {
    ...trace,
    key: keyToJson(trace.key),
    steps: trace.steps.map((s) => ({
      ...s,
      rows: rows(s.rows),
      links: s.links.map((l) => ({ ...l, rows: rows(l.rows) })),
    })),
    origins: trace.origins.map((o) => ({ ...o, rows: rows(o.rows) })),
  };
}

export interface HttpApiOptions {
  /** Base URL of the server ('' for the page's own origin). */
  url: string;
  /** Bearer token for writes (flag, unflag, notes, tags), and reads where the server needs one. */
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

/** The operations over a pipetrace server's REST routes. */
export function httpApi(options: HttpApiOptions): DashboardApi {
  const base = `${options.url.replace(/\/+$/, '')}/api/v1`;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const call = async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    const token = options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = (e?.code ?? (res.status === 404 ? 'not_found' : 'storage')) as ConstructorParameters<
        typeof PipetraceError
      >[0];
      throw new PipetraceError(code, e?.message ?? `the server answered ${res.status}`, {
        details: { status: res.status },
      });
    }
    return parsed as T;
  };
  const q = (params: Record<string, string | number | undefined>) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, String(v));
    const text = s.toString();
    return text === '' ? '' : `?${text}`;
  };
  const seg = encodeURIComponent;
  return {
    recent: async (limit) => (await call<{ runs: Run[] }>('GET', `/recent${q({ limit })}`)).runs,
    history: (component, h) => call('GET', `/components/${seg(component)}/history${q({ ...h })}`),
    inspect: (id) => call('GET', `/runs/${seg(id)}`),
    trace: (target) =>
      call('GET', `/trace${q('pointer' in target ? { pointer: target.pointer } : { run: target.run })}`),
    staleness: (run) => call('GET', `/staleness${q({ run })}`),
    review: (method) => call('GET', `/review${q({ method })}`),
    flagged: async () => (await call<{ pointers: Pointer[] }>('GET', '/flagged')).pointers,
    flag: (pointer) => call('POST', '/flag', { pointer }),
    unflag: (pointer) => call('POST', '/unflag', { pointer }),
    addNote: (run, text) => call('POST', `/runs/${seg(run)}/notes`, { text }),
    tag: (component, tags) => call('POST', `/components/${seg(component)}/tags`, { tags }),
    components: async () => (await call<{ components: Component[] }>('GET', '/components')).components,
    rowTrace: async (pointer, key, direction) => {
      try {
        return await call<RowTrace>('GET', `/rows/trace${q({ pointer, key, direction })}`);
      } catch (error) {
        const status = (error as PipetraceError).details?.status;
        if (status === 404 && /no route/.test((error as Error).message)) {
          throw new PipetraceError(
            'not_found',
            'this server has no row lineage route (serve it with dashboardRoutes())',
          );
        }
        throw error;
      }
    },
  };
}

/** The store operations, loaded on first use (a separate chunk in the split bundle). */
export function lazyStoreApi(store: Store): DashboardApi {
  let loaded: Promise<DashboardApi> | undefined;
  const api = () => {
    loaded ??= import('./store-api.js').then((m) => m.storeApi(store));
    return loaded;
  };
  const methods: (keyof DashboardApi)[] = [
    'recent',
    'history',
    'inspect',
    'trace',
    'staleness',
    'review',
    'flagged',
    'flag',
    'unflag',
    'addNote',
    'tag',
    'components',
    'rowTrace',
  ];
  return Object.fromEntries(
    methods.map((name) => [
      name,
      async (...args: unknown[]) => ((await api())[name] as (...a: unknown[]) => unknown)(...args),
    ]),
  ) as unknown as DashboardApi;
}
