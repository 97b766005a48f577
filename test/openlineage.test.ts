import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { foldedToRunInput, foldRun } from '../src/openlineage/fold.js';
import {
  componentToJob,
  datasetToPointer,
  exportEvents,
  jobToComponent,
  PIPETRACE_FACET_SCHEMAS,
  pointerToDataset,
  RUN_EVENT_SCHEMA_URL,
  type RunEvent,
  runIdToUuid,
  runToEvents,
} from '../src/openlineage/index.js';
import { writeRowLineage } from '../src/rows/capture.js';
import { schemaErrors } from './openlineage-schema.js';

const T0 = Date.UTC(2026, 0, 1);

async function pipeline() {
  const pt = createPipetrace({ store: memoryStore(), now: () => T0 });
  await pt.component('cleaning', { description: 'drops bad rows', owner: 'ana', tags: ['etl', 'daily'] });
  const clean = await pt.logRun({
    component: 'cleaning',
    startedAt: T0,
    endedAt: T0 + 1000,
    inputs: ['s3://raw-bucket/2026/01/events.csv'],
    outputs: ['/data/clean.parquet'],
    code: { commit: '9fceb02d0ae598e95dc970b74767f19372d61af8', branch: 'main', dirty: false, tags: ['v1.2'] },
    params: { threshold: 0.5, cols: ['a', 'b'] },
    metrics: { rows: 997 },
    notes: ['dropped 3 rows'],
    snapshot: 'function clean(rows) { return rows.filter(Boolean); }',
  });
  const train = await pt.logRun({
    id: 'train-2026-01-01',
    component: 'train',
    startedAt: T0 + 2000,
    endedAt: T0 + 5000,
    inputs: ['/data/clean.parquet', 'postgres://db.internal:5432/shop.public.orders'],
    outputs: ['models/churn.onnx'],
    error: {
      name: 'RangeError',
      message: 'learning rate too high',
      stack: 'RangeError: learning rate too high\n    at train',
    },
  });
  return { pt, clean, train };
}

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('OpenLineage naming', () => {
  const cases: [string, string, string][] = [
    ['/data/raw.csv', 'file', '/data/raw.csv'],
    ['data/raw.csv', 'file', 'data/raw.csv'],
    ['model.pkl', 'file', 'model.pkl'],
    ['C:\\data\\raw.csv', 'file', 'C:\\data\\raw.csv'],
    ['s3://bucket/key/part-0.parquet', 's3://bucket', 'key/part-0.parquet'],
    ['gs://bucket/a.json', 'gs://bucket', 'a.json'],
    ['postgres://db:5432/shop.public.orders', 'postgres://db:5432', 'shop.public.orders'],
    ['mysql://db:3306/shop.orders', 'mysql://db:3306', 'shop.orders'],
    ['hdfs://nn:8020/warehouse/t', 'hdfs://nn:8020', '/warehouse/t'],
    ['kafka://broker:9092/clicks', 'kafka://broker:9092', 'clicks'],
    ['bigquery:proj.ds.table', 'bigquery', 'proj.ds.table'],
    ['features', 'pipetrace', 'features'],
    ['pred-42', 'pipetrace', 'pred-42'],
  ];
  it.each(cases)('names %s as namespace %s and name %s, and gives it back', (pointer, namespace, name) => {
    const d = pointerToDataset(pointer);
    expect({ namespace: d.namespace, name: d.name }).toEqual({ namespace, name });
    expect(d.exact).toBe(true);
    expect(datasetToPointer(d)).toBe(pointer);
  });

  it('marks pointers the conventions normalise as not exact, so the exporter carries them', () => {
    expect(pointerToDataset('file:///data/raw.csv')).toEqual({
      namespace: 'file',
      name: '/data/raw.csv',
      exact: false,
    });
    expect(pointerToDataset('postgresql://db:5432/shop.t')).toMatchObject({
      namespace: 'postgres://db:5432',
      exact: false,
    });
  });

  it('uses the configured dataset namespace for names that are neither paths nor URIs', () => {
    expect(pointerToDataset('features', { datasetNamespace: 'acme' })).toMatchObject({
      namespace: 'acme',
      name: 'features',
    });
    expect(datasetToPointer({ namespace: 'acme', name: 'features' }, { datasetNamespace: 'acme' })).toBe('features');
  });

  it('maps components to jobs in the job namespace, and foreign jobs to namespace:name', () => {
    expect(componentToJob('train')).toEqual({ namespace: 'pipetrace', name: 'train' });
    expect(componentToJob('train', { jobNamespace: 'ml' })).toEqual({ namespace: 'ml', name: 'train' });
    expect(jobToComponent({ namespace: 'airflow', name: 'dag.task' })).toBe('airflow:dag.task');
    expect(componentToJob('airflow:dag.task')).toEqual({ namespace: 'airflow', name: 'dag.task' });
    expect(jobToComponent({ namespace: 'pipetrace', name: 'pipetrace:x' })).toBe('pipetrace:x');
    expect(jobToComponent(componentToJob('pipetrace:x'))).toBe('pipetrace:x');
  });
});

