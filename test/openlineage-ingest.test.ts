import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, isPipetraceError, type Pipetrace } from '../src/index.js';
import {
  exportEvents,
  INCOMPLETE_ERROR,
  ingestEvents,
  KEPT_FACETS_PARAM,
  MAX_PENDING_EVENTS,
  pendingRuns,
  type RunEvent,
} from '../src/openlineage/index.js';
import { exampleEvents } from './openlineage-schema.js';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/spark';
const RUN_A = '0191a6a0-0000-7000-8000-00000000000a';
const RUN_B = '0191a6a0-0000-7000-8000-00000000000b';

function fresh(): Pipetrace {
  return createPipetrace({ store: memoryStore(), now: () => T0 });
}

function facet(fields: Record<string, unknown>) {
  return { _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/Custom.json', ...fields };
}

function event(
  runId: string,
  eventType: string,
  at: number,
  extra: { inputs?: unknown[]; outputs?: unknown[]; runFacets?: Record<string, unknown>; job?: string } = {},
): Record<string, unknown> {
  return {
    eventType,
    eventTime: iso(at),
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId, ...(extra.runFacets === undefined ? {} : { facets: extra.runFacets }) },
    job: { namespace: 'spark', name: extra.job ?? 'etl.orders' },
    inputs: extra.inputs ?? [],
    outputs: extra.outputs ?? [],
  };
}

const ds = (namespace: string, name: string, facets?: Record<string, unknown>) => ({
  namespace,
  name,
  ...(facets ? { facets } : {}),
});

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

async function allRuns(pt: Pipetrace) {
  return (await pt.store.scanRuns({ order: 'asc', limit: 10_000 })).runs;
}

