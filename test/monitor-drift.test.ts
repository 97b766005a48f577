/** Drift and monitor: measures with known answers, references, type changes, pipeline order, the CLI. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace, type Pipetrace } from '../src/index.js';
import { KllSketch, quantileView } from '../src/monitor/kll.js';
import { cohenH, jensenShannon, ksPValue, psi, wasserstein } from '../src/monitor/measures.js';
import { runMain } from './cli-run.js';

const view = (xs: number[]) => {
  const s = new KllSketch();
  for (const x of xs) s.update(x);
  return quantileView(s);
};

/** A deterministic standard normal sample (Box–Muller over an LCG). */
function normal(n: number, mean: number, sd: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float64Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

describe('drift measures, known answers', () => {
  it('Wasserstein: the distance a point mass moves, and the area between two uniform steps', () => {
    expect(wasserstein(view([0]), view([3]))).toBe(3);
    expect(wasserstein(view([0, 1]), view([0, 1]))).toBe(0);
    // Moving half of the mass from 0 to 2 costs 1.
    expect(wasserstein(view([0, 0]), view([0, 2]))).toBe(1);
  });

  it('Jensen–Shannon distance: 0 for equal shares, 1 for disjoint ones, sqrt of the divergence between', () => {
    expect(jensenShannon([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    // Divergence of [1, 0] and [0.5, 0.5]: 0.5 * log2(4/3) + 0.25 * log2(2/3) + 0.25 * log2(2)... exactly:
    const m = [0.75, 0.25];
    const kl = (p: number[]) => p.reduce((s, x, i) => (x > 0 ? s + x * Math.log2(x / (m[i] as number)) : s), 0);
    expect(jensenShannon([1, 0], [0.5, 0.5])).toBeCloseTo(Math.sqrt((kl([1, 0]) + kl([0.5, 0.5])) / 2), 12);
  });

  it('PSI, Cohen h and the KS p-value', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(0.5) * -1 + 0.25 * Math.log(1.5), 12);
    expect(cohenH(0, 0.1)).toBeCloseTo(2 * Math.asin(Math.sqrt(0.1)), 12);
    expect(ksPValue(0, 100, 100)).toBe(1);
    // The tabulated 5% critical value, 1.358 * sqrt(2/n), gives p near 0.05.
    expect(ksPValue(1.358 * Math.sqrt(2 / 10_000), 10_000, 10_000)).toBeCloseTo(0.05, 2);
  });
});

async function day(pt: Pipetrace, d: number, columns: Record<string, ArrayLike<unknown>>, pointer = 'clean.ndjson') {
  return pt
    .startRun('cleaning', { startedAt: Date.UTC(2026, 0, 1 + d), inputs: ['raw.csv'] })
    .profile(pointer, columns)
    .end({ endedAt: Date.UTC(2026, 0, 1 + d) + 1000 });
}

describe('pt.drift', () => {
  it('finds the normalized Wasserstein of a shift of half a standard deviation, and says it in a sentence', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await day(pt, 0, { distance_km: normal(100_000, 3, 1, 1) });
    await day(pt, 1, { distance_km: normal(100_000, 3.5, 1, 2) });
    const report = await pt.drift('clean.ndjson');
    const col = report.outputs[0]?.columns[0];
    expect(col?.measure).toBe('wasserstein');
    expect(col?.value).toBeGreaterThan(0.45);
    expect(col?.value).toBeLessThan(0.55);
    expect(col?.drifted).toBe(true);
    expect(col?.sentence).toMatch(
      /^clean\.ndjson distance_km: mean 3(\.\d+)? → 3\.5\d?, normalized Wasserstein 0\.\d+ \(threshold 0\.1\)$/,
    );
    expect(report.sentences).toEqual([col?.sentence]);
    expect(col?.reference?.quantiles).toHaveLength(9);
  });

  it('does not cry wolf on two samples of one distribution, where KS at a million rows would', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await day(pt, 0, { x: normal(1_000_000, 0, 1, 3) });
    await day(pt, 1, { x: normal(1_000_000, 0.01, 1, 4) });
    const effect = (await pt.drift('clean.ndjson')).outputs[0]?.columns[0];
    expect(effect?.drifted).toBe(false);
    expect(effect?.value).toBeLessThan(0.05);
    const ks = (await pt.drift('clean.ndjson', { numeric: 'ks' })).outputs[0]?.columns[0];
    expect(ks?.measure).toBe('ks');
    expect(ks?.pValue).toBeLessThan(0.05);
  });

  it('measures categoricals by Jensen–Shannon, and a new share of missing values by Cohen h', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const city = (swap: boolean, nulls: number) =>
      Array.from({ length: 10_000 }, (_, i) => (i < nulls ? null : i % 10 < (swap ? 2 : 8) ? 'Oslo' : 'Bergen'));
    await day(pt, 0, { city: city(false, 0), same: city(false, 0) });
    await day(pt, 1, { city: city(true, 0), same: city(false, 1000) });
    const [c, s] = (await pt.drift('clean.ndjson')).outputs[0]?.columns ?? [];
    expect(c?.measure).toBe('jensen_shannon');
    expect(c?.value).toBeCloseTo(jensenShannon([0.8, 0.2, 0], [0.2, 0.8, 0]), 12);
    expect(c?.sentence).toMatch(/"Oslo" 80% → 20%/);
    expect(s?.missing.value).toBeCloseTo(cohenH(0, 0.1), 12);
    expect(s?.drifted).toBe(true);
    expect(s?.sentence).toMatch(/missing 0\.0% → 10\.0%/);
  });

  it('reports a column whose type changed, and columns added or gone', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await day(pt, 0, { fare: [1, 2, 3], gone: [1, 1, 1] });
    await day(pt, 1, { fare: ['1', '2', '3'], tip: [true, false, true] });
    const columns = (await pt.drift('clean.ndjson')).outputs[0]?.columns ?? [];
    expect(columns.map((c) => [c.column, c.status])).toEqual([
      ['fare', 'type_changed'],
      ['tip', 'added'],
      ['gone', 'removed'],
    ]);
    expect(columns[0]?.sentence).toBe('clean.ndjson fare: type number → string');
  });

  it('compares with a window of runs, a named run, another pointer and a pinned baseline', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const first = await day(pt, 0, { x: [1, 2, 3, 4] });
    await day(pt, 1, { x: [1, 2, 3, 4] });
    await day(pt, 2, { x: [11, 12, 13, 14] });
    await day(pt, 3, { x: [11, 12, 13, 14] }, 'train.ndjson');
    expect((await pt.drift('clean.ndjson')).outputs[0]?.reference).toMatchObject({ kind: 'previous' });
    const window = (await pt.drift('clean.ndjson', { reference: { runs: 5 } })).outputs[0];
    expect(window?.reference?.runs).toHaveLength(2);
    expect(window?.drifted).toBe(true);
    const named = (await pt.drift('clean.ndjson', { reference: { run: first.id } })).outputs[0];
    expect(named?.reference).toMatchObject({ kind: 'run', runs: [first.id] });
    const other = (await pt.drift('clean.ndjson', { reference: { pointer: 'train.ndjson' } })).outputs[0];
    expect(other?.drifted).toBe(false);
    await pt.pinBaseline('clean.ndjson', { run: first.id });
    const auto = (await pt.drift('clean.ndjson')).outputs[0];
    expect(auto?.reference).toMatchObject({ kind: 'baseline', runs: [first.id] });
    expect(await pt.unpinBaseline('clean.ndjson')).toBe(true);
    expect((await pt.drift('clean.ndjson')).outputs[0]?.reference?.kind).toBe('previous');
  });

  it('says so when there is nothing to compare with, and refuses bad options naming them', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await day(pt, 0, { x: [1] });
    expect((await pt.drift('clean.ndjson')).outputs[0]?.status).toBe('no_reference');
    for (const [options, field] of [
      [{ reference: { runs: 0 } }, 'options.reference.runs'],
      [{ reference: { weeks: 2 } }, 'options.reference'],
      [{ numeric: 'pvalue' }, 'options.numeric'],
      [{ thresholds: { x: -1 } }, 'options.thresholds.x'],
      [{ treshold: 1 }, 'options.treshold'],
    ] as const) {
      const error = await pt.drift('clean.ndjson', options as never).catch((e: unknown) => e);
      expect(isPipetraceError(error, 'invalid_input') && error.field).toBe(field);
    }
    await expect(pt.drift('clean.ndjson', { reference: { baseline: 'clean.ndjson' } })).rejects.toThrow(/not found/);
  });

  it('takes a threshold per column', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await day(pt, 0, { x: normal(10_000, 0, 1, 5) });
    await day(pt, 1, { x: normal(10_000, 0.3, 1, 6) });
    expect((await pt.drift('clean.ndjson')).drifted).toBe(true);
    expect((await pt.drift('clean.ndjson', { thresholds: { x: 0.5 } })).drifted).toBe(false);
  });
});

