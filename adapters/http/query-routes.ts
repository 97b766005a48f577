/**
 * The query routes: the core API (`Pipetrace`) over HTTP, for the dashboard, scripts and curl.
 * Names that may hold `/` or `?` (pointers) travel in the query string; run ids and component
 * names may also sit in the path, percent-encoded.
 */
import { invalid } from '../../src/errors.js';
import type { Target } from '../../src/pipetrace.js';
import { API_PREFIX } from './protocol.js';
import { bodyObject, json, type Route } from './router.js';

const P = API_PREFIX;

function text(query: URLSearchParams, name: string): string | undefined {
  const all = query.getAll(name);
  if (all.length > 1) throw invalid(name, 'is given more than once');
  return all[0];
}

function int(query: URLSearchParams, name: string): number | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw invalid(name, `must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}

function num(query: URLSearchParams, name: string): number | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw invalid(name, `must be a number, got ${JSON.stringify(raw.slice(0, 40))}`);
  return n;
}

/** Epoch milliseconds as digits, or an ISO date string (the core checks it). */
function time(query: URLSearchParams, name: string): number | string | undefined {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  return /^-?\d{1,16}$/.test(raw) ? Number(raw) : raw;
}

/** `?pointer=`, `?run=` or `?target=` (pointer first, then run id): exactly one. */
function target(query: URLSearchParams): Target {
  const pointer = text(query, 'pointer');
  const run = text(query, 'run');
  const either = text(query, 'target');
  const given = [pointer, run, either].filter((x) => x !== undefined).length;
  if (given !== 1) throw invalid('target', 'give exactly one of ?pointer=, ?run= or ?target=');
  if (pointer !== undefined) return { pointer };
  if (run !== undefined) return { run };
  return either as string;
}

/** Copies only the named keys that are present, so undefined never overrides a default. */
function pick<K extends string>(source: Record<string, unknown>, keys: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

export function queryRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: `${P}/health`,
      access: 'public',
      summary: 'liveness: { ok: true }',
      handle: async () => json({ ok: true }),
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
      method: 'GET',
      path: `${P}/runs/:id`,
      access: 'read',
      summary: 'inspect: -> Run',
      handle: async ({ api, params }) => json(await (await api()).inspect(params.id as string)),
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
      method: 'GET',
      path: `${P}/recent`,
      access: 'read',
      summary: 'recent: ?limit= -> { runs }',
      handle: async ({ api, query }) => json({ runs: await (await api()).recent(int(query, 'limit') ?? 10) }),
    },
    {
      method: 'GET',
      path: `${P}/components`,
      access: 'read',
      summary: 'components: ?owner=&tag= -> { components }',
      handle: async ({ api, query }) =>
        json({
          components: await (await api()).components(defined({ owner: text(query, 'owner'), tag: text(query, 'tag') })),
        }),
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
      method: 'GET',
      path: `${P}/components/:name/history`,
      access: 'read',
      summary: 'history: ?since=&until=&limit=&cursor= -> { runs, cursor? }',
      handle: async ({ api, params, query }) =>
        json(
          await (await api()).history(
            params.name as string,
            defined({
              since: time(query, 'since'),
              until: time(query, 'until'),
              limit: int(query, 'limit'),
              cursor: text(query, 'cursor'),
            }),
          ),
        ),
    },
    {
      method: 'GET',
      path: `${P}/tags`,
      access: 'read',
      summary: 'tags: -> { tags: { tag, count }[] }',
      handle: async ({ api }) => json({ tags: await (await api()).tags() }),
    },
    {
      method: 'GET',
      path: `${P}/pointer`,
      access: 'read',
      summary: 'pointer: ?name= -> Pointer',
      handle: async ({ api, query }) => json(await (await api()).pointer(text(query, 'name') as string)),
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
    {
      method: 'GET',
      path: `${P}/flagged`,
      access: 'read',
      summary: 'flagged: -> { pointers }',
      handle: async ({ api }) => json({ pointers: await (await api()).flagged() }),
    },
    {
      method: 'GET',
      path: `${P}/trace`,
      access: 'read',
      summary: 'trace: ?pointer= | ?run= | ?target= [&depth=] -> Trace',
      handle: async ({ api, query }) =>
        json(await (await api()).trace(target(query), defined({ depth: int(query, 'depth') }))),
    },
    {
      method: 'GET',
      path: `${P}/staleness`,
      access: 'read',
      summary: 'staleness: ?pointer= | ?run= | ?target= [&maxAgeDays=&maxFresherRuns=&now=] -> Staleness',
      handle: async ({ api, query }) => {
        const now = time(query, 'now');
        if (typeof now === 'string') throw invalid('now', 'must be epoch milliseconds');
        return json(
          await (await api()).staleness(
            target(query),
            defined({ maxAgeDays: num(query, 'maxAgeDays'), maxFresherRuns: int(query, 'maxFresherRuns'), now }),
          ),
        );
      },
    },
    {
      method: 'GET',
      path: `${P}/review`,
      access: 'read',
      summary: 'review: ?method=ochiai|tarantula|risk_ratio|coverage&minSupport=&limit= -> Review',
      handle: async ({ api, query }) =>
        json(
          await (await api()).review(
            defined({
              method: text(query, 'method') as never,
              minSupport: int(query, 'minSupport'),
              limit: int(query, 'limit'),
            }),
          ),
        ),
    },
  ];
}
