import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';

const TOKEN = 'query-test-token-1';
const DAY = 86_400_000;
let server: PipetraceServer;
let url: string;
let local: Pipetrace;
let runs: Run[];

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const get = async (path: string) => {
  const res = await fetch(`${url}/api/v1${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { field?: string } } };
};
const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = auth) => {
  const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { field?: string } } };
};
/** What the same call returns in-process, as it looks after a JSON round trip. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

beforeAll(async () => {
  const store = memoryStore();
  server = createServer({ store, token: TOKEN, env: {} });
  url = (await server.listen(0, '127.0.0.1')).url;
  // The server's own API answers; this second one over the same store checks the answers.
  local = createPipetrace({ store, now: () => 40 * DAY });
  const t0 = 10 * DAY;
  const logged = await send('POST', '/runs', {
    runs: [
      { component: 'clean', startedAt: t0, endedAt: t0 + 10, inputs: ['raw.csv'], outputs: ['clean.csv'] },
      { component: 'train', startedAt: t0 + 20, endedAt: t0 + 30, inputs: ['clean.csv'], outputs: ['model.pkl'] },
      {
        component: 'infer',
        startedAt: t0 + 40,
        endedAt: t0 + 50,
        inputs: ['model.pkl'],
        outputs: ['pred/1', 'pred/2'],
      },
      { component: 'infer', startedAt: t0 + 60, endedAt: t0 + 70, inputs: ['model.pkl'], outputs: ['pred/3'] },
    ],
  });
  expect(logged.status).toBe(201);
  runs = logged.body.runs as Run[];
});

afterAll(async () => {
  await server.close();
});

describe('http query routes', () => {
  it('logs a batch with POST /runs and infers the dependencies', async () => {
    expect(runs.map((r) => r.component)).toEqual(['clean', 'train', 'infer', 'infer']);
    expect(runs[1]?.dependencies).toEqual([runs[0]?.id]);
    expect(runs[2]?.dependencies).toEqual([runs[1]?.id]);
  });

  it('inspects a run by id and answers 404 for an unknown one', async () => {
    const id = runs[1]?.id as string;
    expect((await get(`/runs/${encodeURIComponent(id)}`)).body).toEqual(plain(await local.inspect(id)));
    const missing = await get('/runs/no-such-run');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found' });
  });

  it('traces a pointer through every upstream run, as the API does', async () => {
    const answer = await get(`/trace?pointer=${encodeURIComponent('pred/1')}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(plain(await local.trace({ pointer: 'pred/1' })));
    expect((answer.body.nodes as { run: Run }[]).map((n) => n.run.component)).toEqual(['infer', 'train', 'clean']);
    const shallow = await get(`/trace?run=${encodeURIComponent(runs[2]?.id as string)}&depth=1`);
    expect((shallow.body.nodes as unknown[]).length).toBe(2);
  });

  it('lists recent runs and a component history with a cursor', async () => {
    expect((await get('/recent?limit=2')).body.runs).toEqual(plain(await local.recent(2)));
    const first = await get('/components/infer/history?limit=1');
    expect((first.body.runs as Run[]).map((r) => r.id)).toEqual([runs[3]?.id]);
    const next = await get(
      `/components/infer/history?limit=1&cursor=${encodeURIComponent(first.body.cursor as string)}`,
    );
    expect((next.body.runs as Run[]).map((r) => r.id)).toEqual([runs[2]?.id]);
  });

  it('creates and tags components and lists them and their tags', async () => {
    const made = await send('PUT', '/components/train', { owner: 'ana', tags: ['ml'] });
    expect(made.body).toMatchObject({ name: 'train', owner: 'ana', tags: ['ml'] });
    await send('POST', '/components/train/tags', { tags: 'gpu' });
    expect((await get('/components?tag=gpu')).body.components).toEqual(plain(await local.components({ tag: 'gpu' })));
    expect((await get('/tags')).body.tags).toEqual(plain(await local.tags()));
  });

  it('flags outputs, lists them, reviews the culprits and clears the flags', async () => {
    expect((await send('POST', '/flag', { pointer: 'pred/1' })).body).toMatchObject({ name: 'pred/1', flagged: true });
    expect((await get(`/pointer?name=${encodeURIComponent('pred/1')}`)).body).toMatchObject({ flagged: true });
    expect((await get('/flagged')).body.pointers).toEqual(plain(await local.flagged()));
    const review = await get('/review?method=tarantula&limit=5');
    expect(review.body).toEqual(plain(await local.review({ method: 'tarantula', limit: 5 })));
    expect((await send('POST', '/unflag', { all: true })).body).toEqual({ cleared: 1 });
    expect((await get('/flagged')).body.pointers).toEqual([]);
  });

  it('answers staleness as of a given time with its reasons', async () => {
    const stale = await get(`/staleness?pointer=${encodeURIComponent('pred/1')}&now=${40 * DAY}&maxAgeDays=7`);
    expect(stale.body).toEqual(plain(await local.staleness({ pointer: 'pred/1' }, { now: 40 * DAY, maxAgeDays: 7 })));
    expect(stale.body.stale).toBe(true);
  });

  it('adds a note to a run', async () => {
    const id = runs[0]?.id as string;
    const noted = await send('POST', `/runs/${encodeURIComponent(id)}/notes`, { text: 'checked by hand' });
    expect((noted.body.notes as { text: string }[]).map((n) => n.text)).toEqual(['checked by hand']);
  });

  it('answers bad queries with 400 naming the parameter, and writes without a token with 401', async () => {
    expect((await get('/trace')).body.error?.field).toBe('target');
    expect((await get('/trace?pointer=a&run=b')).body.error?.field).toBe('target');
    expect((await get('/recent?limit=ten')).body.error?.field).toBe('limit');
    expect((await get('/review?method=guess')).body.error?.field).toBe('method');
    expect((await get('/pointer')).body.error?.field).toBe('pointer');
    expect((await send('POST', '/flag', { pointer: 'never-written' })).status).toBe(404);
    const anonymous = await send('POST', '/flag', { pointer: 'pred/2' }, { 'content-type': 'application/json' });
    expect(anonymous.status).toBe(401);
    expect((await local.pointer('pred/2')).flagged).toBe(false);
  });
});
