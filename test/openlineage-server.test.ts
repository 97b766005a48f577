import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLineageRoutes } from '../adapters/http/openlineage-routes.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { httpTransport, type MarquezNode, runToEvents } from '../src/openlineage/index.js';
import type { Store } from '../src/store.js';
import { eventWithNullStackTrace } from './openlineage-schema.js';

const T0 = Date.UTC(2026, 0, 1);
const TOKEN = 'test-token-123';
const RUN_A = '0191a6a0-0000-7000-8000-00000000000a';

function event(runId: string, eventType: string, at: number, extra: Record<string, unknown> = {}) {
  return {
    eventType,
    eventTime: new Date(at).toISOString(),
    producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.30.0/client/python',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId },
    job: { namespace: 'pipetrace', name: 'ingested' },
    ...extra,
  };
}

let server: PipetraceServer;
let store: Store;
let url: string;

async function post(body: unknown, token = TOKEN) {
  const response = await fetch(`${url}/api/v1/lineage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function graph(nodeId: string, depth?: number) {
  const q = new URLSearchParams({ nodeId, ...(depth === undefined ? {} : { depth: String(depth) }) });
  const response = await fetch(`${url}/api/v1/lineage?${q}`);
  return {
    status: response.status,
    body: (await response.json()) as { graph: MarquezNode[] } & Record<string, unknown>,
  };
}

beforeAll(async () => {
  store = memoryStore();
  const pt = createPipetrace({ store });
  // load -> clean -> train, and an unrelated job.
  await pt.component('clean', { description: 'drops bad rows' });
  await pt.logRuns([
    {
      component: 'load',
      startedAt: T0,
      endedAt: T0 + 1,
      inputs: ['s3://raw/events.csv'],
      outputs: ['/data/raw.parquet'],
    },
    { component: 'clean', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['/data/raw.parquet'], outputs: ['features'] },
    {
      component: 'train',
      startedAt: T0 + 4,
      endedAt: T0 + 5,
      inputs: ['features'],
      outputs: ['postgres://db:5432/ml.models'],
    },
    { component: 'other', startedAt: T0 + 6, endedAt: T0 + 7, inputs: ['/elsewhere.csv'], outputs: ['/elsewhere.out'] },
  ]);
  server = createServer({ store, token: TOKEN, routes: openLineageRoutes() });
  ({ url } = await server.listen(0, '127.0.0.1'));
});

afterAll(async () => {
  await server.close();
  await store.close();
});

describe('POST /api/v1/lineage', () => {
  it('answers 201 for one event and 200 for a batch, and stores the folded run', async () => {
    expect(
      await post(event(RUN_A, 'START', T0 + 100, { inputs: [{ namespace: 'pipetrace', name: 'features' }] })),
    ).toMatchObject({
      status: 201,
      body: { events: 1, runs: [], pending: [RUN_A] },
    });
    expect(await post([event(RUN_A, 'COMPLETE', T0 + 200)])).toMatchObject({
      status: 200,
      body: { runs: [RUN_A], pending: [] },
    });
    const [run] = await store.getRuns([RUN_A]);
    expect(run).toMatchObject({ component: 'ingested', inputs: ['features'], startedAt: T0 + 100, endedAt: T0 + 200 });
    expect(run!.dependencies).toHaveLength(1);
  });

  it('answers 400 naming the bad field, and stores nothing', async () => {
    const bad = event('not-a-uuid', 'COMPLETE', T0);
    const response = await post([event('0191a6a0-0000-7000-8000-0000000000ff', 'COMPLETE', T0), bad]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid_input', field: 'events[1].run.runId' } });
    expect(await store.getRuns(['0191a6a0-0000-7000-8000-0000000000ff'])).toEqual([undefined]);
  });

  it('needs the write token', async () => {
    expect((await post(event(RUN_A, 'OTHER', T0), '')).status).toBe(401);
  });

  it('accepts events from the HTTP transport as a Marquez client sends them', async () => {
    const run = {
      id: 'from-transport',
      component: 'remote',
      startedAt: T0 + 300,
      endedAt: T0 + 301,
      status: 'succeeded' as const,
      inputs: ['/data/raw.parquet'],
      outputs: ['/remote.out'],
      dependencies: [],
      notes: [],
      params: { a: 1 },
      metrics: {},
    };
    await httpTransport({ url, apiKey: TOKEN }).emit(runToEvents(run));
    const [stored] = await store.getRuns(['from-transport']);
    expect(stored).toMatchObject({ component: 'remote', params: { a: 1 }, outputs: ['/remote.out'] });
  });
});

describe('GET /api/v1/lineage', () => {
  it('returns the Marquez graph around a dataset, with jobs, datasets and edges', async () => {
    const { status, body } = await graph('dataset:pipetrace:features', 1);
    expect(status).toBe(200);
    const ids = body.graph.map((n) => n.id).sort();
    expect(ids).toContain('job:pipetrace:clean');
    expect(ids).toContain('job:pipetrace:train');
    expect(ids).toContain('dataset:pipetrace:features');
    expect(ids).not.toContain('job:pipetrace:other');
    const features = body.graph.find((n) => n.id === 'dataset:pipetrace:features')!;
    expect(features.type).toBe('DATASET');
    expect(features.inEdges).toContainEqual({
      origin: 'job:pipetrace:clean',
      destination: 'dataset:pipetrace:features',
    });
    expect(features.outEdges).toContainEqual({
      origin: 'dataset:pipetrace:features',
      destination: 'job:pipetrace:train',
    });
    const clean = body.graph.find((n) => n.id === 'job:pipetrace:clean')!;
    expect(clean.type).toBe('JOB');
    expect(clean.data).toMatchObject({
      id: { namespace: 'pipetrace', name: 'clean' },
      description: 'drops bad rows',
      inputs: [{ namespace: 'file', name: '/data/raw.parquet' }],
      outputs: [{ namespace: 'pipetrace', name: 'features' }],
      latestRun: { state: 'COMPLETED' },
    });
  });

  it('follows lineage further with a larger depth, and resolves namespaces that hold colons', async () => {
    const near = await graph('job:pipetrace:train', 0);
    expect(near.body.graph.filter((n) => n.type === 'JOB').map((n) => n.id)).toEqual(['job:pipetrace:train']);
    const far = await graph('dataset:postgres://db:5432:ml.models', 5);
    const jobs = far.body.graph.filter((n) => n.type === 'JOB').map((n) => n.id);
    expect(jobs).toEqual(expect.arrayContaining(['job:pipetrace:train', 'job:pipetrace:clean', 'job:pipetrace:load']));
    expect(jobs).not.toContain('job:pipetrace:other');
  });

  it('answers 404 for an unknown node and 400 for a malformed one', async () => {
    expect((await graph('dataset:pipetrace:nothing')).status).toBe(404);
    expect((await graph('table:x')).status).toBe(400);
    expect((await graph('job:pipetrace:train', -1)).status).toBe(400);
  });
});

describe('OpenLineage ingest over HTTP: strict, or lenient when asked', () => {
  const withBadFacet = (runId: string) => eventWithNullStackTrace(runId, new Date(T0 + 50).toISOString());

  it('answers 400 with the path of the first schema error, and stores nothing', async () => {
    const runId = '0191a6a0-0000-7000-8000-0000000000c1';
    const answer = await post([withBadFacet(runId)]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ field: 'events[0].run.facets.errorMessage.stackTrace' });
    expect(await store.getRuns([runId])).toEqual([undefined]);
  });

  it('drops the invalid facet and says so with ?validation=lenient', async () => {
    const runId = '0191a6a0-0000-7000-8000-0000000000c2';
    const response = await fetch(`${url}/api/v1/lineage?validation=lenient`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify([withBadFacet(runId)]),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { runs: string[]; dropped: { field: string }[] };
    expect(body.runs).toEqual([runId]);
    expect(body.dropped.map((d) => d.field)).toEqual(['events[0].run.facets.errorMessage']);
  });
});