describe('OpenLineage ingest', () => {
  it('folds START, RUNNING and COMPLETE of one runId into one run', async () => {
    const pt = fresh();
    const result = await ingestEvents(pt, [
      event(RUN_A, 'START', T0, { inputs: [ds('s3://raw', 'orders.csv')] }),
      event(RUN_A, 'RUNNING', T0 + 500, { runFacets: { spark_progress: facet({ stage: 1 }) } }),
      event(RUN_A, 'COMPLETE', T0 + 1000, {
        outputs: [ds('postgres://db:5432', 'shop.public.orders')],
        runFacets: { spark_progress: facet({ stage: 2 }) },
      }),
    ]);
    expect(result).toMatchObject({ events: 3, pending: [], components: ['spark:etl.orders'] });
    const runs = await allRuns(pt);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: RUN_A,
      component: 'spark:etl.orders',
      startedAt: T0,
      endedAt: T0 + 1000,
      status: 'succeeded',
      inputs: ['s3://raw/orders.csv'],
      outputs: ['postgres://db:5432/shop.public.orders'],
    });
    // The later facet of the same name wins.
    expect(runs[0]!.params[KEPT_FACETS_PARAM]).toMatchObject({ run: { spark_progress: { stage: 2 } } });
  });

  it('applies events in time order, whatever order they arrive in', async () => {
    const pt = fresh();
    await ingestEvents(pt, [
      event(RUN_A, 'COMPLETE', T0 + 1000, { runFacets: { x_note: facet({ v: 'late' }) } }),
      event(RUN_A, 'START', T0, { runFacets: { x_note: facet({ v: 'early' }) } }),
    ]);
    const [run] = await allRuns(pt);
    expect([run!.startedAt, run!.endedAt, run!.status]).toEqual([T0, T0 + 1000, 'succeeded']);
    expect(run!.params[KEPT_FACETS_PARAM]).toMatchObject({ run: { x_note: { v: 'late' } } });
  });

  it('logs FAIL with the errorMessage facet and ABORT as failed runs', async () => {
    const pt = fresh();
    await ingestEvents(pt, [
      event(RUN_A, 'START', T0),
      event(RUN_A, 'FAIL', T0 + 10, {
        runFacets: {
          errorMessage: facet({ message: 'Table not found', programmingLanguage: 'JAVA', stackTrace: 'at Spark.run' }),
        },
      }),
      event(RUN_B, 'START', T0 + 20),
      event(RUN_B, 'ABORT', T0 + 30),
    ]);
    const [a, b] = await allRuns(pt);
    expect(a).toMatchObject({
      status: 'failed',
      error: { name: 'Error', message: 'Table not found', stack: 'at Spark.run' },
    });
    expect(b).toMatchObject({ status: 'failed', error: { name: 'Aborted' } });
  });

  it('keeps a run with only a START pending until its COMPLETE arrives in a later call', async () => {
    const pt = fresh();
    const first = await ingestEvents(pt, [event(RUN_A, 'START', T0, { inputs: [ds('file', '/in.csv')] })]);
    expect(first.pending).toEqual([RUN_A]);
    expect(await allRuns(pt)).toEqual([]);
    expect((await pendingRuns(pt)).map((p) => p.runId)).toEqual([RUN_A]);
    const second = await ingestEvents(pt, [event(RUN_A, 'COMPLETE', T0 + 50, { outputs: [ds('file', '/out.csv')] })]);
    expect(second.pending).toEqual([]);
    expect(await allRuns(pt)).toMatchObject([
      { id: RUN_A, startedAt: T0, endedAt: T0 + 50, inputs: ['/in.csv'], outputs: ['/out.csv'], status: 'succeeded' },
    ]);
    expect(await pendingRuns(pt)).toEqual([]);
    // Its pending state is deleted, not left behind as an empty blob.
    expect(await pt.store.listBlobs('')).toEqual([]);
  });

  it("logs a run without a terminal event as failed at once with pending: 'fail'", async () => {
    const pt = fresh();
    const result = await ingestEvents(pt, [event(RUN_A, 'START', T0), event(RUN_A, 'RUNNING', T0 + 5)], {
      pending: 'fail',
    });
    expect(result.pending).toEqual([]);
    expect(await allRuns(pt)).toMatchObject([
      { id: RUN_A, status: 'failed', endedAt: T0 + 5, error: INCOMPLETE_ERROR },
    ]);
  });

  it('folds an OTHER event after COMPLETE into the stored run, keeping its facets', async () => {
    const pt = fresh();
    await ingestEvents(pt, [
      event(RUN_A, 'START', T0),
      event(RUN_A, 'COMPLETE', T0 + 10, { runFacets: { a_x: facet({ v: 1 }) } }),
    ]);
    await ingestEvents(pt, [event(RUN_A, 'OTHER', T0 + 20, { runFacets: { b_y: facet({ v: 2 }) } })]);
    const runs = await allRuns(pt);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', startedAt: T0, endedAt: T0 + 10 });
    expect(runs[0]!.params[KEPT_FACETS_PARAM]).toMatchObject({ run: { a_x: { v: 1 }, b_y: { v: 2 } } });
  });

  it('infers dependencies between ingested runs from their datasets, never from the events', async () => {
    const pt = fresh();
    await ingestEvents(pt, [
      // Given out of order on purpose: the reader first.
      event(RUN_B, 'START', T0 + 100, { inputs: [ds('file', '/mid.csv')], job: 'train' }),
      event(RUN_B, 'COMPLETE', T0 + 200, { job: 'train' }),
      event(RUN_A, 'START', T0, { outputs: [ds('file', '/mid.csv')] }),
      event(RUN_A, 'COMPLETE', T0 + 50),
    ]);
    const byId = new Map((await allRuns(pt)).map((r) => [r.id, r]));
    expect(byId.get(RUN_B)!.dependencies).toEqual([RUN_A]);
    expect(byId.get(RUN_A)!.dependencies).toEqual([]);
  });

  it('keeps parent and unknown facets, of runs, jobs and datasets, and exports them again', async () => {
    const pt = fresh();
    const parent = {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
      run: { runId: RUN_B },
      job: { namespace: 'airflow', name: 'nightly' },
    };
    const schema = facet({ fields: [{ name: 'id', type: 'BIGINT' }] });
    await ingestEvents(pt, [
      event(RUN_A, 'START', T0, { runFacets: { parent }, inputs: [ds('s3://raw', 'o.csv', { schema })] }),
      event(RUN_A, 'COMPLETE', T0 + 1, { runFacets: { spark_version: facet({ version: '3.5.1' }) } }),
    ]);
    const [run] = await allRuns(pt);
    expect(run!.params[KEPT_FACETS_PARAM]).toMatchObject({
      run: { parent, spark_version: { version: '3.5.1' } },
      inputs: { 's3://raw/o.csv': { facets: { schema } } },
    });
    const [, complete] = await collect(exportEvents(pt));
    expect(complete!.run.facets!.parent).toEqual(parent);
    expect(complete!.run.facets!.spark_version).toMatchObject({ version: '3.5.1' });
    expect(complete!.inputs![0]!.facets!.schema).toEqual(schema);
  });

  it('keeps facets too large for run params in a blob, and exports them again', async () => {
    const pt = fresh();
    const plan = facet({ plan: 'x'.repeat(300_000) });
    await ingestEvents(pt, [
      event(RUN_A, 'START', T0),
      event(RUN_A, 'COMPLETE', T0 + 1, { runFacets: { spark_logicalPlan: plan } }),
    ]);
    const [run] = await allRuns(pt);
    expect(run!.params[KEPT_FACETS_PARAM]).toEqual({ blob: expect.stringMatching(/^openlineage\/facets\//) });
    const [, complete] = await collect(exportEvents(pt));
    expect(complete!.run.facets!.spark_logicalPlan).toEqual(plan);
  });

  it('turns job facets into the component description, owner and tags', async () => {
    const pt = fresh();
    const e = event(RUN_A, 'COMPLETE', T0);
    (e.job as Record<string, unknown>).facets = {
      documentation: facet({ description: 'loads orders' }),
      ownership: facet({ owners: [{ name: 'team:data' }] }),
      tags: facet({
        tags: [
          { key: 'pii', value: 'true' },
          { key: 'env', value: 'prod' },
        ],
      }),
    };
    await ingestEvents(pt, [e]);
    const [component] = await pt.store.getComponents(['spark:etl.orders']);
    expect(component).toMatchObject({ description: 'loads orders', owner: 'team:data', tags: ['pii', 'env:prod'] });
  });

  it('uses the configured job and dataset namespaces to give plain names', async () => {
    const pt = fresh();
    await ingestEvents(pt, [event(RUN_A, 'COMPLETE', T0, { inputs: [ds('warehouse', 'orders')] })], {
      jobNamespace: 'spark',
      datasetNamespace: 'warehouse',
    });
    expect(await allRuns(pt)).toMatchObject([{ component: 'etl.orders', inputs: ['orders'] }]);
  });

  it('ingests every example event shipped with the spec', async () => {
    const pt = fresh();
    const examples = exampleEvents();
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const result = await ingestEvents(
      pt,
      examples.map((e) => e.event),
    );
    expect(result.events).toBe(examples.length);
    expect(result.datasets).toBe(1);
    const runs = await allRuns(pt);
    expect(runs).toMatchObject([
      {
        id: 'ea041791-68bc-4ae1-bd89-4c8106a157e4',
        component: 'my-scheduler-namespace:myjob.mytask',
        status: 'succeeded',
        inputs: ['my-datasource-namespace:instance.schema.table'],
        outputs: ['my-datasource-namespace:instance.schema.table'],
      },
    ]);
    expect(runs[0]!.params[KEPT_FACETS_PARAM]).toMatchObject({
      run: { parent: { run: { runId: '3f5e83fa-3480-44ff-99c5-ff943904e5e8' } }, nominalTime: {}, tags: {} },
      outputs: {
        'my-datasource-namespace:instance.schema.table': { outputFacets: { outputStatistics: { rowCount: 2000 } } },
      },
    });
    // The serde run example is a lone START: pending. Its time has no zone: read as UTC.
    expect(result.pending).toEqual(['69f4acab-b87d-4fc0-b27b-8ea950370ff3']);
    const [pending] = await pendingRuns(pt);
    expect(pending!.events[0]!.eventTime).toBe('2021-11-03T10:53:52.427343');
    expect(
      (await pt.store.getComponents(['openlineage:name', 'my-scheduler-namespace:myjob.mytask'])).map(
        (c) => c?.description,
      ),
    ).toEqual(['', 'string']);
  });

  it('accepts a single event object as well as an array', async () => {
    const pt = fresh();
    const result = await ingestEvents(pt, event(RUN_A, 'COMPLETE', T0));
    expect(result.runs.map((r) => r.id)).toEqual([RUN_A]);
  });
});

describe('OpenLineage ingest of bad input', () => {
  const bad: [string, (e: Record<string, unknown>) => void, string][] = [
    ['a runId that is not a UUID', (e) => ((e.run as Record<string, unknown>).runId = 'run-1'), 'events[1].run.runId'],
    ['an unknown eventType', (e) => (e.eventType = 'DONE'), 'events[1].eventType'],
    ['a missing eventTime', (e) => delete e.eventTime, 'events[1].eventTime'],
    ['an eventTime that is no date', (e) => (e.eventTime = '2026-02-30T00:00:00Z'), 'events[1].eventTime'],
    ['a missing producer', (e) => delete e.producer, 'events[1].producer'],
    ['a job without a name', (e) => delete (e.job as Record<string, unknown>).name, 'events[1].job.name'],
    ['inputs that are not an array', (e) => (e.inputs = {}), 'events[1].inputs'],
    ['a dataset without a namespace', (e) => (e.outputs = [{ name: 'x' }]), 'events[1].outputs[0].namespace'],
    [
      'a facet without _producer',
      (e) => ((e.run as Record<string, unknown>).facets = { x: { _schemaURL: 'https://x' } }),
      'events[1].run.facets.x._producer',
    ],
    [
      'a __proto__ key inside a facet',
      (e) =>
        ((e.run as Record<string, unknown>).facets = JSON.parse(
          '{"x":{"_producer":"https://p","_schemaURL":"https://s","a":{"__proto__":{"polluted":1}}}}',
        )),
      'events[1].run.facets.x.a.__proto__',
    ],
    [
      'a NUL in a dataset name',
      (e) => (e.inputs = [{ namespace: 'file', name: 'a\u0000b' }]),
      'events[1].inputs[0].name',
    ],
    [
      'a job name too long for a component',
      (e) => ((e.job as Record<string, unknown>).name = 'j'.repeat(300)),
      'events[1]',
    ],
    [
      'an event with neither run, job nor dataset',
      (e) => {
        delete e.run;
        delete e.job;
      },
      'events[1]: is neither',
    ],
  ];

  it.each(bad)(
    'rejects %s with invalid_input naming the field, and applies nothing of the batch',
    async (_, spoil, field) => {
      const pt = fresh();
      const good = event(RUN_A, 'COMPLETE', T0, { outputs: [ds('file', '/ok.csv')] });
      const broken = event(RUN_B, 'COMPLETE', T0 + 10);
      spoil(broken);
      const error = await ingestEvents(pt, [good, broken]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPipetraceError(error, 'invalid_input')).toBe(true);
      expect((error as Error).message).toContain(field);
      expect(await allRuns(pt)).toEqual([]);
      expect(await pt.store.scanComponents()).toEqual([]);
      expect(await pt.store.listBlobs('')).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('rejects a batch where a pipetrace run facet carries bad params, naming the event', async () => {
    const pt = fresh();
    const e = event(RUN_A, 'COMPLETE', T0, {
      runFacets: {
        pipetrace_run: {
          _producer: 'https://github.com/pipetrace/pipetrace/tree/0.1.0',
          _schemaURL: 'https://s',
          id: RUN_A,
          params: { k: 'v'.repeat(300_000) },
        },
      },
    });
    await expect(ingestEvents(pt, [e])).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('events[0]'),
    });
    expect(await allRuns(pt)).toEqual([]);
  });

  it('refuses to keep more than MAX_PENDING_EVENTS events for a run that never ends', async () => {
    const pt = fresh();
    const many = Array.from({ length: MAX_PENDING_EVENTS + 1 }, (_, i) => event(RUN_A, 'RUNNING', T0 + i));
    await expect(ingestEvents(pt, many)).rejects.toMatchObject({ code: 'too_large' });
    expect(await pt.store.listBlobs('')).toEqual([]);
  });

  it('rejects something that is neither an event nor an array of events', async () => {
    await expect(ingestEvents(fresh(), 'hello')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      ingestEvents(fresh(), [{ eventTime: iso(T0), producer: 'https://p', schemaURL: 'https://s' }]),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('neither a RunEvent'),
    });
  });
});

