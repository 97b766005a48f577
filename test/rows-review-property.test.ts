/**
 * The row review against the straightforward answer: one trace per population row, counted
 * by hand. Random small pipelines (filters, 1:1 maps with rows of no recorded origin,
 * aggregations whose rows have many parents, a join of two pairs, rows flagged twice), and one
 * pipeline big enough for narrow chunks (the layout of pairs past NARROW_MIN_ROWS rows).
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import { flaggedRows } from '../src/rows/flags.js';
import { NARROW_MIN_ROWS } from '../src/rows/format/chunk.js';
import { decodeManifest, encodeManifest, manifestKey } from '../src/rows/format/codec.js';
import { flagRows, type RowReview, reviewRows, rowHash, traceRow, writeRowLineage } from '../src/rows/index.js';
import { chainReview } from '../src/rows/review-chain.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';
import { prng } from './review-scenario.js';

const T = 1_700_000_000_000;
const run = (id: string, at: number, inputs: string[], outputs: string[]): Run =>
  sampleRun({ id, component: id.split('-')[0] as string, startedAt: T + at, endedAt: T + at + 10, inputs, outputs });

type Counts = Map<string, { ef: number; ep: number }>;

/** What one trace per population row finds: flagged and unflagged rows behind each run and origin row. */
async function byHand(store: Store, pointer: string, population: string[], flagged: Set<string>) {
  const runs: Counts = new Map();
  const rows: Counts = new Map();
  const count = (map: Counts, id: string, bad: boolean) => {
    const c = map.get(id) ?? { ef: 0, ep: 0 };
    if (bad) c.ef++;
    else c.ep++;
    map.set(id, c);
  };
  for (const key of population) {
    const trace = await traceRow(store, pointer, key);
    const bad = flagged.has(key);
    for (const id of new Set(trace.steps.map((s) => s.run.id))) count(runs, id, bad);
    const seen = new Set<string>();
    for (const o of trace.origins) for (const r of o.rows) seen.add(`${o.pointer}#${r.hash}`);
    for (const id of seen) count(rows, id, bad);
  }
  const flaggedOnly = (map: Counts): Counts => new Map([...map].filter(([, c]) => c.ef > 0));
  return { runs: flaggedOnly(runs), rows: flaggedOnly(rows) };
}

const counted = (list: RowReview['candidates']): Counts =>
  new Map(list.map((c) => [c.id, { ef: c.evidence.ef, ep: c.evidence.ep }]));

/**
 * Raw rows, a filter, a 1:1 map (some rows from nowhere recorded), an aggregation (many parents
 * a row) joined with a lookup table (two pairs into one output, a left join), and a 1:1 score.
 */
async function randomPipeline(seed: number) {
  const rnd = prng(seed);
  const store = memoryStore();
  await store.putRuns([
    run('clean-1', 0, ['raw'], ['clean']),
    run('feat-1', 100, ['clean'], ['feat']),
    run('agg-1', 200, ['feat', 'table'], ['agg']),
    run('score-1', 300, ['agg'], ['scores']),
  ]);
  const n = 200 + Math.floor(rnd() * 600);
  const raw = Array.from({ length: n }, (_, i) => `r-${seed}-${i}`);
  const clean = raw.filter(() => rnd() < 0.8);
  await writeRowLineage(store, 'clean-1', [{ output: 'clean', input: 'raw', kind: 'keep', keys: clean }]);
  const feat = clean.map((k) => `f-${k}`);
  const featIn = clean.map((k) => (rnd() < 0.1 ? `nowhere-${k}` : k));
  await writeRowLineage(store, 'feat-1', [
    { output: 'feat', input: 'clean', kind: 'map', outputKeys: feat, inputKeys: featIn },
  ]);
  const groups = 20 + Math.floor(rnd() * 200);
  const agg = feat.map(() => `g-${Math.floor(rnd() * groups)}`);
  const joined = [...new Set(agg)].filter(() => rnd() < 0.7);
  await writeRowLineage(store, 'agg-1', [
    { output: 'agg', input: 'feat', kind: 'many', outputKeys: agg, inputKeys: feat },
    {
      output: 'agg',
      input: 'table',
      kind: 'many',
      outputKeys: joined,
      inputKeys: joined.map(() => `t-${Math.floor(rnd() * 10)}`),
    },
  ]);
  // A few scores come from aggregate rows nobody recorded.
  const scoreIn = [...new Set(agg), ...Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => `g-x${i}`)];
  const scores = scoreIn.map((k) => `s-${k}`);
  await writeRowLineage(store, 'score-1', [
    { output: 'scores', input: 'agg', kind: 'map', outputKeys: scores, inputKeys: scoreIn },
  ]);
  // Flagged in two calls that overlap, one of them naming a row twice.
  const share = 0.05 + rnd() * 0.3;
  const first = scores.filter(() => rnd() < share);
  const second = scores.filter(() => rnd() < share / 2);
  if (first.length > 0) await flagRows(store, 'scores', [...first, first[0] as string]);
  await flagRows(store, 'scores', [...second, ...first.slice(0, 3)]);
  return { store, scores, flagged: new Set([...first, ...second]) };
}

