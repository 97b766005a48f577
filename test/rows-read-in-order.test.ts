/**
 * A bulk lookup over a pair too big for the chunk cache reads its chunks through the store's
 * readBlobs (memory the store reuses, nothing cached) where the store has it: the same matches
 * in the same order as through the cache, chunks already cached used as they are, and a chunk
 * the store lacks still an error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { chunkCacheStats, readRowManifest, setChunkCacheLimit } from '../src/rows/chunk-cache.js';
import { chunkKeysOf, type PairManifest } from '../src/rows/format/codec.js';
import { hashKeys } from '../src/rows/format/keys.js';
import { flagRows, reviewRows, traceRow, writeRowLineage } from '../src/rows/index.js';
import { lookupPair } from '../src/rows/lookup.js';
import type { Store } from '../src/store.js';
import { pairRun } from './helpers.js';

// 8 chunks of about 5,000 rows (wide); 300,000 rows are 64 narrow chunks.
const N = 40_000;
const NARROW = 300_000;
const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `out-${i}`);
// Every third output row came from the same input row as the one before: repeated input hashes.
const inputsOf = (outputs: string[]) => outputs.map((_, i) => `in-${i - (i % 3 === 2 ? 1 : 0)}`);
const outs = keysOf(N);
const ins = inputsOf(outs);

interface Counted extends Store {
  counted: { readBlobs: number; getBlobs: number };
}

/** A reader of `store` with its own (empty) chunk cache, counting how it reads blobs; readBlobs optional. */
function reader(store: Store, withReadBlobs: boolean): Counted {
  const reads = { readBlobs: 0, getBlobs: 0 };
  const r = Object.create(store) as Counted;
  r.counted = reads;
  r.getBlobs = (keys) => {
    reads.getBlobs += keys.length;
    return store.getBlobs(keys);
  };
  r.readBlobs = withReadBlobs
    ? (keys) => {
        reads.readBlobs += keys.length;
        return (store.readBlobs as NonNullable<Store['readBlobs']>)(keys);
      }
    : undefined;
  return r;
}

async function written(
  outputKeys = outs,
  inputKeys = ins,
  store: Store = memoryStore(),
): Promise<{ store: Store; pair: PairManifest }> {
  await store.putRuns([pairRun('r')]);
  await writeRowLineage(store, 'r', [{ output: 'data/out', input: 'data/in', kind: 'map', outputKeys, inputKeys }]);
  const pair = (await readRowManifest(store, 'r'))?.pairs[0];
  if (pair === undefined) throw new Error('no pair');
  return { store, pair };
}

const plain = (m: { count: number; query: Int32Array; hash: Uint32Array }) => ({
  count: m.count,
  query: Array.from(m.query),
  hash: Array.from(m.hash),
});