/** ingest -> cleaning -> features -> train, one run a day; `shift` moves cleaning's km on the last day. */
async function pipeline(pt: Pipetrace, days: number, shift: number) {
  for (let d = 0; d < days; d++) {
    const t = Date.UTC(2026, 0, 1 + d);
    const last = d === days - 1;
    const step = (
      component: string,
      at: number,
      inputs: string[],
      output: string,
      cols: Record<string, ArrayLike<unknown>>,
    ) =>
      pt
        .startRun(component, { startedAt: t + at, inputs })
        .profile(output, cols)
        .end({ endedAt: t + at + 10 });
    await step('ingest', 0, [], 'raw.csv', { km: normal(5000, 3, 1, d) });
    await step('cleaning', 100, ['raw.csv'], 'clean.csv', { km: normal(5000, last ? 3 + shift : 3, 1, d + 50) });
    await step('features', 200, ['clean.csv'], 'features.csv', { f: normal(5000, last ? 3 + shift : 3, 1, d + 90) });
    await step('train', 300, ['features.csv'], 'model.bin', { loss: normal(5000, 1, 0.1, d + 7) });
  }
}

describe('pt.monitor', () => {
  it('lists every step in pipeline order and names the earliest drifted one first', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    // Created in reverse, so name order and creation order both disagree with pipeline order.
    for (const c of ['train', 'features', 'cleaning', 'ingest']) await pt.component(c);
    await pipeline(pt, 3, 2);
    const report = await pt.monitor();
    expect(report.steps.map((s) => s.component)).toEqual(['ingest', 'cleaning', 'features', 'train']);
    expect(report.drifted).toEqual(['cleaning', 'features']);
    expect(report.sentences[0]).toMatch(/^clean\.csv km: mean 3(\.\d+)? → 5(\.\d+)?/);
    expect(report.steps[0]?.outputs[0]?.status).toBe('compared');
  });

  it('compares a pair of stored profiles once per options, and a new run is compared afresh', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await pipeline(pt, 3, 2);
    const first = await pt.monitor();
    const again = await pt.monitor();
    const columnOf = (r: typeof first, c: string) => r.steps.find((s) => s.component === c)?.outputs[0]?.columns[0];
    expect(columnOf(again, 'cleaning')).toBe(columnOf(first, 'cleaning'));
    // Other options are another comparison, with their own answer.
    const strict = await pt.monitor({ thresholds: { km: 10 } });
    expect(columnOf(strict, 'cleaning')).not.toBe(columnOf(first, 'cleaning'));
    expect(strict.drifted).toEqual(['features']);
    // A new cleaning run is compared afresh, with its previous run (the shifted day) as reference.
    const run = await pt
      .startRun('cleaning', { startedAt: Date.UTC(2026, 0, 9), inputs: ['raw.csv'] })
      .profile('clean.csv', { km: normal(5000, 5, 1, 77) })
      .end({ endedAt: Date.UTC(2026, 0, 9) + 10 });
    const after = await pt.monitor();
    const step = after.steps.find((s) => s.component === 'cleaning');
    expect(step?.run.id).toBe(run.id);
    expect(step?.drifted).toBe(false);
    expect(columnOf(after, 'cleaning')).not.toBe(columnOf(first, 'cleaning'));
  });

  it('checks only the components asked', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await pipeline(pt, 2, 0);
    const report = await pt.monitor({ components: ['train'] });
    expect(report.steps.map((s) => s.component)).toEqual(['train']);
    expect(report.drifted).toEqual([]);
  });
});

