import { describe, expect, it } from 'vitest';
import { setup, T0 } from './helpers.js';

/** raw (ids r0..r99) → clean keeps even rows → features 1:1 to f-<id> → predictions 1:1 to p-<id>. */
async function rowPipeline() {
  const ctx = setup();
  const { pt, clock } = ctx;
  const raw = Array.from({ length: 100 }, (_, i) => `r${i}`);
  const ingest = pt.startRun('ingest');
  ingest.addOutputs('raw.csv');
  clock.t += 10;
  await ingest.end();

  const kept = raw.filter((_, i) => i % 2 === 0);
  clock.t += 10;
  const clean = pt.startRun('clean', { inputs: 'raw.csv' }).addOutputs('clean.csv');
  clean.rows({ output: 'clean.csv', input: 'raw.csv', kind: 'keep', keys: kept });
  clock.t += 10;
  const cleanRun = await clean.end();

  clock.t += 10;
  const feat = pt.startRun('features', { inputs: 'clean.csv' }).addOutputs('features.csv');
  const recorder = feat.rowRecorder('features.csv', 'clean.csv', 'map');
  for (const k of kept) recorder.add(`f-${k}`, k);
  clock.t += 10;
  await feat.end();

  clock.t += 10;
  const infer = pt.startRun('infer', { inputs: 'features.csv' }).addOutputs('predictions.csv');
  infer.rows(
    {
      output: 'predictions.csv',
      input: 'features.csv',
      kind: 'map',
      outputKeys: kept.map((k) => `p-${k}`),
      inputKeys: kept.map((k) => `f-${k}`),
    },
    { keepKeys: true },
  );
  clock.t += 10;
  const inferRun = await infer.end();
  return { ...ctx, kept, cleanRun, inferRun };
}

describe('row lineage through the pipetrace API', () => {
  it('traces one prediction back through every stage to its raw record', async () => {
    const { pt } = await rowPipeline();
    const trace = await pt.traceRow('predictions.csv', 'p-r42');
    expect(trace.steps.map((s) => s.run.component)).toEqual(['infer', 'features', 'clean', 'ingest']);
    expect(trace.steps[0]?.links[0]?.rows.map((r) => r.key)).toEqual(['f-r42']);
    expect(trace.origins).toEqual([expect.objectContaining({ pointer: 'raw.csv', rowCount: 1 })]);
  });

  it('follows a raw record forward to the predictions it reached, and a dropped one to none', async () => {
    const { pt } = await rowPipeline();
    const reached = await pt.impact('raw.csv', 'r42');
    const predictionRows = reached.steps.flatMap((s) => s.links.filter((l) => l.pointer === 'predictions.csv'));
    expect(predictionRows.map((l) => l.rowCount)).toEqual([1]);
    const dropped = await pt.impact('raw.csv', 'r43');
    expect(dropped.steps.flatMap((s) => s.links).every((l) => l.rowCount === 0)).toBe(true);
  });

  it('stores no run when its row lineage is bad, and leaves the run open', async () => {
    const { pt, store } = setup();
    const run = pt.startRun('clean').addOutputs('out.csv').addInputs('in.csv');
    run.rows({ output: 'out.csv', input: 'in.csv', kind: 'map', outputKeys: ['a', 'b'], inputKeys: ['a'] });
    await expect(run.end()).rejects.toMatchObject({ code: 'invalid_input' });
    expect(run.status).toBe('running');
    expect((await store.scanRuns({})).runs).toEqual([]);
    expect(await store.listBlobs('')).toEqual([]);
  });

  it('refuses row lineage naming a pointer the run does not write or read, and stores nothing', async () => {
    const { pt, store } = setup();
    const wrongOutput = pt.startRun('clean').addOutputs('out.csv').addInputs('in.csv');
    wrongOutput.rows({ output: 'other.csv', input: 'in.csv', kind: 'keep', keys: ['a'] });
    await expect(wrongOutput.end()).rejects.toMatchObject({ code: 'invalid_input', field: 'lineage[0].output' });
    expect(wrongOutput.status).toBe('running');
    const wrongInput = pt.startRun('clean').addOutputs('out.csv').addInputs('in.csv');
    wrongInput.rowRecorder('out.csv', 'elsewhere.csv', 'keep').add('a');
    await expect(wrongInput.end()).rejects.toMatchObject({ code: 'invalid_input', field: 'lineage[0].input' });
    expect((await store.scanRuns({})).runs).toEqual([]);
    expect(await store.listBlobs('')).toEqual([]);
    const logged = await pt.logRun({ component: 'c', startedAt: T0, endedAt: T0 + 1, inputs: ['a'], outputs: ['b'] });
    await expect(pt.recordRows(logged.id, [{ output: 'a', input: 'b', kind: 'pass' }])).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await store.listBlobs('')).toEqual([]);
  });

  it('records row lineage for a run logged in one call, and refuses it for an unknown run', async () => {
    const { pt } = setup();
    const run = await pt.logRun({ component: 'c', startedAt: T0, endedAt: T0 + 1, inputs: ['a'], outputs: ['b'] });
    const summary = await pt.recordRows(run.id, [{ output: 'b', input: 'a', kind: 'keep', keys: [1, 2, 3] }]);
    expect(summary.pairs[0]).toMatchObject({ kind: 'keep', rows: 3 });
    expect((await pt.traceRow('b', 2)).origins[0]).toMatchObject({ pointer: 'a', rowCount: 1 });
    await expect(pt.recordRows('nope', [])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('flags rows, ranks the raw records behind them in review, and clears them', async () => {
    const { pt, kept } = await rowPipeline();
    const bad = kept.slice(0, 5);
    expect(
      await pt.flagRows(
        'predictions.csv',
        bad.map((k) => `p-${k}`),
      ),
    ).toBe(5);
    expect((await pt.flaggedRows('predictions.csv')).rows).toHaveLength(5);
    expect((await pt.pointer('predictions.csv')).flagged).toBe(false);
    const review = await pt.review();
    expect(review.F).toBe(0);
    expect(review.rows?.F).toBe(5);
    const topRows = review.rows?.rows.slice(0, 5).map((c) => c.row?.pointer);
    expect(topRows).toEqual(Array(5).fill('raw.csv'));
    expect(review.rows?.rows[0]?.evidence).toMatchObject({ ef: 1, ep: 0, F: 5 });
    expect(await pt.unflagRows('predictions.csv', ['p-r0'])).toBe(4);
    expect(await pt.unflagRows('predictions.csv')).toBe(0);
    expect((await pt.flaggedRows('predictions.csv')).rows).toEqual([]);
    await pt.flagRows('predictions.csv', ['p-r2']);
    await pt.flag('predictions.csv');
    expect(await pt.unflagAll()).toBe(1);
    expect((await pt.review()).rows).toBeUndefined();
    // Nothing flagged any more: no flag blob is left behind.
    expect(await pt.store.listBlobs('rows/f/')).toEqual([]);
  });

  it('refuses row flags on a pointer no run wrote or read, and bad keys', async () => {
    const { pt, store } = await rowPipeline();
    await expect(pt.flagRows('typo.csv', ['x'])).rejects.toMatchObject({ code: 'not_found' });
    // flag() flags whole pointers; handed row options it refuses them rather than flag the pointer.
    await expect(pt.flag('predictions.csv', { rows: ['p-r2'] } as never)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect((await pt.pointer('predictions.csv')).flagged).toBe(false);
    await expect(pt.flagRows('predictions.csv', [{ no: 1 } as never])).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await store.listBlobs('rows/f/')).toEqual([]);
  });
});
