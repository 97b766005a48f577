import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, isPipetraceError, type PipetraceError } from '../src/index.js';
import { exportEvents, ingestEvents, KEPT_FACETS_PARAM, type RunEvent } from '../src/openlineage/index.js';
import { storeSnapshot } from './helpers.js';
import { exampleEvents, schemaErrors } from './openlineage-schema.js';

const AIRFLOW = 'https://github.com/apache/airflow/tree/providers-openlineage/1.8.0';
const RUN = '01908a4e-7e3c-7b5d-9a51-3d1c5f0e2a11';
const PARENT = '01908a4e-0000-7b5d-9a51-3d1c5f0e2a00';
const url = (def: string, version = '1-0-1') =>
  `https://openlineage.io/spec/facets/${version}/${def}.json#/$defs/${def}`;

/**
 * START and FAIL of an Airflow task as the provider sends them (trimmed), valid by the spec.
 * `edit` changes the FAIL event, to plant the values real integrations send.
 */
// biome-ignore lint/suspicious/noExplicitAny: events edited by path, as a producer would send them
type Loose = Record<string, any>;

function airflowRun(edit: (fail: Loose) => void = () => {}): Loose[] {
  const base = (eventType: string, eventTime: string) => ({
    eventType,
    eventTime,
    producer: AIRFLOW,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: {
      runId: RUN,
      facets: {
        parent: {
          _producer: AIRFLOW,
          _schemaURL: url('ParentRunFacet', '1-1-0'),
          run: { runId: PARENT },
          job: { namespace: 'airflow', name: 'nightly' },
        },
      },
    },
    job: {
      namespace: 'airflow',
      name: 'nightly.load_orders',
      facets: {
        jobType: {
          _producer: AIRFLOW,
          _schemaURL: url('JobTypeJobFacet', '2-0-2'),
          processingType: 'BATCH',
          integration: 'AIRFLOW',
          jobType: 'TASK',
        },
      },
    },
    inputs: [
      {
        namespace: 'postgres://db:5432',
        name: 'shop.public.orders',
        facets: {
          schema: {
            _producer: AIRFLOW,
            _schemaURL: url('SchemaDatasetFacet', '1-1-1'),
            fields: [
              { name: 'id', type: 'integer' },
              { name: 'total', type: 'numeric' },
            ],
          },
        },
      },
    ],
    outputs: [{ namespace: 's3://lake', name: 'orders/2026-01-01.parquet' }],
  });
  const start = base('START', '2026-01-01T02:00:00.000Z');
  const fail: Loose = base('FAIL', '2026-01-01T02:05:00.000Z');
  fail.run.facets.errorMessage = {
    _producer: AIRFLOW,
    _schemaURL: url('ErrorMessageRunFacet'),
    message: 'relation "orders" does not exist',
    programmingLanguage: 'python',
    stackTrace: 'Traceback (most recent call last): ...',
  };
  edit(fail);
  return [start, fail];
}

/** Values real integrations send that the spec forbids, and the path strict ingest must name. */
const FORBIDDEN: [string, (fail: Loose) => void, string, RegExp][] = [
  [
    'a null stackTrace',
    (f) => {
      f.run.facets.errorMessage.stackTrace = null;
    },
    'events[1].run.facets.errorMessage.stackTrace',
    /must be string/,
  ],
  [
    'a null field type in a schema facet',
    (f) => {
      f.inputs[0].facets.schema.fields[1].type = null;
    },
    'events[1].inputs[0].facets.schema.fields[1].type',
    /must be string/,
  ],
  [
    'a null _deleted flag',
    (f) => {
      f.job.facets.jobType._deleted = null;
    },
    'events[1].job.facets.jobType._deleted',
    /must be boolean/,
  ],
  [
    'a parent runId that is not a UUID',
    (f) => {
      f.run.facets.parent.run.runId = 'scheduled__2026-01-01';
    },
    'events[1].run.facets.parent.run.runId',
    /uuid/,
  ],
  [
    'an errorMessage facet without its required language',
    (f) => {
      delete f.run.facets.errorMessage.programmingLanguage;
    },
    'events[1].run.facets.errorMessage',
    /programmingLanguage/,
  ],
  [
    'a processingType outside the enum',
    (f) => {
      f.job.facets.jobType.processingType = null;
    },
    'events[1].job.facets.jobType.processingType',
    /must be string/,
  ],
];

async function exported(pt: ReturnType<typeof createPipetrace>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of exportEvents(pt)) out.push(e);
  return out;
}