describe('OpenLineage export', () => {
  it('turns each run into a START and a COMPLETE or FAIL event at its start and end times', async () => {
    const { pt, clean, train } = await pipeline();
    const events = await collect(exportEvents(pt));
    expect(events.map((e) => [e.eventType, e.eventTime, e.job.name])).toEqual([
      ['START', new Date(T0).toISOString(), 'cleaning'],
      ['COMPLETE', new Date(T0 + 1000).toISOString(), 'cleaning'],
      ['START', new Date(T0 + 2000).toISOString(), 'train'],
      ['FAIL', new Date(T0 + 5000).toISOString(), 'train'],
    ]);
    expect(events[0]!.run.runId).toBe(clean.id);
    expect(events[2]!.run.runId).toBe(runIdToUuid(train.id));
    expect(events[2]!.run.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(events.every((e) => e.schemaURL === RUN_EVENT_SCHEMA_URL)).toBe(true);
  });

  it('emits events that validate against the OpenLineage 2-0-2 schema and the facet schemas', async () => {
    const { pt, clean } = await pipeline();
    await writeRowLineage(pt.store, clean.id, [
      { output: '/data/clean.parquet', input: 's3://raw-bucket/2026/01/events.csv', kind: 'keep', keys: [1, 2, 3] },
    ]);
    const events = await collect(
      exportEvents(pt, {
        repository: { url: 'https://github.com/acme/ml' },
        parent: { runId: '3f5e83fa-3480-44ff-99c5-ff943904e5e8', job: { namespace: 'airflow', name: 'nightly' } },
      }),
    );
    expect(events).toHaveLength(4);
    for (const event of events) expect(schemaErrors(event as unknown as Record<string, unknown>)).toEqual([]);
    const facets = events[3]!.run.facets!;
    expect(Object.keys(facets).sort()).toEqual(['errorMessage', 'nominalTime', 'parent', 'pipetrace_run']);
  });

  it('validates its custom facets against the published pipetrace facet schema, whose URL they name', async () => {
    const { pt, clean } = await pipeline();
    await pt.logRun({ component: 'x', startedAt: T0, endedAt: T0, inputs: ['file:///etc/in.csv'] });
    await writeRowLineage(pt.store, clean.id, [
      { output: '/data/clean.parquet', input: 's3://raw-bucket/2026/01/events.csv', kind: 'keep', keys: [1, 2] },
    ]);
    const events = await collect(exportEvents(pt));
    const names = new Set<string>();
    for (const event of events) {
      for (const name of Object.keys(event.run.facets ?? {})) names.add(name);
      for (const d of [...(event.inputs ?? []), ...(event.outputs ?? [])]) {
        for (const name of Object.keys({ ...d.facets, ...(d as { outputFacets?: object }).outputFacets }))
          names.add(name);
      }
      expect(schemaErrors(event as unknown as Record<string, unknown>)).toEqual([]);
    }
    expect([...names].filter((n) => n.startsWith('pipetrace_')).sort()).toEqual([
      'pipetrace_pointer',
      'pipetrace_rowLineage',
      'pipetrace_run',
    ]);
    expect(events[1]!.run.facets!.pipetrace_run!._schemaURL).toBe(
      `${PIPETRACE_FACET_SCHEMAS.$id}#/$defs/PipetraceRunFacet`,
    );
    const broken = structuredClone(events[1]!);
    (broken.run.facets!.pipetrace_run as Record<string, unknown>).status = 'maybe';
    expect(schemaErrors(broken as unknown as Record<string, unknown>).join()).toMatch(/pipetrace_run/);
  });

  it('names datasets per the conventions and carries row lineage counts and a digest in a custom facet', async () => {
    const { pt, clean } = await pipeline();
    await writeRowLineage(pt.store, clean.id, [
      {
        output: '/data/clean.parquet',
        input: 's3://raw-bucket/2026/01/events.csv',
        kind: 'map',
        outputKeys: [1, 2, 3],
        inputKeys: [10, 20, 30],
      },
    ]);
    const [, complete] = (await collect(exportEvents(pt))).slice(0, 2);
    expect(complete!.inputs).toEqual([{ namespace: 's3://raw-bucket', name: '2026/01/events.csv' }]);
    const out = complete!.outputs![0]!;
    expect([out.namespace, out.name]).toEqual(['file', '/data/clean.parquet']);
    const facet = out.outputFacets!.pipetrace_rowLineage!;
    expect(facet._producer).toMatch(/^https:\/\/github.com\/pipetrace\//);
    expect(facet._schemaURL).toMatch(/#\/\$defs\/PipetraceRowLineageOutputDatasetFacet$/);
    expect(facet.inputs).toEqual([
      {
        namespace: 's3://raw-bucket',
        name: '2026/01/events.csv',
        kind: 'map',
        rows: 3,
        bytes: expect.any(Number),
        digest: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
  });

  it('gives different row lineage different digests and equal lineage equal digests', async () => {
    const digests: string[] = [];
    for (const inputKeys of [
      [10, 20, 30],
      [10, 20, 30],
      [10, 20, 31],
    ]) {
      const { pt, clean } = await pipeline();
      await writeRowLineage(pt.store, clean.id, [
        {
          output: '/data/clean.parquet',
          input: 's3://raw-bucket/2026/01/events.csv',
          kind: 'map',
          outputKeys: [1, 2, 3],
          inputKeys,
        },
      ]);
      const events = await collect(exportEvents(pt, { component: 'cleaning' }));
      digests.push(
        (events[1]!.outputs![0]!.outputFacets!.pipetrace_rowLineage!.inputs as { digest: string }[])[0]!.digest,
      );
    }
    expect(digests[0]).toBe(digests[1]);
    expect(digests[2]).not.toBe(digests[0]);
  });

  it('records the git commit as run tags, and as sourceCodeLocation when the repository is known', async () => {
    const { clean } = await pipeline();
    const [, plain] = runToEvents(clean);
    expect(plain.job.facets?.sourceCodeLocation).toBeUndefined();
    expect(plain.run.facets?.tags?.tags).toContainEqual({
      key: 'git.commit',
      value: clean.code!.commit,
      source: 'pipetrace',
    });
    const [, located] = runToEvents(clean, {}, { repository: { url: 'https://github.com/acme/ml', path: 'steps' } });
    expect(located.job.facets?.sourceCodeLocation).toMatchObject({
      type: 'git',
      url: 'https://github.com/acme/ml',
      version: clean.code!.commit,
      branch: 'main',
      path: 'steps',
    });
  });

  it('puts the error message and stack trace of a failed run in an errorMessage facet', async () => {
    const { train } = await pipeline();
    const [start, fail] = runToEvents(train);
    expect(start.run.facets?.errorMessage).toBeUndefined();
    expect(fail.run.facets?.errorMessage).toMatchObject({
      message: 'learning rate too high',
      programmingLanguage: 'JavaScript',
      stackTrace: expect.stringContaining('RangeError'),
    });
  });

  it('uses the configured job namespace and producer', async () => {
    const { clean } = await pipeline();
    const [start] = runToEvents(clean, {}, { jobNamespace: 'ml-platform', producer: 'https://example.com/etl' });
    expect(start.job).toMatchObject({ namespace: 'ml-platform', name: 'cleaning' });
    expect(start.producer).toBe('https://example.com/etl');
    expect(start.run.facets?.nominalTime?._producer).toBe('https://example.com/etl');
  });

  it('filters the export by component and time', async () => {
    const { pt } = await pipeline();
    expect((await collect(exportEvents(pt, { component: 'train' }))).map((e) => e.job.name)).toEqual([
      'train',
      'train',
    ]);
    expect(await collect(exportEvents(pt, { since: T0 + 1, until: T0 + 2000 }))).toEqual([]);
  });

  it('pages through a store larger than one scan page', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await pt.logRuns(Array.from({ length: 25 }, (_, i) => ({ component: 'step', startedAt: T0 + i, endedAt: T0 + i })));
    const events = await collect(exportEvents(pt, { pageSize: 4, rowLineage: false }));
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.run.runId)).size).toBe(25);
  });
});

describe('OpenLineage naming properties', () => {
  const pointerChars = fc.constantFrom(...'abcXYZ019:/._-\\ ~@%é'.split(''));
  const pointer = fc
    .oneof(
      fc.string({ unit: pointerChars, minLength: 1, maxLength: 30 }),
      fc
        .tuple(
          fc.constantFrom('s3://', 'file://', 'hdfs://', 'postgresql://', 'pipetrace:', 'file:', 'x:'),
          fc.string({ unit: pointerChars, maxLength: 20 }),
        )
        .map(([a, b]) => a + b),
    )
    .filter((p) => p.trim() === p && p.length > 0);

  it('gives every pointer back exactly after export and ingest folding, with any namespaces', () => {
    fc.assert(
      fc.property(pointer, fc.constantFrom('pipetrace', 'acme', 'file'), (p, ns) => {
        const options = { datasetNamespace: ns, jobNamespace: ns };
        const run = {
          id: 'r',
          component: 'c',
          startedAt: T0,
          endedAt: T0,
          status: 'succeeded' as const,
          inputs: [p],
          outputs: [],
          dependencies: [],
          notes: [],
          params: {},
          metrics: {},
        };
        const events = runToEvents(run, {}, options);
        const folded = foldRun(events, [T0, T0]);
        expect(foldedToRunInput(folded, options, 'e')!.input.inputs).toEqual([p]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('OpenLineage job naming properties', () => {
  it('gives every component back exactly from its job, with any job namespace', () => {
    const chars = fc.constantFrom(...'abXY09:._-/ '.split(''));
    fc.assert(
      fc.property(
        fc.string({ unit: chars, minLength: 1, maxLength: 20 }),
        fc.constantFrom('pipetrace', 'a', 'ml.team'),
        (c, ns) => {
          expect(jobToComponent(componentToJob(c, { jobNamespace: ns }), { jobNamespace: ns })).toBe(c);
        },
      ),
      { numRuns: 300 },
    );
  });
});
