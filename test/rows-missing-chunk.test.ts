/**
 * A chunk the manifest counts but the store lacks is an error, never a shorter answer: `storage`
 * when the store lost it, `conflict` when the run's lineage was rewritten (which drops the
 * replaced chunks) after the reader read the manifest. Before, such a chunk was skipped and a
 * trace found fewer origins without a word.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { loadChunks, readRowManifest } from '../src/rows/chunk-cache.js';
import { chunkKeysOf, type PairManifest } from '../src/rows/format/codec.js';
import { rowHash } from '../src/rows/format/keys.js';
import { impact, traceRow, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { pairRun } from './helpers.js';

const N = 3_000;
const outs = Array.from({ length: N }, (_, i) => `out-${i}`);

async function written(tag: string): Promise<Store> {
  const store = memoryStore();
  await store.putRuns([pairRun('r')]);
  await write(store, tag);
  return store;
}

const write = (store: Store, tag: string) =>
  writeRowLineage(store, 'r', [
    { output: 'data/out', input: 'data/in', kind: 'map', outputKeys: outs, inputKeys: outs.map((k) => `${tag}-${k}`) },
  ]);

async function pairOf(store: Store): Promise<PairManifest> {
  const manifest = await readRowManifest(store, 'r');
  const pair = manifest?.pairs[0];
  if (pair === undefined) throw new Error('no pair written');
  return pair;
}

/** A reader with no chunk cached (the chunk cache is per store object). */
const fresh = (store: Store): Store => Object.create(store);

describe('a chunk the manifest counts but the store lacks', () => {
  it('fails a trace with a storage error naming the chunk, instead of tracing to nothing', async () => {
    const store = await written('in');
    expect((await traceRow(fresh(store), 'data/out', 'out-5', { run: 'r' })).origins).toHaveLength(1);
    const keys = chunkKeysOf('r', await pairOf(store));
    expect(keys.length).toBeGreaterThan(0);
    await store.deleteBlobs?.(keys);
    const error = await traceRow(fresh(store), 'data/out', 'out-5', { run: 'r' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'storage' });
    expect(keys).toContain((error as { details: { key: string } }).details.key);
  });

  it('fails a forward walk (impact) the same way', async () => {
    const store = await written('in');
    // A run before r wrote data/in (keeping the raw rows), so a walk can start there.
    await store.putRuns([{ ...pairRun('r0'), startedAt: 0, endedAt: 1, inputs: ['data/raw'], outputs: ['data/in'] }]);
    const ins = outs.map((k) => `in-${k}`);
    await writeRowLineage(store, 'r0', [{ output: 'data/in', input: 'data/raw', kind: 'keep', keys: ins }]);
    const reached = await impact(fresh(store), 'data/in', 'in-out-5');
    expect(reached.steps[0]?.links[0]?.rows.map((row) => row.hash)).toEqual([rowHash('out-5')]);
    await store.deleteBlobs?.(chunkKeysOf('r', await pairOf(store)));
    await expect(impact(fresh(store), 'data/in', 'in-out-5')).rejects.toMatchObject({ code: 'storage' });
  });

  it('is a conflict (ask again) when the lineage was rewritten after the manifest was read', async () => {
    const store = await written('old');
    const old = await pairOf(store);
    // The run's lineage is written again: the new manifest names new chunks, the old ones go.
    await write(store, 'new');
    const all = old.counts.map((_, c) => c);
    await expect(loadChunks(fresh(store), 'r', old, all)).rejects.toMatchObject({ code: 'conflict' });
    // Asked again, through the current manifest: the new lineage, whole.
    const again = await loadChunks(fresh(store), 'r', await pairOf(store), all);
    expect(again.reduce((n, c) => n + c.count, 0)).toBe(N);
    const origin = (await traceRow(fresh(store), 'data/out', 'out-5', { run: 'r' })).origins[0];
    expect(origin?.rows[0]?.hash).toBe(rowHash('new-out-5'));
  });
});
