/**
 * A row review's walk moves tens of millions of (row, label) pairs through every stage. Fresh
 * large arrays cost a page fault per 4 KB on first touch: a lookup given its query arrays to
 * spend (`consume`) hands them back to the pool once grouped, so the matches reuse them, and a
 * small scratch array never takes a big free buffer the matches are about to need.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { readRowManifest } from '../src/rows/chunk-cache.js';
import { hashKeys } from '../src/rows/format/keys.js';
import { writeRowLineage } from '../src/rows/index.js';
import { lookupPair } from '../src/rows/lookup.js';
import { BufferPool } from '../src/rows/pool.js';
import { pairRun } from './helpers.js';

describe('buffers a row walk reuses', () => {
  it('a pool hands out a free buffer only up to twice the size asked', () => {
    const pool = new BufferPool();
    const big = pool.u32(1000);
    const small = pool.u32(100);
    pool.release(big);
    pool.release(small);
    expect(pool.u32(300).buffer).not.toBe(big.buffer);
    expect(pool.u32(600).buffer).toBe(big.buffer);
    expect(pool.u32(60).buffer).toBe(small.buffer);
    // Arrays it did not make are never taken in.
    const foreign = new Uint32Array(5000);
    pool.release(foreign);
    expect(pool.u32(4000).buffer).not.toBe(foreign.buffer);
  });

  it('a bulk lookup given its queries to spend answers the same, in the buffers the queries had', async () => {
    const store = memoryStore();
    await store.putRuns([pairRun('r')]);
    const n = 30_000;
    const outs = Array.from({ length: n }, (_, i) => `out-${i}`);
    const ins = outs.map((_, i) => `in-${i}`);
    await writeRowLineage(store, 'r', [
      { output: 'data/out', input: 'data/in', kind: 'map', outputKeys: outs, inputKeys: ins },
    ]);
    const pair = (await readRowManifest(store, 'r'))?.pairs[0];
    if (pair === undefined) throw new Error('no pair');
    const queries = () => {
      const pool = new BufferPool();
      const hashes = hashKeys(
        outs.filter((_, i) => i % 2 === 0),
        pool.u32(n),
      );
      const tags = pool.i32(n / 2);
      for (let i = 0; i < tags.length; i++) tags[i] = 7 * i;
      return { pool, hashes, tags };
    };
    const kept = queries();
    const plain = await lookupPair(store, 'r', pair, kept.hashes, 'backward', { tags: kept.tags, pool: kept.pool });
    const spent = queries();
    const reused = await lookupPair(store, 'r', pair, spent.hashes, 'backward', {
      tags: spent.tags,
      pool: spent.pool,
      consume: true,
    });
    expect(reused.count).toBe(n / 2);
    expect([...reused.query]).toEqual([...plain.query]);
    expect([...reused.hash]).toEqual([...plain.hash]);
    // The matches live in the queries' own buffers: no fresh memory for them.
    expect(reused.query.buffer).toBe(spent.tags.buffer);
    expect(reused.hash.buffer).toBe(spent.hashes.buffer);
    expect(plain.query.buffer).not.toBe(kept.tags.buffer);
  });
});
