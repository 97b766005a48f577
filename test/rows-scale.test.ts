/**
 * The paths row lineage takes at 100M mappings, at a size a test can hold: pairs capped in
 * chunks, bulk lookups that read a window of chunks at a time under a bounded chunk cache,
 * the population's repeat check, and a trace step that reads ahead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import { chunkCacheStats, setChunkCacheLimit } from '../src/rows/chunk-cache.js';
import { type Chunk, decodeChunk, partitionChunks } from '../src/rows/format/chunk.js';
import type { PairManifest } from '../src/rows/format/codec.js';
import { flagRows, type RowReview, reviewRows, traceRow, writeRowLineage } from '../src/rows/index.js';
import { setLookupWindow } from '../src/rows/lookup.js';
import { hasRepeats } from '../src/rows/population.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';
import { prng } from './review-scenario.js';

const T = 1_700_000_000_000;
const run = (id: string, at: number, inputs: string[], outputs: string[]): Run =>
  sampleRun({ id, component: id.split('-')[0] as string, startedAt: T + at, endedAt: T + at + 10, inputs, outputs });

/**
 * Four stages over random data: a filter, a 1:1 map with some rows of no recorded origin, an
 * aggregation (output keys repeat) and a 1:1 scoring step; a random share of the scores flagged.
 */
async function randomPipeline(seed: number): Promise<Store> {
  const rnd = prng(seed);
  const store = memoryStore();
  await store.putRuns([
    run('clean-1', 0, ['raw'], ['clean']),
    run('feat-1', 100, ['clean'], ['feat']),
    run('agg-1', 200, ['feat'], ['agg']),
    run('score-1', 300, ['agg'], ['scores']),
  ]);
  const n = 3000 + Math.floor(rnd() * 3000);
  const raw = Array.from({ length: n }, (_, i) => `r-${seed}-${i}`);
  const clean = raw.filter(() => rnd() < 0.8);
  await writeRowLineage(store, 'clean-1', [{ output: 'clean', input: 'raw', kind: 'keep', keys: clean }]);
  const feat = clean.map((k) => `f-${k}`);
  const featIn = clean.map((k) => (rnd() < 0.05 ? `nowhere-${k}` : k));
  await writeRowLineage(store, 'feat-1', [
    { output: 'feat', input: 'clean', kind: 'map', outputKeys: feat, inputKeys: featIn },
  ]);
  const groups = 200 + Math.floor(rnd() * 800);
  const agg = feat.map(() => `g-${Math.floor(rnd() * groups)}`);
  await writeRowLineage(store, 'agg-1', [
    { output: 'agg', input: 'feat', kind: 'many', outputKeys: agg, inputKeys: feat },
  ]);
  const aggKeys = [...new Set(agg)];
  const scores = aggKeys.map((k) => `s-${k}`);
  await writeRowLineage(store, 'score-1', [
    { output: 'scores', input: 'agg', kind: 'map', outputKeys: scores, inputKeys: aggKeys },
  ]);
  const share = 0.02 + rnd() * 0.2;
  await flagRows(
    store,
    'scores',
    scores.filter(() => rnd() < share),
  );
  return store;
}

const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

