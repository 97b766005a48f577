/**
 * The query table (src/queries.ts) is the one list of read queries. Every surface derived from
 * it must offer every query with the facade's answer: the analyst in-thread, the worker API, the
 * server's routes through the dashboard's HTTP client, and the dashboard's in-page client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_PATHS } from '../adapters/http/protocol.js';
import { queryRoutes } from '../adapters/http/query-routes.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { DASHBOARD_METHODS, httpApi, lazyStoreApi } from '../dashboard/api.js';
import { createAnalyst } from '../src/analyst/index.js';
import { createWorkerApi, unpack } from '../src/analyst/worker-api.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace, type Pipetrace } from '../src/index.js';
import { QUERIES, QUERY_NAMES, type QueryArgs, type QueryName } from '../src/queries.js';
import { buildPipeline, type Pipeline, T0 } from './analyst-data.js';

const DAY = 86_400_000;

/** Arguments for each query; a query added to the table without one here fails to compile. */
const SAMPLE: { [K in QueryName]: (p: Pipeline) => QueryArgs<K> } = {
  trace: (p) => [p.last, { depth: 3 }],
  staleness: (p) => [{ run: p.middleRun }, { now: T0 + 40 * DAY, maxAgeDays: 7 }],
  latestRuns: () => [{ now: T0 + 40 * DAY, maxAgeDays: 7, limit: 3 }],
  review: () => [{ method: 'tarantula', limit: 5 }],
  reviewRows: (p) => [{ pointers: [p.flaggedRowPointer], limit: 5 }],
  history: () => ['clean', { limit: 3, since: T0 }],
  recent: () => [4],
  inspect: (p) => [p.middleRun],
  flagged: () => [],
  components: () => [{ owner: undefined }],
  tags: () => [],
  pointer: (p) => [p.last],
  traceRow: (p) => [p.flaggedRowPointer, 'p0-1', { maxRows: 10 }],
  impact: (p) => [p.flaggedRowPointer, 'p0-1'],
  drift: () => ['clean/5', { reference: { pointer: 'clean/0' }, thresholds: { fare: 0.2 }, columns: ['fare', 'city'] }],
  monitor: () => [{ components: ['clean', 'ingest'], numeric: 'psi' }],
  profile: () => [{ run: 'clean-3' }, 'clean/3'],
  tasks: () => [],
  taskMetrics: () => ['fare', { metric: 'mae', window: '1d', since: T0, by: 'output', positive: 1 }],
  checks: () => [{ component: 'validate', outcome: 'fail', since: T0 }],
  labelled: () => ['pii', { maxRows: 5 }],
  retractions: () => [{ all: true }],
  retraction: () => ['customer:1'],
  flaggedRowCounts: () => [],
};

const call = (target: object, name: QueryName, args: unknown[]) =>
  (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]?.(...args);

