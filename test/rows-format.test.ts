import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import type { Run } from '../src/model.js';
import { chunkCacheStats, loadChunks, setChunkCacheLimit } from '../src/rows/chunk-cache.js';
import { CHUNK_FORMAT, NARROW_MIN_ROWS } from '../src/rows/format/chunk.js';
import {
  chunkKey,
  encodeBlob,
  encodeManifest,
  manifestKey,
  type PairManifest,
  pairChunkKey,
  type RunRowsManifest,
} from '../src/rows/format/codec.js';
import { HASH_VERSION } from '../src/rows/format/keys.js';
import {
  hashKeys,
  impact,
  RowRecorder,
  readRowManifest,
  rowHash,
  traceRow,
  writeRowLineage,
} from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const T = 1_700_000_000_000;
const run = (id: string, at: number, inputs: string[], outputs: string[]): Run =>
  sampleRun({ id, component: id.split('-')[0] as string, startedAt: T + at, endedAt: T + at + 10, inputs, outputs });

/** The key of chunk 0 of run `runId`'s first pair, as its manifest names it. */
async function firstChunkKey(store: Store, runId: string): Promise<string> {
  const pair = (await readRowManifest(store, runId))?.pairs[0];
  if (pair === undefined) throw new Error(`no pair in run ${runId}`);
  return pairChunkKey(runId, pair, 0);
}

/** A second view of the same store: its own chunk cache, so blobs are read again. */
const view = (store: Store): Store => Object.create(store) as Store;

// A real collection, to see what the chunk cache lets go.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Run r-1's 1:1 map of 40,000 rows (o-i from o-i), in several chunks. */
async function chunkedMap(): Promise<{ store: Store; n: number }> {
  const store = memoryStore();
  await store.putRuns([run('r-1', 0, ['i'], ['o'])]);
  const n = 40_000;
  const outs = Array.from({ length: n }, (_, i) => `o-${i}`);
  await writeRowLineage(store, 'r-1', [{ output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: outs }]);
  return { store, n };
}

const defaultLimit = setChunkCacheLimit(256 * 1024 * 1024);
afterEach(() => {
  setChunkCacheLimit(defaultLimit);
});