describe('OpenLineage ingest is strict', () => {
  it('accepts the valid events of an Airflow task', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const result = await ingestEvents(pt, airflowRun());
    expect(result.runs).toHaveLength(1);
    expect(result.dropped).toEqual([]);
  });

  for (const [what, edit, field, message] of FORBIDDEN) {
    it(`rejects the batch for ${what}, naming the path, and writes nothing`, async () => {
      const store = memoryStore();
      const pt = createPipetrace({ store });
      const before = await storeSnapshot(store);
      let error: unknown;
      try {
        await ingestEvents(pt, airflowRun(edit));
      } catch (e) {
        error = e;
      }
      expect(isPipetraceError(error, 'invalid_input'), String(error)).toBe(true);
      expect((error as PipetraceError).field).toBe(field);
      expect((error as PipetraceError).message).toMatch(message);
      expect(await storeSnapshot(store)).toEqual(before);
    });
  }

  it('in lenient mode drops only the invalid facets, reports each, and keeps the rest', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const events = airflowRun((f) => {
      f.run.facets.errorMessage.stackTrace = null;
      f.inputs[0].facets.schema.fields[1].type = null;
    });
    const result = await ingestEvents(pt, events, { validation: 'lenient' });
    expect(result.dropped).toEqual([
      {
        field: 'events[1].run.facets.errorMessage',
        reason: 'events[1].run.facets.errorMessage.stackTrace: must be string',
      },
      {
        field: 'events[1].inputs[0].facets.schema',
        reason: 'events[1].inputs[0].facets.schema.fields[1].type: must be string',
      },
    ]);
    const [run] = result.runs;
    expect(run).toMatchObject({ status: 'failed', inputs: ['postgres://db:5432/shop.public.orders'] });
    const kept = run!.params[KEPT_FACETS_PARAM] as Loose;
    expect(kept.run.parent.run.runId).toBe(PARENT);
    expect(JSON.stringify(kept)).not.toMatch(/"stackTrace"/);
    // The valid schema facet of the START event stays; the FAIL event's invalid one is gone.
    expect(kept.inputs['postgres://db:5432/shop.public.orders'].facets.schema.fields[1].type).toBe('numeric');
  });

  it('in lenient mode still rejects an event that is invalid without its facets', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const events = airflowRun((f) => {
      f.eventType = 'FAILED';
    });
    await expect(ingestEvents(pt, events, { validation: 'lenient' })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'events[1].eventType',
    });
  });
});

describe('OpenLineage export emits only schema-valid events', () => {
  it('exports ingested third-party events (Airflow, the spec examples) as valid events', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await ingestEvents(pt, [...airflowRun(), ...exampleEvents().map((e) => e.event)]);
    const events = await exported(pt);
    expect(events.length).toBe(4);
    for (const event of events) expect(schemaErrors(event as never)).toEqual([]);
  });

  it('does not copy the error facet onto START', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await ingestEvents(pt, airflowRun());
    const [start, fail] = await exported(pt);
    expect(start!.eventType).toBe('START');
    expect(start!.run.facets?.errorMessage).toBeUndefined();
    expect(fail!.run.facets?.errorMessage).toMatchObject({ message: 'relation "orders" does not exist' });
  });

  it('leaves out kept facets that fail their schema (stored before ingest was strict)', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const badError = {
      _producer: AIRFLOW,
      _schemaURL: url('ErrorMessageRunFacet'),
      message: 'boom',
      programmingLanguage: 'python',
      stackTrace: null,
    };
    const badSchema = {
      _producer: AIRFLOW,
      _schemaURL: url('SchemaDatasetFacet', '1-1-1'),
      fields: [{ name: 'id', type: null }],
    };
    const goodTags = { _producer: AIRFLOW, _schemaURL: url('TagsRunFacet', '1-0-0'), tags: [] };
    await pt.logRun({
      component: 'load',
      startedAt: 1_767_232_800_000,
      endedAt: 1_767_233_100_000,
      inputs: ['/data/in.csv'],
      error: new Error('boom'),
      params: {
        [KEPT_FACETS_PARAM]: {
          run: { errorMessage: badError, customTags: goodTags },
          inputs: { '/data/in.csv': { facets: { schema: badSchema } } },
        },
      },
    });
    const events = await exported(pt);
    for (const event of events) expect(schemaErrors(event as never)).toEqual([]);
    const fail = events[1]!;
    expect(fail.run.facets?.errorMessage).toMatchObject({ message: 'boom', programmingLanguage: 'JavaScript' });
    expect(fail.run.facets?.customTags).toEqual(goodTags);
    expect(fail.inputs?.[0]?.facets?.schema).toBeUndefined();
  });
});

describe('the compiled validators', () => {
  it('are generated from the schemas in the repository (npm run build:openlineage)', async () => {
    const { generate, OUT } = await import('../scripts/openlineage-validators.js');
    expect(await generate()).toBe(readFileSync(OUT, 'utf8'));
  });

  it('import nothing: the core validates without Ajv at run time', async () => {
    const entry = fileURLToPath(new URL('../src/openlineage/validators.generated.js', import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      write: false,
      metafile: true,
    });
    expect(Object.keys(result.metafile.inputs)).toEqual([relative(process.cwd(), entry)]);
  });
});