describe('pipetrace drift and pipetrace monitor', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pipetrace-drift-'));
  const dir = join(cwd, '.pipetrace');
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  const cli = (args: string[]) => runMain([...args, '--store', dir]);

  it('print the drifted columns, as text and as JSON', async () => {
    const store = await fsJsonStore({ dir });
    await pipeline(createPipetrace({ store }), 3, 2);
    await store.close();
    const text = await cli(['drift', 'clean.csv']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/clean\.csv against the previous run of clean\.csv: 1 column drifted/);
    expect(text.stdout).toMatch(/normalized Wasserstein/);
    const json = JSON.parse((await cli(['drift', 'clean.csv', '--json', '--reference', 'runs:2'])).stdout);
    expect(json.outputs[0].reference.kind).toBe('window');
    const monitor = await cli(['monitor']);
    expect(
      monitor.stdout
        .split('\n')
        .filter((l) => /^(DRIFT|ok)/.test(l))
        .map((l) => l.split(' ').filter(Boolean)[0] + ' ' + l.split(' ').filter(Boolean)[1]),
    ).toEqual(['ok ingest', 'DRIFT cleaning', 'DRIFT features', 'ok train']);
    expect(monitor.stdout).toMatch(/first drifted step: cleaning \(then features\)/);
    const mj = JSON.parse((await cli(['monitor', '--json', '--component', 'train'])).stdout);
    expect(mj.steps.map((s: { component: string }) => s.component)).toEqual(['train']);
    expect((await cli(['drift', 'clean.csv', '--reference', 'weekly'])).code).toBe(2);
    expect((await cli(['drift', 'clean.csv', '--threshold', 'km'])).code).toBe(2);
  });
});