describe('row lineage chunk format', () => {
  it('stores a large 1:1 map in 14 bytes a mapping and a large filter in 6 bytes a row, plus offsets', async () => {
    const store = memoryStore();
    const n = 2 * NARROW_MIN_ROWS - 1000;
    const outs = Array.from({ length: n }, (_, i) => `o-${i}`);
    const ins = Array.from({ length: n }, (_, i) => `i-${i}`);
    const map = await writeRowLineage(store, 'm', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: ins },
    ]);
    const keep = await writeRowLineage(store, 'k', [{ output: 'o', input: 'i', kind: 'keep', keys: ins }]);
    expect(map.bytes / n).toBeGreaterThan(14);
    expect(map.bytes / n).toBeLessThan(14.3);
    expect(keep.bytes / n).toBeGreaterThan(6);
    expect(keep.bytes / n).toBeLessThan(6.3);
  });

  it('traces and follows forward every sampled row of a narrow chunk exactly', async () => {
    const store = memoryStore();
    const n = NARROW_MIN_ROWS + 5000;
    await store.putRuns([run('clean-1', 0, ['raw'], ['clean']), run('feat-1', 100, ['clean'], ['features'])]);
    const raw = Array.from({ length: n }, (_, i) => i * 7);
    await writeRowLineage(store, 'clean-1', [{ output: 'clean', input: 'raw', kind: 'keep', keys: raw }]);
    await writeRowLineage(store, 'feat-1', [
      { output: 'features', input: 'clean', kind: 'map', outputKeys: raw.map((k) => `f-${k}`), inputKeys: raw },
    ]);
    for (const i of [0, 1, 4095, 65_536, n - 1]) {
      const trace = await traceRow(store, 'features', `f-${raw[i]}`);
      expect(trace.origins).toEqual([{ pointer: 'raw', rows: [{ hash: rowHash(raw[i] as number) }], rowCount: 1 }]);
      const forward = await impact(store, 'raw', raw[i] as number);
      expect(forward.steps.at(-1)?.links[0]?.rows).toEqual([{ hash: rowHash(`f-${raw[i]}`) }]);
    }
    // A key the writer never recorded is not found, never an origin row.
    await expect(traceRow(store, 'features', 'f-not-there')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes the format version and a content digest shared by the manifest and its chunks', async () => {
    const store = memoryStore();
    await writeRowLineage(store, 'r', [{ output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['b'] }]);
    const pair = (await readRowManifest(store, 'r'))?.pairs[0];
    const [data] = await store.getBlobs([await firstChunkKey(store, 'r')]);
    const headLength = new DataView((data as Uint8Array).buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode((data as Uint8Array).subarray(12, 12 + headLength)));
    expect(header).toMatchObject({ v: CHUNK_FORMAT, kind: 'edges', count: 1 });
    expect(header.w).toMatch(/^[0-9a-f]{16}$/);
    expect(pair?.w).toBe(header.w);
  });

  it('still reads chunks written in format version 1', async () => {
    const store = memoryStore();
    await store.putRuns([run('old-1', 0, ['in'], ['out'])]);
    // Version 1: u32 offsets over 6 sub-bucket bits, then output and input hashes, no version.
    const outs = hashKeys(['x', 'y']);
    const ins = hashKeys(['from-x', 'from-y']);
    const order = [0, 1].sort((a, b) => ((outs[2 * a] as number) >>> 26) - ((outs[2 * b] as number) >>> 26));
    const body = new Uint32Array(65 + 8);
    for (let sb = 0; sb <= 64; sb++) {
      body[sb] = order.filter((i) => (outs[2 * i] as number) >>> 26 < sb).length;
    }
    order.forEach((i, at) => {
      body.set(outs.subarray(2 * i, 2 * i + 2), 65 + 2 * at);
      body.set(ins.subarray(2 * i, 2 * i + 2), 65 + 4 + 2 * at);
    });
    const manifest: RunRowsManifest = {
      v: 1,
      run: 'old-1',
      next: 1,
      pairs: [{ id: 0, output: 'out', input: 'in', kind: 'map', rows: 2, bits: 0, counts: [2], keys: false }],
    };
    await store.putBlobs([
      { key: manifestKey('old-1'), data: encodeManifest(manifest) },
      { key: chunkKey('old-1', 0, 0), data: encodeBlob({ kind: 'edges', count: 2, sub: 6 }, body) },
    ]);
    const trace = await traceRow(store, 'out', 'y');
    expect(trace.origins).toEqual([{ pointer: 'in', rows: [{ hash: rowHash('from-y') }], rowCount: 1 }]);
  });

  it('reports a chunk of an unknown format version as a storage error naming the version', async () => {
    const store = memoryStore();
    await store.putRuns([run('r-1', 0, ['i'], ['o'])]);
    await writeRowLineage(store, 'r-1', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['b'] },
    ]);
    await store.putBlobs([
      {
        key: await firstChunkKey(store, 'r-1'),
        data: encodeBlob({ v: 99, kind: 'edges', count: 1, sub: 6 }, new Uint32Array(8)),
      },
    ]);
    const error = await traceRow(view(store), 'o', 'a').catch((e: unknown) => e);
    expect(isPipetraceError(error, 'storage')).toBe(true);
    expect((error as Error).message).toContain('version 99');
  });

  it('keeps pair summaries stable across releases: pinned fingerprints, wide and narrow, flat and streamed', async () => {
    // Stores mix pairs written by several releases, and the review compares one pair's input
    // fingerprint with its upstream pair's output fingerprint: a change here breaks that.
    const store = memoryStore();
    const n = NARROW_MIN_ROWS + 37_856;
    const outs = Array.from({ length: n }, (_, i) => `o-${i}`);
    const ins = Array.from({ length: n }, (_, i) => `i-${i}`);
    await writeRowLineage(store, 'r', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: ins },
      { output: 'o', input: 'k', kind: 'keep', keys: outs.slice(0, 1000) },
      { output: 'o', input: 'm', kind: 'many', outputKeys: ['a', 'a', 'b'], inputKeys: [1, 2, 3] },
      { output: 'o', input: 'd', kind: 'many', outputKeys: [...outs, 'o-5'], inputKeys: [...ins, 'again'] },
    ]);
    const streamed = new RowRecorder('o', 'x', 'map', { expected: n });
    for (let i = 0; i < n; i++) streamed.add(outs[i] as string, ins[i] as string);
    await writeRowLineage(store, 's', [streamed]);
    const pairs = [
      ...((await readRowManifest(store, 'r'))?.pairs ?? []),
      ...((await readRowManifest(store, 's'))?.pairs ?? []),
    ];
    const map = { v: 1, d: true, o: 'eba17f8ceb047006', i: '26a580b0d8261f66' };
    expect(pairs.map((p) => p.s)).toEqual([
      map,
      { v: 1, d: true, o: 'd5413e6402daa221', i: 'd5413e6402daa221' },
      { v: 1, d: false, o: '4ed6ad7bc0acc944', i: 'b5e6ea7579ceb6f7' },
      { v: 1, d: false, o: 'c8dd7fcf36916676', i: '5a0bfd384449131b' },
      map,
    ]);
    expect(pairs.map((p) => p.bits >= 6)).toEqual([true, false, false, true, true]);
  });

  it('records the row hash version in every manifest it writes', async () => {
    const store = memoryStore();
    await writeRowLineage(store, 'r', [{ output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['b'] }]);
    expect((await readRowManifest(store, 'r'))?.h).toBe(HASH_VERSION);
    expect(HASH_VERSION).toBe(1);
  });

  it('refuses a manifest of an unknown row hash version with a storage error naming the version', async () => {
    const store = memoryStore();
    await store.putRuns([run('r-1', 0, ['i'], ['o'])]);
    const manifest: RunRowsManifest = { v: 1, h: 7, run: 'r-1', next: 0, pairs: [] };
    await store.putBlobs([{ key: manifestKey('r-1'), data: encodeManifest(manifest) }]);
    const error = await traceRow(view(store), 'o', 'a').catch((e: unknown) => e);
    expect(isPipetraceError(error, 'storage')).toBe(true);
    expect((error as Error).message).toContain('hash version 7');
    const read = await readRowManifest(view(store), 'r-1').catch((e: unknown) => e);
    expect(isPipetraceError(read, 'storage')).toBe(true);
  });
});

