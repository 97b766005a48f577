/** Check results through OpenLineage: the spec's dataQualityAssertions facet out, and back in (dbt). */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { type CheckResult, createPipetrace, type Pipetrace } from '../src/index.js';
import { exportEvents, ingestEvents, KEPT_FACETS_PARAM, type RunEvent } from '../src/openlineage/index.js';
import { schemaErrors } from './openlineage-schema.js';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const DBT = 'https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/dbt';
const ASSERTIONS_URL =
  'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet';

const fresh = (): Pipetrace => createPipetrace({ store: memoryStore(), now: () => T0 });

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const CHECKS: CheckResult[] = [
  { name: 'no null fares', phase: 'before', outcome: 'fail', message: '3 null fares', durationMs: 1.5 },
  { name: 'orders unique', phase: 'before', outcome: 'pass', pointer: 'db.orders', column: 'id' },
  { name: 'holdout error < 5', phase: 'after', outcome: 'error', message: 'threw Error: no holdout' },
];

/** A run with CHECKS that reads a path and a table. */
const logTrain = (pt: Pipetrace) =>
  pt.logRun({
    component: 'train',
    startedAt: T0,
    endedAt: T0 + 10,
    inputs: ['/data/fares.parquet', 'db.orders'],
    outputs: ['models/m.onnx'],
    checks: CHECKS,
  });

describe('checks in OpenLineage', () => {
  it('exports before-checks as dataQualityAssertions on the inputs they are about, valid against the spec', async () => {
    const pt = fresh();
    await logTrain(pt);
    const [start, end] = await collect(exportEvents(pt));
    for (const e of [start, end]) expect(schemaErrors(e as unknown as Record<string, unknown>)).toEqual([]);
    expect(start?.inputs?.some((d) => d.inputFacets !== undefined)).toBe(false);
    const assertions = (end?.inputs ?? []).map((d) => {
      const facet = d.inputFacets?.dataQualityAssertions;
      expect(facet?._schemaURL).toBe(ASSERTIONS_URL);
      return facet?.assertions;
    });
    expect(assertions).toEqual([
      [{ assertion: 'no null fares', name: 'no null fares', success: false, actual: '3 null fares' }],
      [
        { assertion: 'no null fares', name: 'no null fares', success: false, actual: '3 null fares' },
        { assertion: 'orders unique', name: 'orders unique', success: true, column: 'id' },
      ],
    ]);
  });

  it('round-trips every check result exactly through export and ingest, keeping no facet for them', async () => {
    const source = fresh();
    const run = await logTrain(source);
    const target = fresh();
    await ingestEvents(target, await collect(exportEvents(source)));
    const back = await target.inspect(run.id);
    expect(back.checks).toEqual(CHECKS);
    expect(back.params[KEPT_FACETS_PARAM]).toBeUndefined();
    expect(back).toEqual(run);
  });

  it('reads dbt test results (another producer’s assertions) as before-checks of the run, and exports them unchanged', async () => {
    const assertionsFacet = {
      _producer: DBT,
      _schemaURL: ASSERTIONS_URL,
      assertions: [
        { assertion: 'not_null', name: 'not_null_orders_id', success: true, column: 'id' },
        { assertion: 'unique', success: false, column: 'id', severity: 'error', actual: '2 duplicates' },
      ],
    };
    const event = (eventType: string, at: number, withFacet: boolean) => ({
      eventType,
      eventTime: iso(at),
      producer: DBT,
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: '0191a6a0-0000-7000-8000-0000000000d1' },
      job: { namespace: 'dbt', name: 'shop.test.orders' },
      inputs: [
        {
          namespace: 'postgres://db:5432',
          name: 'shop.public.orders',
          ...(withFacet ? { inputFacets: { dataQualityAssertions: assertionsFacet } } : {}),
        },
      ],
      outputs: [],
    });
    const pt = fresh();
    const { runs } = await ingestEvents(pt, [event('START', T0, false), event('COMPLETE', T0 + 5, true)]);
    const [run] = runs;
    const pointer = run?.inputs[0] as string;
    expect(run?.checks).toEqual([
      { name: 'not_null_orders_id', phase: 'before', outcome: 'pass', pointer, column: 'id' },
      { name: 'unique', phase: 'before', outcome: 'fail', pointer, column: 'id', message: '2 duplicates' },
    ]);
    expect((await pt.checks({ outcome: 'fail' })).results.map((r) => r.name)).toEqual(['unique']);
    const [, end] = await collect(exportEvents(pt));
    expect(end?.inputs?.[0]?.inputFacets?.dataQualityAssertions).toEqual(assertionsFacet);
  });
});