describe('row lineage at scale, scaled down', () => {
  it('reviews alike whatever the lookup window and however small the chunk cache (random pipelines)', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const whole = await reviewRows(await randomPipeline(seed), { limit: 100_000 });
      expect(whole.F).toBeGreaterThan(0);
      // One chunk a window, and a cache of 64 KB: chunks are read, joined and dropped in turn.
      const oldWindow = setLookupWindow(1);
      restore.push(() => setLookupWindow(oldWindow));
      const oldLimit = setChunkCacheLimit(64 * 1024);
      restore.push(() => setChunkCacheLimit(oldLimit));
      const store = await randomPipeline(seed);
      const windowed: RowReview = await reviewRows(store, { limit: 100_000 });
      expect(chunkCacheStats(store).bytes).toBeLessThanOrEqual(64 * 1024);
      for (const undo of restore.splice(0)) undo();
      expect(windowed).toEqual(whole);
    }
  });

  it('keeps the chunk cache within its bound while traces read chunk after chunk', async () => {
    const oldLimit = setChunkCacheLimit(32 * 1024);
    restore.push(() => setChunkCacheLimit(oldLimit));
    const store = memoryStore();
    await store.putRuns([run('map-1', 0, ['in'], ['out'])]);
    const n = 100_000;
    const outs = Array.from({ length: n }, (_, i) => `o-${i}`);
    const ins = Array.from({ length: n }, (_, i) => `i-${i}`);
    await writeRowLineage(store, 'map-1', [
      { output: 'out', input: 'in', kind: 'map', outputKeys: outs, inputKeys: ins },
    ]);
    for (let i = 0; i < 300; i++) {
      const k = (i * 7919) % n;
      const trace = await traceRow(store, 'out', `o-${k}`);
      expect(trace.origins[0]?.rows[0]?.hash).toBe(trace.steps[0]?.links[0]?.rows[0]?.hash);
      expect(chunkCacheStats(store).bytes).toBeLessThanOrEqual(32 * 1024);
    }
  });

  it('caps a pair at 2^maxBits chunks, each holding exactly its share of the entries', () => {
    const rnd = prng(7);
    // Wide chunks with inputs, and narrow ones (6 bits and more) of kept rows.
    for (const [n, maxBits, edges] of [
      [40_000, 2, true],
      [600_000, 6, false],
    ] as const) {
      const out = new Uint32Array(2 * n);
      const inp = new Uint32Array(2 * n);
      for (let i = 0; i < 2 * n; i++) {
        out[i] = Math.floor(rnd() * 2 ** 32);
        inp[i] = Math.floor(rnd() * 2 ** 32);
      }
      const part = edges ? partitionChunks({ out, inp }, true, maxBits) : partitionChunks({ out }, false, maxBits);
      expect(part.bits).toBe(maxBits);
      const pair: PairManifest = {
        id: 0,
        output: 'o',
        input: 'i',
        kind: edges ? 'map' : 'keep',
        rows: n,
        bits: part.bits,
        counts: part.counts,
        keys: false,
        w: part.w,
      };
      // Every (output, input) entry comes back once, in the chunk its top bits name.
      const entries = (o: Uint32Array, i: Uint32Array | undefined, at: number, count: number, into: BigUint64Array) => {
        for (let j = 0; j < count; j++) {
          const hash = (BigInt(o[2 * j] as number) << 32n) | BigInt(o[2 * j + 1] as number);
          into[at + j] =
            i === undefined ? hash : hash ^ (BigInt(i[2 * j] as number) * 31n + BigInt(i[2 * j + 1] as number));
        }
      };
      const want = new BigUint64Array(n);
      entries(out, edges ? inp : undefined, 0, n, want);
      const got = new BigUint64Array(n);
      let at = 0;
      let misplaced = 0;
      for (const { index, data } of part.chunks) {
        const chunk = decodeChunk(data, `c${index}`, pair, index);
        expect(chunk.count).toBe(part.counts[index]);
        for (let j = 0; j < chunk.count; j++)
          if ((chunk.out[2 * j] as number) >>> (32 - maxBits) !== index) misplaced++;
        entries(chunk.out, chunk.inp, at, chunk.count, got);
        at += chunk.count;
      }
      expect(at).toBe(n);
      expect(misplaced).toBe(0);
      want.sort();
      got.sort();
      let differ = 0;
      for (let j = 0; j < n; j++) if (got[j] !== want[j]) differ++;
      expect(differ).toBe(0);
    }
  });

  it('finds repeated output hashes in a chunk exactly when there are some', () => {
    const rnd = prng(11);
    for (let t = 0; t < 200; t++) {
      const count = 1 + Math.floor(rnd() * 3000);
      const out = new Uint32Array(2 * count);
      // Few distinct high words: hashes collide in their slots, and repeats are whole hashes.
      for (let j = 0; j < count; j++) {
        out[2 * j] = Math.floor(rnd() * 4);
        out[2 * j + 1] = Math.floor(rnd() * 2 ** 32);
      }
      if (rnd() < 0.5 && count > 1) {
        const a = Math.floor(rnd() * count);
        const b = Math.floor(rnd() * count);
        out[2 * b] = out[2 * a] as number;
        out[2 * b + 1] = out[2 * a + 1] as number;
      }
      const brute = new Set<string>();
      for (let j = 0; j < count; j++) brute.add(`${out[2 * j]}:${out[2 * j + 1]}`);
      const chunk = { count, out } as Chunk;
      expect(hasRepeats(chunk)).toBe(brute.size < count);
    }
  });

  it('follows a pair whose input the run does not list, reading manifests ahead', async () => {
    const store = memoryStore();
    // side-1 writes "side"; use-1 lists only "main" but recorded lineage from "side" too.
    await store.putRuns([run('side-1', 0, [], ['side']), run('use-1', 100, ['main'], ['out'])]);
    await writeRowLineage(store, 'side-1', [
      { output: 'side', input: 'seed', kind: 'map', outputKeys: ['s1'], inputKeys: ['z1'] },
    ]);
    await writeRowLineage(store, 'use-1', [
      { output: 'out', input: 'side', kind: 'map', outputKeys: ['o1'], inputKeys: ['s1'] },
    ]);
    const trace = await traceRow(store, 'out', 'o1');
    expect(trace.steps.map((s) => s.run.id)).toEqual(['use-1', 'side-1']);
    expect(trace.origins.map((o) => o.pointer)).toEqual(['seed']);
  });
});