describe('row lineage chunk cache', () => {
  it('serves the new rows after a racing writer rewrote a chunk key with other content', async () => {
    const store = memoryStore();
    await store.putRuns([run('r-1', 0, ['i'], ['o'])]);
    await writeRowLineage(store, 'r-1', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['old'] },
    ]);
    expect((await traceRow(store, 'o', 'a')).origins[0]?.rows).toEqual([{ hash: rowHash('old') }]);
    // A second writer that read the manifest before the first wrote: same pair id, same keys.
    const other = memoryStore();
    await writeRowLineage(other, 'r-1', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['new'] },
    ]);
    const keys = await other.listBlobs('rows/');
    const datas = await other.getBlobs(keys);
    await store.putBlobs(keys.map((key, i) => ({ key, data: datas[i] as Uint8Array })));
    expect((await traceRow(store, 'o', 'a')).origins[0]?.rows).toEqual([{ hash: rowHash('new') }]);
  });

  it('reports a chunk that does not belong to its manifest pair as a storage error', async () => {
    const store = memoryStore();
    await store.putRuns([run('r-1', 0, ['i'], ['o'])]);
    await writeRowLineage(store, 'r-1', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['b'] },
    ]);
    const other = memoryStore();
    await writeRowLineage(other, 'r-1', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['c'] },
    ]);
    const [chunk] = await other.getBlobs([await firstChunkKey(other, 'r-1')]);
    await store.putBlobs([{ key: await firstChunkKey(store, 'r-1'), data: chunk as Uint8Array }]);
    const error = await traceRow(view(store), 'o', 'a').catch((e: unknown) => e);
    expect(isPipetraceError(error, 'storage')).toBe(true);
  });

  it('keeps decoded chunks within its byte bound, evicting the least recently used', async () => {
    const { store, n } = await chunkedMap();
    const chunks = (await store.listBlobs('rows/c/')).length;
    expect(chunks).toBeGreaterThan(4);
    setChunkCacheLimit(150_000);
    for (let i = 0; i < 200; i++) {
      const trace = await traceRow(store, 'o', `o-${(i * 7919) % n}`);
      expect(trace.origins[0]?.rows).toEqual([{ hash: rowHash(`o-${(i * 7919) % n}`) }]);
      expect(chunkCacheStats(store).bytes).toBeLessThanOrEqual(150_000);
    }
    expect(chunkCacheStats(store).entries).toBeGreaterThan(0);
    expect(chunkCacheStats(store).entries).toBeLessThan(chunks);
  });

  it('lets evicted chunks go: nothing but the cache keeps a decoded chunk', async () => {
    const { store } = await chunkedMap();
    const pair = (await readRowManifest(store, 'r-1'))?.pairs[0] as PairManifest;
    setChunkCacheLimit(150_000);
    const refs: WeakRef<object>[] = [];
    for (let c = 0; c < pair.counts.length; c++)
      for (const chunk of await loadChunks(store, 'r-1', pair, [c])) refs.push(new WeakRef(chunk));
    expect(refs.length).toBeGreaterThan(4);
    const cached = chunkCacheStats(store).entries;
    expect(cached).toBeLessThan(refs.length);
    // A WeakRef's target lives until the job that made it ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(cached);
  });
});