describe('the query table', () => {
  let pipeline: Pipeline;
  let pt: Pipetrace;
  let server: PipetraceServer;
  beforeAll(async () => {
    pipeline = await buildPipeline({ days: 6 });
    pt = createPipetrace({ store: pipeline.store });
    // Profiles of the cleaned data, for drift, monitor and profile.
    for (let d = 0; d < 6; d++) {
      await pt.recordProfile(`clean-${d}`, `clean/${d}`, {
        fare: Float64Array.from({ length: 200 }, (_, i) => i + d * 10),
        city: Array.from({ length: 200 }, (_, i) => (i % (d + 2) === 0 ? null : `c${i % 3}`)),
      });
    }
    // A task with late feedback, for tasks and taskMetrics.
    const fare = pt.task('fare');
    await fare.logOutputs(['r1', 'r2', 'r3'], [10, 12, 8], { at: T0 + 1000 });
    await fare.logFeedback(['r1', 'r2', 'r9'], [11, 15, 1], { at: T0 + DAY + 1000 });
    // Check results, for checks.
    for (let d = 0; d < 3; d++) {
      await pt.logRun({
        component: 'validate',
        startedAt: T0 + d * DAY,
        endedAt: T0 + d * DAY + 5,
        checks: [
          { name: 'no null fares', phase: 'before', outcome: d === 1 ? 'fail' : 'pass', durationMs: 1 },
          { name: 'rows > 0', phase: 'after', outcome: 'fail', message: `day ${d}` },
        ],
      });
    }
    // A label that reaches the week's models and predictions, and a retracted one that reaches nothing.
    await pt.label('features/0', 'pii');
    await pt.label(pipeline.flaggedRowPointer, 'customer:1', { rows: ['p0-1'] });
    await pt.retract('customer:1', { reason: 'deletion request' });
    server = createServer({ store: pipeline.store });
    await server.listen(0, '127.0.0.1');
  });
  afterAll(() => server.close());

  it('has sample arguments for exactly the queries it lists', () => {
    expect(Object.keys(SAMPLE).sort()).toEqual([...QUERY_NAMES].sort());
    expect(Object.keys(QUERIES).sort()).toEqual([...QUERY_NAMES].sort());
  });

  it('declares every query as a Pipetrace method, with a GET route and a path beside STORE_PATHS', () => {
    const routes = queryRoutes().map((r) => `${r.method} ${r.path}`);
    for (const name of QUERY_NAMES) {
      expect(typeof (pt as unknown as Record<string, unknown>)[name], name).toBe('function');
      expect(QUERY_PATHS[name], name).toBe(`/api/v1${QUERIES[name].path}`);
      expect(routes, name).toContain(`GET ${QUERY_PATHS[name]}`);
      expect(DASHBOARD_METHODS, name).toContain(name);
    }
  });

  /** The facade's answer, and the same from the analyst, the worker API, HTTP and the in-page client. */
  async function answersAlike(name: QueryName, args: unknown[]) {
    const expected = await call(pt, name, args);
    expect(expected).toBeDefined();

    const analyst = createAnalyst({ store: pipeline.store, worker: 'never' });
    expect(await call(analyst, name, args), 'analyst').toEqual(expected);
    await analyst.close();

    const worker = createWorkerApi({ openStore: async () => pipeline.store, exit: () => {} });
    await worker.open({ kind: 'snapshot' } as never);
    const wire = await worker.call(1, name, args);
    if (!wire.ok) throw new Error(`worker: ${wire.error.message}`);
    expect(unpack(wire), 'worker').toEqual(expected);

    expect(await call(httpApi({ url: server.url }), name, args), 'http').toEqual(expected);
    expect(await call(lazyStoreApi(pipeline.store), name, args), 'in-page').toEqual(expected);
    return expected;
  }

  for (const name of QUERY_NAMES) {
    it(`answers ${name} alike through the facade, the analyst, the worker API, HTTP and the in-page client`, async () => {
      await answersAlike(name, SAMPLE[name](pipeline) as unknown[]);
    });
  }

  it('answers trace in heads form (headsAbove) alike through every surface', async () => {
    const heads = await answersAlike('trace', [pipeline.last, { depth: 3, headsAbove: 1 }]);
    expect((heads as { heads?: boolean }).heads).toBe(true);
  });

  it('refuses a misspelt option on the facade, the analyst and the route alike, naming it', async () => {
    const facade = await pt.trace(pipeline.last, { deph: 2 } as never).catch((e: unknown) => e);
    expect(isPipetraceError(facade, 'invalid_input') && facade.field).toBe('options.deph');
    const analyst = createAnalyst({ store: pipeline.store, worker: 'never' });
    const viaAnalyst = await analyst.review({ metod: 'ochiai' } as never).catch((e: unknown) => e);
    expect(isPipetraceError(viaAnalyst, 'invalid_input') && viaAnalyst.field).toBe('options.metod');
    const res = await fetch(`${server.url}${QUERY_PATHS.trace}?pointer=${encodeURIComponent(pipeline.last)}&deph=2`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('deph');
  });

  it('checks arguments before starting a worker, so bad input never costs a worker start', async () => {
    let started = 0;
    const analyst = createAnalyst({
      store: pipeline.store,
      worker: 'always',
      workerFactory: () => {
        started++;
        throw new Error('no worker in this test');
      },
    });
    const error = await analyst.traceRow(pipeline.flaggedRowPointer, { not: 'a key' } as never).catch((e) => e);
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    expect(started).toBe(0);
  });

  it('carries bigint row keys through HTTP as bigints', async () => {
    const big = 12345678901234567890n;
    const store = memoryStore();
    const bigPt = createPipetrace({ store });
    await bigPt
      .startRun('load', { startedAt: T0, inputs: 'raw/big' })
      .addOutputs('big.csv')
      .rows({ output: 'big.csv', input: 'raw/big', kind: 'keep', keys: [big] }, { keepKeys: true })
      .end();
    const bigServer = createServer({ store });
    const { url } = await bigServer.listen(0, '127.0.0.1');
    try {
      const trace = await httpApi({ url }).traceRow('big.csv', big);
      expect(trace.key).toBe(big);
      expect(trace.origins[0]?.rows[0]?.key).toBe(big);
    } finally {
      await bigServer.close();
    }
  });
});