describe('row review against one trace per row', () => {
  it('counts every run and origin row as the traces do (random pipelines)', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { store, scores, flagged } = await randomPipeline(seed);
      if (flagged.size === 0) continue;
      const review = await reviewRows(store, { limit: 100_000 });
      expect(review.F).toBe(flagged.size);
      expect(review.P).toBe(scores.length - flagged.size);
      const expected = await byHand(store, 'scores', scores, flagged);
      expect(counted(review.candidates.filter((c) => c.kind === 'run'))).toEqual(expected.runs);
      expect(counted(review.rows)).toEqual(expected.rows);
    }
  });

  it('reads narrow chunks alike: a filter and a map past NARROW_MIN_ROWS rows, some rows from nowhere recorded', async () => {
    const store = memoryStore();
    await store.putRuns([run('keep-1', 0, ['raw'], ['kept']), run('map-1', 100, ['kept'], ['out'])]);
    const n = NARROW_MIN_ROWS + 5000;
    const raw = Array.from({ length: n }, (_, i) => `r-${i}`);
    // Every tenth raw row is filtered out, yet the map names it as an input: those rows start at the filter's output.
    const kept = raw.filter((_, i) => i % 10 !== 3);
    await writeRowLineage(store, 'keep-1', [{ output: 'kept', input: 'raw', kind: 'keep', keys: kept }]);
    const out = raw.map((_, i) => `o-${i}`);
    await writeRowLineage(store, 'map-1', [
      { output: 'out', input: 'kept', kind: 'map', outputKeys: out, inputKeys: raw },
    ]);
    const flaggedAt = Array.from({ length: 3000 }, (_, j) => (j * 7919) % n);
    await flagRows(
      store,
      'out',
      flaggedAt.map((i) => `o-${i}`),
    );
    await flagRows(
      store,
      'out',
      flaggedAt.slice(0, 100).map((i) => `o-${i}`),
    );
    const review = await reviewRows(store, { limit: 100_000 });
    const F = flaggedAt.length;
    expect(review.F).toBe(F);
    expect(review.P).toBe(n - F);
    const lost = (i: number) => i % 10 === 3;
    const reachesRaw = n - raw.filter((_, i) => lost(i)).length;
    const flaggedLost = flaggedAt.filter(lost).length;
    expect(counted(review.candidates.filter((c) => c.kind === 'run'))).toEqual(
      new Map([
        ['map-1', { ef: F, ep: n - F }],
        // Every row reaches the filter's run: the lost ones start at its output.
        ['keep-1', { ef: F, ep: n - F }],
      ]),
    );
    expect(reachesRaw).toBeGreaterThan(0);
    const expectedRows: Counts = new Map(
      flaggedAt.map((i) => [lost(i) ? `kept#${rowHash(`r-${i}`)}` : `raw#${rowHash(`r-${i}`)}`, { ef: 1, ep: 0 }]),
    );
    expect(counted(review.rows)).toEqual(expectedRows);
    expect(flaggedLost).toBeGreaterThan(0);
    // And one trace per flagged row (each through narrow chunks) agrees.
    for (const i of flaggedAt.slice(0, 50)) {
      const trace = await traceRow(store, 'out', `o-${i}`);
      const origin = trace.origins[0];
      expect(origin?.pointer).toBe(lost(i) ? 'kept' : 'raw');
      expect(origin?.rows[0]?.hash).toBe(rowHash(`r-${i}`));
    }
  });
});

