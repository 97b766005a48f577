/**
 * A streamed pair (a RowRecorder given `expected`) writes its chunks before the run's manifest,
 * under keys of its own write (the pair's random digest is in them): the manifest, written
 * last, switches atomically. A second writer of the same run that read the manifest before the
 * first committed, paused or failed midway, must not touch the chunks the committed manifest
 * names; pairs written before the keyed chunks (no `wk`) read as before.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { chunkKey, decodeManifest, encodeManifest, manifestKey, pairChunkKey } from '../src/rows/format/codec.js';
import { RowRecorder, rowHash, traceRow, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { pairRun as run } from './helpers.js';

const N = 60_000;

/** A streamed recorder mapping out-i to `${tag}-i`. */
function recorder(tag: string): RowRecorder {
  const rec = new RowRecorder('data/out', 'data/in', 'map', { expected: N });
  for (let i = 0; i < N; i++) rec.add(`out-${i}`, `${tag}-${i}`);
  return rec;
}

/** A promise and its resolver. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

/**
 * A store whose putBlobs call number n (1-based) waits at gate n: `reached` opens when the call
 * arrives, and the call goes on once `go` is opened; call `fail` rejects instead of writing.
 */
function gated(inner: Store, gates: number[], fail?: number) {
  let calls = 0;
  const at = new Map(gates.map((n) => [n, { reached: latch(), go: latch() }]));
  // The inner store's methods, but for putBlobs (an adapter may keep them on its prototype).
  const store: Store = Object.create(inner);
  Object.assign(store, {
    putBlobs: async (blobs: Parameters<Store['putBlobs']>[0]) => {
      const n = ++calls;
      const gate = at.get(n);
      if (gate !== undefined) {
        gate.reached.open();
        await gate.go.opened;
      }
      if (n === fail) throw new Error('disk full');
      return inner.putBlobs(blobs);
    },
  });
  const gate = (n: number) => at.get(n) as { reached: ReturnType<typeof latch>; go: ReturnType<typeof latch> };
  return { store, reached: (n: number) => gate(n).reached.opened, go: (n: number) => gate(n).go.open() };
}

/** The trace of a few output keys of run r, by a fresh reader (no chunk cached from before). */
async function traces(store: Store) {
  const reader: Store = Object.create(store);
  const out = [];
  for (const key of ['out-0', 'out-7', `out-${N - 1}`]) out.push(await traceRow(reader, 'data/out', key, { run: 'r' }));
  return out;
}

/** What the run traces to with only `tag`'s lineage written. */
async function reference(tag: string) {
  const store = memoryStore();
  await store.putRuns([run('r')]);
  await writeRowLineage(store, 'r', [recorder(tag)]);
  return traces(store);
}