const root = mkdtempSync(join(tmpdir(), 'pipetrace-rows-read-in-order-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let oldLimit = 0;
beforeEach(() => {
  // 40,000 rows at 16 bytes are more than a quarter of 400 KB: the pair outgrows the cache (a chunk fits).
  oldLimit = setChunkCacheLimit(400_000);
});
afterEach(() => {
  setChunkCacheLimit(oldLimit);
});

describe('bulk lookups over a pair bigger than the chunk cache', () => {
  it.each([
    ['wide', N],
    ['narrow', NARROW],
  ])('read through readBlobs, cache nothing, and match exactly as through the cache (%s chunks)', async (_, n) => {
    const outputs = keysOf(n);
    const inputs = inputsOf(outputs);
    const { store, pair } = await written(outputs, inputs);
    expect(pair.counts.length).toBe(n === N ? 8 : 64);
    // Backward from 2,500 output rows (and 100 that are no rows); forward from 30% of the input
    // rows (fewer would probe an input order built in the cache instead of scanning every chunk).
    const back = hashKeys([
      ...outputs.slice(0, 2_500).reverse(),
      ...Array.from({ length: 100 }, (_, i) => `none-${i}`),
    ]);
    const from = inputs.slice(1_000, 1_000 + 0.3 * n);
    const forward = hashKeys(from);
    const lent = reader(store, true);
    const viaLent = {
      back: plain(await lookupPair(lent, 'r', pair, back, 'backward', { misses: true })),
      forward: plain(await lookupPair(lent, 'r', pair, forward, 'forward')),
    };
    expect(lent.counted.readBlobs).toBe(2 * pair.counts.filter((c) => c > 0).length);
    expect(lent.counted.getBlobs).toBe(0);
    expect(chunkCacheStats(lent).entries).toBe(0);

    const cached = reader(store, false);
    const viaCache = {
      back: plain(await lookupPair(cached, 'r', pair, back, 'backward', { misses: true })),
      forward: plain(await lookupPair(cached, 'r', pair, forward, 'forward')),
    };
    expect(cached.counted.getBlobs).toBeGreaterThan(0);
    expect(viaLent).toEqual(viaCache);
    expect(viaLent.back.count).toBe(2_500);
    // Two output rows (an even and the odd one after it) share each repeated input row.
    const outputsOf = new Map<string, number>();
    for (const k of inputs) outputsOf.set(k, (outputsOf.get(k) ?? 0) + 1);
    expect(viaLent.forward.count).toBe(from.reduce((sum, k) => sum + (outputsOf.get(k) ?? 0), 0));

    // With the cache big enough again, the same answers through it.
    setChunkCacheLimit(oldLimit);
    const big = reader(store, true);
    expect(plain(await lookupPair(big, 'r', pair, back, 'backward', { misses: true }))).toEqual(viaCache.back);
    expect(big.counted.readBlobs).toBe(0);
    expect(chunkCacheStats(big).entries).toBeGreaterThan(0);
  });

  it('scan every chunk for a few rows forward (no input order built from all of them), with the same matches', async () => {
    const { store, pair } = await written(keysOf(NARROW), inputsOf(keysOf(NARROW)));
    // in-4 reached output rows 4 and 5 (asked twice), in-0 row 0, in-299998 rows 299998 and 299999.
    const few = hashKeys(['in-4', 'in-0', 'nothing', 'in-299998', 'in-4']);
    const lent = reader(store, true);
    const viaLent = plain(await lookupPair(lent, 'r', pair, few, 'forward'));
    expect(lent.counted.readBlobs).toBe(pair.counts.filter((c) => c > 0).length);
    expect(chunkCacheStats(lent).entries).toBe(0);
    const probed = reader(store, false);
    expect(plain(await lookupPair(probed, 'r', pair, few, 'forward'))).toEqual(viaLent);
    // The probe path cached every chunk (a limit of 400 KB keeps a few).
    expect(chunkCacheStats(probed).entries).toBeGreaterThan(0);
    expect(viaLent.count).toBe(7);
  });

  it('use the chunks already cached and read only the others', async () => {
    const { store, pair } = await written();
    const lent = reader(store, true);
    // A trace caches the chunk of out-7 (small lookups always go through the cache).
    await traceRow(lent, 'data/out', 'out-7', { run: 'r' });
    expect(chunkCacheStats(lent).entries).toBe(1);
    const all = hashKeys(outs);
    const m = plain(await lookupPair(lent, 'r', pair, all, 'backward'));
    expect(lent.counted.readBlobs).toBe(pair.counts.filter((c) => c > 0).length - 1);
    expect(m).toEqual(plain(await lookupPair(reader(store, false), 'r', pair, all, 'backward')));
  });

  it('fail on a chunk the store lacks (storage), or one a rewrite replaced (conflict)', async () => {
    const { store, pair } = await written();
    const all = hashKeys(outs);
    const keys = chunkKeysOf('r', pair);
    await store.deleteBlobs?.([keys[keys.length - 1] as string]);
    const lost = await lookupPair(reader(store, true), 'r', pair, all, 'backward').catch((e: unknown) => e);
    expect(lost).toMatchObject({ code: 'storage', details: { key: keys[keys.length - 1] } });
    await writeRowLineage(store, 'r', [
      { output: 'data/out', input: 'data/in', kind: 'map', outputKeys: outs, inputKeys: outs },
    ]);
    await expect(lookupPair(reader(store, true), 'r', pair, all, 'backward')).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it.each([
    ['memory', async () => memoryStore()],
    ['fs-json', async () => fsJsonStore({ dir: mkdtempSync(join(root, 'store-')) })],
  ])('give the same row review as through the cache (%s)', async (_, open) => {
    const { store } = await written(outs, ins, await open());
    await flagRows(
      store,
      'data/out',
      outs.filter((_, i) => i % 7 === 0),
    );
    const lent = reader(store, true);
    const viaLent = await reviewRows(lent);
    expect(lent.counted.readBlobs).toBeGreaterThan(0);
    expect(viaLent.F).toBe(Math.ceil(N / 7));
    expect(viaLent).toEqual(await reviewRows(reader(store, false)));
    await store.close();
  });
});