/** The same store without the pair summaries (as written before they existed). */
async function withoutSummaries(store: Store, runIds: string[]): Promise<void> {
  for (const id of runIds) {
    const [data] = await store.getBlobs([manifestKey(id)]);
    const m = decodeManifest(data, id);
    if (m === undefined) continue;
    for (const p of m.pairs) delete p.s;
    await store.putBlobs([{ key: manifestKey(id), data: encodeManifest(m) }]);
  }
}

type ChainBreak = 'none' | 'stray-input' | 'repeated-output' | 'extra-input';

/**
 * Raw rows, a filter or a map from raw rows (several outputs from one raw row), then 1-3 1:1
 * maps in shuffled order, optionally with original keys; `broken` makes it no chain. With `extra`
 * the last run also writes a report (no row lineage) and a copy of its input (a pass pair).
 */
async function randomChain(seed: number, broken: ChainBreak, strip: boolean, extra = false) {
  const rnd = prng(seed);
  const store = memoryStore();
  const maps = 1 + Math.floor(rnd() * 3);
  const ids = ['first-1', ...Array.from({ length: maps }, (_, k) => `map${k}-1`)];
  const pointers = ['a', ...Array.from({ length: maps }, (_, k) => (k === maps - 1 ? 'out' : `m${k}`))];
  await store.putRuns(
    ids.map((id, k) =>
      run(
        id,
        100 * k,
        k === 0
          ? ['raw']
          : broken === 'extra-input' && k === 1
            ? [pointers[0] as string, 'model']
            : [pointers[k - 1] as string],
        k === maps && extra ? [pointers[k] as string, 'out-report', 'out-copy'] : [pointers[k] as string],
      ),
    ),
  );
  if (broken === 'extra-input') await store.putRuns([run('model-1', -50, [], ['model'])]);
  const keepKeys = rnd() < 0.3;
  const n = 100 + Math.floor(rnd() * 400);
  const raw = Array.from({ length: n }, (_, i) => `r-${seed}-${i}`);
  let keys: string[];
  if (rnd() < 0.5) {
    keys = raw.filter(() => rnd() < 0.8);
    await writeRowLineage(store, 'first-1', [{ output: 'a', input: 'raw', kind: 'keep', keys }], { keepKeys });
  } else {
    keys = raw.map((k) => `a-${k}`);
    const from = keys.map(() => raw[Math.floor(rnd() * raw.length)] as string);
    await writeRowLineage(
      store,
      'first-1',
      [{ output: 'a', input: 'raw', kind: 'map', outputKeys: keys, inputKeys: from }],
      { keepKeys },
    );
  }
  for (let k = 1; k <= maps; k++) {
    const inputs = [...keys];
    for (let i = inputs.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [inputs[i], inputs[j]] = [inputs[j] as string, inputs[i] as string];
    }
    const outputs = inputs.map((key) => `${pointers[k]}-${key}`);
    if (k === 1 && broken === 'stray-input') inputs[0] = 'nowhere';
    if (k === maps && broken === 'repeated-output') outputs[1] = outputs[0] as string;
    await writeRowLineage(
      store,
      ids[k] as string,
      [
        {
          output: pointers[k] as string,
          input: pointers[k - 1] as string,
          kind: 'map',
          outputKeys: outputs,
          inputKeys: inputs,
        },
        ...(k === maps && extra
          ? [{ output: 'out-copy', input: pointers[k - 1] as string, kind: 'pass' as const }]
          : []),
      ],
      { keepKeys },
    );
    keys = outputs;
  }
  const population = [...new Set(keys)];
  const flagged = population.filter(() => rnd() < 0.1 + rnd() * 0.2);
  // One flagged key no run wrote.
  await flagRows(store, 'out', [...flagged, 'never-written']);
  if (strip) await withoutSummaries(store, ids);
  return { store, population, flagged: new Set(flagged) };
}