describe('streamed row capture is atomic at the manifest', () => {
  it('a reader while a second writer is between its chunks and its manifest sees the committed lineage, exact', async () => {
    const base = memoryStore();
    await base.putRuns([run('r')]);
    await writeRowLineage(base, 'r', [recorder('old')]);
    // B reads the manifest (next pair id 1) and waits before its chunks.
    const b = gated(base, [1, 2]);
    const writingB = writeRowLineage(b.store, 'r', [recorder('b')]);
    await b.reached(1);
    // A replaces the pair meanwhile, also as pair id 1, and commits.
    await writeRowLineage(base, 'r', [recorder('a')]);
    const a = await reference('a');
    expect(await traces(base)).toEqual(a);
    // B's chunks land; its manifest waits. A reader now: A's manifest, B's chunks unnamed.
    b.go(1);
    await b.reached(2);
    expect(await traces(base)).toEqual(a);
    b.go(2);
    await writingB;
    // B committed last: its lineage is the run's now, exact.
    expect(await traces(base)).toEqual(await reference('b'));
  });

  it('a second writer failing after its chunks leaves the committed lineage readable and exact', async () => {
    const base = memoryStore();
    await base.putRuns([run('r')]);
    await writeRowLineage(base, 'r', [recorder('old')]);
    // B reads the manifest before A commits; its chunks wait until A is done, its manifest fails.
    const b = gated(base, [1], 2);
    const writingB = writeRowLineage(b.store, 'r', [recorder('b')]);
    await b.reached(1);
    await writeRowLineage(base, 'r', [recorder('a')]);
    b.go(1);
    await expect(writingB).rejects.toThrow('disk full');
    expect(await traces(base)).toEqual(await reference('a'));
  });

  it('a replace that fails after its chunks leaves the old lineage readable and exact', async () => {
    const base = memoryStore();
    await base.putRuns([run('r')]);
    await writeRowLineage(base, 'r', [recorder('old')]);
    const f = gated(base, [], 2);
    await expect(writeRowLineage(f.store, 'r', [recorder('new')])).rejects.toThrow('disk full');
    expect(await traces(base)).toEqual(await reference('old'));
    // A later write of the run succeeds and replaces it.
    await writeRowLineage(base, 'r', [recorder('new')]);
    expect(await traces(base)).toEqual(await reference('new'));
  });

  it('names its keyed chunks in the manifest, deletes the replaced ones, and reads pairs without `wk`', async () => {
    const store = memoryStore();
    await store.putRuns([run('r')]);
    await writeRowLineage(store, 'r', [recorder('a')]);
    const [m] = await store.getBlobs([manifestKey('r')]);
    const manifest = decodeManifest(m, 'r');
    const pair = manifest?.pairs[0];
    expect(pair?.wk).toBe(true);
    if (manifest === undefined || pair === undefined) throw new Error('no manifest');
    const keyed = pair.counts.flatMap((c, i) => (c > 0 ? [pairChunkKey('r', pair, i)] : []));
    expect(keyed[0]).toBe(`rows/c/r/0-${pair.w}/0`);
    expect((await store.listBlobs('rows/c/r/')).sort()).toEqual([...keyed].sort());
    // The same pair as written before keyed chunks: chunks under the plain keys, no `wk`.
    const old = memoryStore();
    await old.putRuns([run('r')]);
    const data = await store.getBlobs(keyed);
    const plain = pair.counts.flatMap((c, i) => (c > 0 ? [chunkKey('r', 0, i)] : []));
    const { wk: _, ...entry } = pair;
    await old.putBlobs([
      ...plain.map((key, i) => ({ key, data: data[i] as Uint8Array })),
      { key: manifestKey('r'), data: encodeManifest({ ...manifest, pairs: [entry] }) },
    ]);
    expect(await traces(old)).toEqual(await traces(store));
    // Replacing it deletes the plain chunks; replacing a keyed pair deletes the keyed ones.
    await writeRowLineage(old, 'r', [recorder('b')]);
    expect((await old.listBlobs('rows/c/r/')).every((k) => k.startsWith('rows/c/r/1-'))).toBe(true);
    await writeRowLineage(store, 'r', [recorder('b')]);
    expect((await store.listBlobs('rows/c/r/')).every((k) => k.startsWith('rows/c/r/1-'))).toBe(true);
    expect(await traces(old)).toEqual(await reference('b'));
  });
});

describe('flat row capture (one putBlobs) keys its chunks by content too', () => {
  const FLAT = 300;
  /** A flat pair (no recorder): out-i from `${tag}-i`. */
  const flat = (tag: string) => ({
    output: 'data/out',
    input: 'data/in',
    kind: 'map' as const,
    outputKeys: Array.from({ length: FLAT }, (_, i) => `out-${i}`),
    inputKeys: Array.from({ length: FLAT }, (_, i) => `${tag}-${i}`),
  });
  const flatTrace = (store: Store) => traceRow(store, 'data/out', 'out-7', { run: 'r' });

  /** A reader whose first chunk read waits until `go`, after it has read the run's manifest. */
  function pausedReader(store: Store) {
    const reached = latch();
    const go = latch();
    let paused = false;
    const reader: Store = Object.create(store);
    Object.assign(reader, {
      getBlobs: async (keys: readonly string[]) => {
        if (!paused && keys.some((k) => k.startsWith('rows/c/'))) {
          paused = true;
          reached.open();
          await go.opened;
        }
        return store.getBlobs(keys);
      },
    });
    return { reader, reached: reached.opened, go: go.open };
  }

  it('a reader holding the committed manifest reads its chunks, exact, while a second writer of the run commits', async () => {
    const base = memoryStore();
    await base.putRuns([run('r')]);
    await writeRowLineage(base, 'r', [flat('old')]);
    // B reads the manifest (next pair id 1) and waits before its one putBlobs.
    const b = gated(base, [1]);
    const writingB = writeRowLineage(b.store, 'r', [flat('b')]);
    await b.reached(1);
    // A replaces the pair meanwhile, also as pair id 1, and commits.
    await writeRowLineage(base, 'r', [flat('a')]);
    const [manifest] = await base.getBlobs([manifestKey('r')]);
    expect(decodeManifest(manifest, 'r')?.pairs[0]?.wk).toBe(true);
    // A reader has A's manifest and is about to read its chunk when B commits.
    const r = pausedReader(base);
    const reading = flatTrace(r.reader);
    await r.reached;
    b.go(1);
    await writingB;
    r.go();
    // Before, B's chunk had overwritten A's under the same key: a storage error.
    expect((await reading).origins[0]?.rows).toEqual([{ hash: rowHash('a-7') }]);
    // B committed last: a fresh reader sees its lineage.
    expect((await flatTrace(Object.create(base))).origins[0]?.rows).toEqual([{ hash: rowHash('b-7') }]);
  });
});
