/**
 * Home's first requests, started by the served page before the bundle has loaded: the page's
 * small inline script (`prefetchScript`, written by the server) asks them while the bundle
 * downloads, and the HTTP client takes each answer once (`takePrefetched`) instead of asking
 * again. A home view that asks anything else asks it itself; nothing else is prefetched.
 * Browser-safe (the server imports it to write the script).
 */
import { fillPath, queryString } from '../src/http-params.js';
import { QUERIES, type QueryArgs, type QueryDef, type QueryName } from '../src/queries.js';
import { tokenKey } from './token-key.js';

/** Recent runs scanned for failures (the recent-runs table shows the first of them). */
export const FAILED_WINDOW = 200;
/** Components whose latest run is checked for staleness (the first ones by name). */
export const STALE_COMPONENTS = 12;

/** A query's request path under `/api/v1`, as the HTTP client asks it. */
export function queryPath<K extends QueryName>(name: K, ...args: QueryArgs<K>): string {
  const def = QUERIES[name] as QueryDef<QueryName>;
  const parts = (def.toHttp as (...a: unknown[]) => ReturnType<typeof def.toHttp>)(...args);
  return fillPath(def.path, parts.params) + queryString(parts.query);
}

/** What home asks at once (with these arguments), and the access question the shell asks. */
export function homeRequestPaths(): string[] {
  return [
    '/access',
    queryPath('recent', FAILED_WINDOW),
    queryPath('components'),
    queryPath('flagged'),
    queryPath('flaggedRowCounts'),
    queryPath('latestRuns', { limit: STALE_COMPONENTS }),
    queryPath('monitor', {}),
  ];
}

/** Where the inline script leaves its responses, keyed by URL as the client asks it. */
const GLOBAL = '__pipetracePrefetch';

/** A value as a JavaScript literal safe inside an inline `<script>`. */
const literal = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The inline script of the served page: when the URL opens home (no view in the hash, or
 * `#/recent`), start home's requests under `apiBase` now, unless the tab keeps a token for the
 * page's `url` (the client asks with it, so early answers without it would be wasted). A failed
 * request is left for the client to report (the catch only keeps it from being an unhandled
 * rejection meanwhile).
 */
export function prefetchScript(apiBase: string, url: string): string {
  const urls = literal(homeRequestPaths().map((p) => apiBase + p));
  // sessionStorage may throw (a sandboxed frame): then there is no token, as the client sees it.
  const held = `(()=>{try{return sessionStorage.getItem(${literal(tokenKey(url))})}catch{}})()`;
  return `(()=>{if(!/^(#\\/?(recent)?)?([?].*)?$/.test(location.hash)||${held})return;const p={};for(const u of ${urls}){const f=fetch(u);f.catch(()=>{});p[u]=f}globalThis.${GLOBAL}=p})()`;
}

/** The response the page's inline script started for `url`, once (a second ask goes to the network). */
export function takePrefetched(url: string): Promise<Response> | undefined {
  const all = (globalThis as Record<string, unknown>)[GLOBAL] as Record<string, Promise<Response>> | undefined;
  const early = all?.[url];
  if (early !== undefined) delete all?.[url];
  return early;
}