describe('row review of a chain of pairs (only the flagged rows traced)', () => {
  it('takes the chain path and counts as one trace per row does, and as the full walk of a store without summaries', async () => {
    let chains = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const { store, population, flagged } = await randomChain(seed, 'none', false);
      if (flagged.size === 0) continue;
      const fresh = await flaggedRows(store, 'out');
      const probe = await chainReview(store, ['out'], new Map([['out', fresh]]), []);
      expect(probe).toBeDefined();
      chains++;
      const review = await reviewRows(store, { limit: 100_000 });
      expect(review.F).toBe(flagged.size);
      expect(review.P).toBe(population.length - flagged.size);
      expect(review.notes).toEqual(['out: 1 flagged rows are not among the rows its run recorded']);
      const expected = await byHand(store, 'out', population, flagged);
      expect(counted(review.candidates.filter((c) => c.kind === 'run'))).toEqual(expected.runs);
      expect(counted(review.rows)).toEqual(expected.rows);
      // A store written before pair summaries: the full walk, the same review.
      const old = await randomChain(seed, 'none', true);
      const oldFlags = await flaggedRows(old.store, 'out');
      expect(await chainReview(old.store, ['out'], new Map([['out', oldFlags]]), [])).toBeUndefined();
      expect(await reviewRows(old.store, { limit: 100_000 })).toEqual(review);
    }
    expect(chains).toBeGreaterThan(8);
  });

  it('takes the chain path when the other outputs of the population bring no rows (a report, a pass-through copy)', async () => {
    let chains = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const { store, population, flagged } = await randomChain(seed, 'none', false, true);
      if (flagged.size === 0) continue;
      const fresh = await flaggedRows(store, 'out');
      const all = ['out', 'out-copy', 'out-report'];
      expect(await chainReview(store, all, new Map([['out', fresh]]), [])).toBeDefined();
      chains++;
      const review = await reviewRows(store, { limit: 100_000 });
      expect(review.outputs).toEqual(['out']);
      expect(review.P).toBe(population.length - flagged.size);
      const expected = await byHand(store, 'out', population, flagged);
      expect(counted(review.candidates.filter((c) => c.kind === 'run'))).toEqual(expected.runs);
      expect(counted(review.rows)).toEqual(expected.rows);
      const old = await randomChain(seed, 'none', true, true);
      expect(await reviewRows(old.store, { limit: 100_000 })).toEqual(review);
      // An output that brings rows of its own, or a second flagged one, is no chain's.
      expect(await chainReview(store, [...all, 'a'], new Map([['out', fresh]]), [])).toBeUndefined();
      const twice = new Map([
        ['out', fresh],
        ['out-report', fresh],
      ]);
      expect(await chainReview(store, all, twice, [])).toBeUndefined();
    }
    expect(chains).toBeGreaterThan(5);
  });

  it('walks every row where the lineage is no chain: a stray input, a repeated output, an input without row lineage', async () => {
    for (const broken of ['stray-input', 'repeated-output', 'extra-input'] as const) {
      for (let seed = 1; seed <= 4; seed++) {
        const { store, population, flagged } = await randomChain(seed, broken, false);
        if (flagged.size === 0) continue;
        const fresh = await flaggedRows(store, 'out');
        expect(await chainReview(store, ['out'], new Map([['out', fresh]]), [])).toBeUndefined();
        const review = await reviewRows(store, { limit: 100_000 });
        const expected = await byHand(store, 'out', population, flagged);
        expect(counted(review.candidates.filter((c) => c.kind === 'run'))).toEqual(expected.runs);
        expect(counted(review.rows)).toEqual(expected.rows);
      }
    }
  });

  it('summarises narrow chunks as wide ones: a filter and a map past NARROW_MIN_ROWS rows review as the full walk does', async () => {
    const build = async (strip: boolean) => {
      const store = memoryStore();
      await store.putRuns([run('keep-1', 0, ['raw'], ['kept']), run('map-1', 100, ['kept'], ['out'])]);
      const n = NARROW_MIN_ROWS + 5000;
      const kept = Array.from({ length: n }, (_, i) => `r-${i}`);
      await writeRowLineage(store, 'keep-1', [{ output: 'kept', input: 'raw', kind: 'keep', keys: kept }]);
      await writeRowLineage(store, 'map-1', [
        { output: 'out', input: 'kept', kind: 'map', outputKeys: kept.map((k) => `o-${k}`), inputKeys: kept },
      ]);
      await flagRows(
        store,
        'out',
        Array.from({ length: 2000 }, (_, j) => `o-r-${(j * 7919) % n}`),
      );
      if (strip) await withoutSummaries(store, ['keep-1', 'map-1']);
      return store;
    };
    const store = await build(false);
    const flags = await flaggedRows(store, 'out');
    expect(await chainReview(store, ['out'], new Map([['out', flags]]), [])).toBeDefined();
    const review = await reviewRows(store, { limit: 100_000 });
    expect(review.F).toBe(2000);
    expect(review.rows).toHaveLength(2000);
    expect(await reviewRows(await build(true), { limit: 100_000 })).toEqual(review);
  });
});