describe('OpenLineage round trip', () => {
  it('export then import gives the same runs, dependencies, components and traces', async () => {
    const source = createPipetrace({ store: memoryStore(), now: () => T0 });
    await source.component('load', { description: 'loads raw data', owner: 'ana', tags: ['etl'] });
    await source.logRuns([
      {
        component: 'load',
        startedAt: T0,
        endedAt: T0 + 10,
        inputs: ['s3://raw/events.csv'],
        outputs: ['/data/raw.parquet'],
      },
      {
        id: 'clean-1',
        component: 'clean',
        startedAt: T0 + 20,
        endedAt: T0 + 30,
        inputs: ['/data/raw.parquet', 'file:///etc/lookup.csv', '/etc/lookup.csv'],
        outputs: ['features'],
        params: { threshold: 0.5, nested: { a: [1, 'two', null] } },
        metrics: { kept: 997, dropped: 3 },
        notes: [{ at: T0 + 25, text: 'dropped 3 rows' }],
        code: { commit: 'abc123', branch: 'main', dirty: true, tags: ['v1'] },
        snapshot: 'const clean = (rows) => rows;',
      },
      {
        component: 'train',
        startedAt: T0 + 40,
        endedAt: T0 + 90,
        inputs: ['features', 'postgresql://db:5432/shop.orders'],
        outputs: ['models/m.onnx'],
      },
      {
        component: 'airflow:predict',
        startedAt: T0 + 100,
        endedAt: T0 + 110,
        inputs: ['models/m.onnx'],
        outputs: ['pred:42'],
        error: { name: 'TypeError', message: 'bad input', stack: 'TypeError: bad input\n  at predict' },
      },
    ]);
    const events = await collect(exportEvents(source));
    const target = createPipetrace({ store: memoryStore(), now: () => T0 });
    // Through JSON, as a file or the network would carry them.
    await ingestEvents(target, JSON.parse(JSON.stringify(events)));

    expect(await allRuns(target)).toEqual(await allRuns(source));
    const strip = (cs: { name: string; description: string; owner: string; tags: string[] }[]) =>
      cs.map(({ name, description, owner, tags }) => ({ name, description, owner, tags }));
    expect(strip(await target.store.scanComponents())).toEqual(strip(await source.store.scanComponents()));
    for (const pointer of ['pred:42', 'models/m.onnx', 'features']) {
      expect(await target.trace(pointer)).toEqual(await source.trace(pointer));
    }
  });

  it('ingesting the same events twice changes nothing', async () => {
    const pt = fresh();
    const batch = [event(RUN_A, 'START', T0, { outputs: [ds('file', '/a')] }), event(RUN_A, 'COMPLETE', T0 + 5)];
    await ingestEvents(pt, batch);
    const once = await allRuns(pt);
    await ingestEvents(pt, batch);
    expect(await allRuns(pt)).toEqual(once);
  });
});
