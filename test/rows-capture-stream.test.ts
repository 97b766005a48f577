/**
 * A RowRecorder given `expected` keeps its rows split into regions and writes a big pair a
 * region at a time, the store writing one group of chunks while the next is encoded, from
 * reused buffers (src/rows/stream-write.ts). The chunks must be the bytes the flat path writes
 * (but for the pair's digest, random there), and a recorder whose region fills up (repeated
 * output keys) must trace as the flat one does.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { decodeManifest, manifestKey } from '../src/rows/format/codec.js';
import { RowRecorder, traceRow, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { pairRun as run } from './helpers.js';

/** Writes rows through a recorder (with or without `expected`) as run `id`; returns the store's blobs by key. */
async function record(
  store: Store,
  id: string,
  kind: 'map' | 'many' | 'keep',
  n: number,
  outKey: (i: number) => string,
  expected?: number,
): Promise<void> {
  await store.putRuns([run(id)]);
  const rec = new RowRecorder('data/out', 'data/in', kind, expected === undefined ? {} : { expected });
  for (let i = 0; i < n; i++) {
    if (kind === 'keep') rec.add(outKey(i));
    else rec.add(outKey(i), `in-${i}`);
  }
  await writeRowLineage(store, id, [rec]);
}

/** A blob with its header's digest field blanked (the streamed digest is random). */
const withoutDigest = (data: Uint8Array): string =>
  Buffer.from(data)
    .toString('latin1')
    .replace(/"w":"[0-9a-f]{16}"/, '"w":""');

async function blobsOf(store: Store, id: string): Promise<Map<string, string>> {
  const keys = await store.listBlobs(`rows/c/${id}/`);
  const data = await store.getBlobs(keys);
  // Streamed chunk keys carry the pair's digest (`0-<w>`): compared without it.
  return new Map(
    keys.map((k, i) => [
      k.replace(`/${id}/`, '/').replace(/\/(\d+)-[0-9a-f]{16}\//, '/$1/'),
      withoutDigest(data[i] as Uint8Array),
    ]),
  );
}

describe('streamed row capture', () => {
  for (const [kind, n] of [
    ['map', 300_000],
    ['keep', 300_000],
    ['map', 70_000],
    ['many', 40_000],
  ] as const) {
    it(`writes the flat path's chunks for a ${kind} of ${n} rows, a region at a time`, async () => {
      const store = memoryStore();
      await record(store, 'flat', kind, n, (i) => `out-${i % (kind === 'many' ? n / 2 : n)}`);
      await record(store, 'streamed', kind, n, (i) => `out-${i % (kind === 'many' ? n / 2 : n)}`, n);
      const flat = await blobsOf(store, 'flat');
      const streamed = await blobsOf(store, 'streamed');
      expect([...streamed.keys()]).toEqual([...flat.keys()]);
      for (const [key, bytes] of flat) expect(streamed.get(key) === bytes, key).toBe(true);
      const [a, b] = await store.getBlobs([manifestKey('flat'), manifestKey('streamed')]);
      const pa = decodeManifest(a, 'flat')?.pairs[0];
      const pb = decodeManifest(b, 'streamed')?.pairs[0];
      expect(pb?.w).not.toBe(pa?.w);
      expect(pb?.wk).toBe(true);
      expect({ ...pb, w: '', wk: undefined }).toEqual({ ...pa, w: '', wk: undefined });
      const trace = await traceRow(store, 'data/out', 'out-7', { run: 'streamed' });
      expect(trace.steps).toHaveLength(1);
      expect(trace.origins[0]?.rowCount).toBe(kind === 'many' ? 2 : 1);
    });
  }

  it('turns flat when repeated output keys fill a region, and traces as the flat recorder does', async () => {
    const store = memoryStore();
    const n = 120_000;
    // Three output keys: their regions fill up long before `expected` rows.
    await record(store, 'flat', 'many', n, (i) => `out-${i % 3}`);
    await record(store, 'split', 'many', n, (i) => `out-${i % 3}`, n);
    for (const key of ['out-0', 'out-1', 'out-2']) {
      const a = await traceRow(store, 'data/out', key, { run: 'flat', maxRows: n });
      const b = await traceRow(store, 'data/out', key, { run: 'split', maxRows: n });
      expect(b.origins[0]?.rowCount).toBe(n / 3);
      expect(b.origins).toEqual(a.origins);
    }
  });

  it('refuses an `expected` that is no whole number or too big, with a typed error, before taking memory', () => {
    for (const bad of [Number.NaN, -5, 2.5, '1000', 2 ** 28 + 1, 1e12]) {
      expect(() => new RowRecorder('data/out', 'data/in', 'map', { expected: bad as number })).toThrow(
        expect.objectContaining({
          name: 'PipetraceError',
          code: 'invalid_input',
          field: 'expected',
          message: expect.stringMatching(/^expected/),
        }),
      );
    }
    // 0 (no rows foreseen) is fine.
    expect(new RowRecorder('data/out', 'data/in', 'keep', { expected: 0 }).rows).toBe(0);
  });
});
