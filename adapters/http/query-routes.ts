/**
 * The query routes: the core API (`Pipetrace`) over HTTP, for the dashboard, scripts and curl.
 * Names that may hold `/` or `?` (pointers) travel in the query string; run ids and component
 * names may also sit in the path, percent-encoded.
 */
import { invalid } from '../../src/errors.js';
import { ParamReader } from '../../src/http-params.js';
import { QUERIES, QUERY_NAMES, type QueryDef, type QueryName, type QueryResult } from '../../src/queries.js';
import { API_PREFIX, QUERY_PATHS } from './protocol.js';
import { bodyObject, json, type Route } from './router.js';

const P = API_PREFIX;

/** Copies only the named keys that are present, so undefined never overrides a default. */
function pick<K extends string>(source: Record<string, unknown>, keys: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** One GET route per query of the table: arguments from the path and query string, the result as JSON. */
function readRoute<K extends QueryName>(name: K): Route {
  const def = QUERIES[name] as QueryDef<QueryName>;
  return {
    method: 'GET',
    path: QUERY_PATHS[name],
    access: 'read',
    summary: `${name}: ${def.summary}`,
    handle: async ({ api, params, query }) => {
      const reader = new ParamReader(params, query);
      const args = def.fromHttp(reader);
      reader.finish();
      const pt = await api();
      const value = await (pt[name] as (...a: unknown[]) => Promise<QueryResult<K>>).apply(pt, args);
      return json(def.toJson === undefined ? value : def.toJson(value as never));
    },
  };
}

/** The query routes (derived from the query table) and the write routes of the core API. */
export function queryRoutes(): Route[] {
  return [
    ...QUERY_NAMES.map((name) => readRoute(name)),
    {
      method: 'GET',
      path: `${P}/health`,
      access: 'public',
      summary: 'liveness: { ok: true }',
      handle: async () => json({ ok: true }),
    },
    {
      method: 'GET',
      path: `${P}/access`,
      access: 'public',
      summary:
        'what this request may do: { read, write }, each "yes", "token" (needs a valid token) or "no" (off on this server)',
      handle: async ({ allowed }) => json({ read: allowed?.('read') ?? 'yes', write: allowed?.('write') ?? 'token' }),
    },
    {
      method: 'POST',
      path: `${P}/runs`,
      access: 'write',
      body: 'json',
      summary: 'logRuns: { runs: RunInput[] } or { run: RunInput } -> { runs: Run[] }, dependencies inferred',
      handle: async ({ api, body }) => {
        const b = bodyObject(body);
        if ((b.runs === undefined) === (b.run === undefined)) throw invalid('body', 'give either runs or run');
        const inputs = b.runs ?? [b.run];
        return json({ runs: await (await api()).logRuns(inputs as never) }, 201);
      },
    },
    {
      method: 'POST',
      path: `${P}/runs/:id/notes`,
      access: 'write',
      body: 'json',
      summary: 'addNote: { text } -> Run',
      handle: async ({ api, params, body }) =>
        json(await (await api()).addNote(params.id as string, bodyObject(body).text as string)),
    },
    {
      method: 'PUT',
      path: `${P}/components/:name`,
      access: 'write',
      body: 'json',
      summary: 'component: { description?, owner?, tags? } -> Component (creates or updates)',
      handle: async ({ api, params, body }) =>
        json(
          await (await api()).component(
            params.name as string,
            pick(bodyObject(body), ['description', 'owner', 'tags']) as never,
          ),
        ),
    },
    {
      method: 'POST',
      path: `${P}/components/:name/tags`,
      access: 'write',
      body: 'json',
      summary: 'tag: { tags: string | string[] } -> Component',
      handle: async ({ api, params, body }) =>
        json(await (await api()).tag(params.name as string, bodyObject(body).tags as never)),
    },
    {
      method: 'POST',
      path: `${P}/pointer/type`,
      access: 'write',
      body: 'json',
      summary: 'setPointerType: { pointer, type } -> Pointer',
      handle: async ({ api, body }) => {
        const b = bodyObject(body);
        return json(await (await api()).setPointerType(b.pointer as string, b.type as never));
      },
    },
    {
      method: 'POST',
      path: `${P}/flag`,
      access: 'write',
      body: 'json',
      summary: 'flag: { pointer } -> Pointer',
      handle: async ({ api, body }) => json(await (await api()).flag(bodyObject(body).pointer as string)),
    },
    {
      method: 'POST',
      path: `${P}/unflag`,
      access: 'write',
      body: 'json',
      summary: 'unflag: { pointer } -> Pointer, or { all: true } -> { cleared }',
      handle: async ({ api, body }) => {
        const b = bodyObject(body);
        if (b.all === true) return json({ cleared: await (await api()).unflagAll() });
        return json(await (await api()).unflag(b.pointer as string));
      },
    },
  ];
}
