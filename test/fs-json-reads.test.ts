/**
 * fs-json reads. readBlobs: blobs in order, read a few ahead into buffers it lends and takes back, so
 * a scan of many big blobs (a bulk row lookup) makes a few buffers, not one per blob; and the
 * same answers as getBlobs where a file was removed or changed behind the store's back. And a
 * query looks at the changes file once (one fstat through the thread pool), not twice.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARALLEL_FILES } from '../adapters/fs-json/blobs.js';
import { type FsJsonProblem, fsJsonStore } from '../adapters/fs-json/index.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-json-read-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${++n}`);

const blobsOf = (count: number, size: number) =>
  Array.from({ length: count }, (_, i) => ({
    key: `rows/r/0/${String(i).padStart(3, '0')}`,
    data: Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 255),
  }));

function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const folder of readdirSync(join(dir, 'blobs')))
    for (const file of readdirSync(join(dir, 'blobs', folder))) out.push(join(dir, 'blobs', folder, file));
  return out;
}

describe('fs-json readBlobs', () => {
  it('reads 60 blobs of 100 KB into a few lent buffers (getBlobs makes one per blob), with the same bytes', async () => {
    const store = await fsJsonStore({ dir: fresh() });
    const blobs = blobsOf(60, 100_000);
    await store.putBlobs(blobs);
    const keys = blobs.map((b) => b.key);
    const buffers = new Set<ArrayBufferLike>();
    for (let round = 0; round < 3; round++) {
      let i = 0;
      for await (const data of store.readBlobs(keys)) {
        expect(Buffer.from(data as Uint8Array).equals(blobs[i]?.data as Uint8Array)).toBe(true);
        buffers.add((data as Uint8Array).buffer);
        i++;
        // A loop left early gives its buffers back too.
        if (round === 1 && i === 10) break;
      }
    }
    // In flight at once: the one lent and PARALLEL_FILES read ahead.
    expect(buffers.size).toBeLessThanOrEqual(PARALLEL_FILES + 2);
    expect(new Set((await store.getBlobs(keys)).map((d) => d?.buffer)).size).toBe(60);
    await store.close();
  });

  it('gives what getBlobs gives for a file grown behind its back, and undefined (reported) for one removed', async () => {
    const dir = fresh();
    const problems: FsJsonProblem[] = [];
    const store = await fsJsonStore({ dir, onCorrupt: (p) => problems.push(p) });
    const blobs = blobsOf(3, 100_000);
    await store.putBlobs(blobs);
    const [grown, removed] = filesOf(dir);
    appendFileSync(grown as string, Buffer.alloc(200_000, 7));
    rmSync(removed as string);
    const keys = blobs.map((b) => b.key);
    const read: (Uint8Array | undefined)[] = [];
    for await (const data of store.readBlobs(keys)) read.push(data?.slice());
    const got = await store.getBlobs(keys);
    expect(
      read.map((d, i) => (d === undefined ? got[i] === undefined : Buffer.from(d).equals(got[i] as Uint8Array))),
    ).toEqual([true, true, true]);
    expect(read.filter((d) => d === undefined)).toHaveLength(1);
    expect(read.map((d) => d?.length).sort()).toEqual([100_000, 300_000, undefined]);
    expect(problems.some((p) => p.reason.includes('is missing'))).toBe(true);
    await store.close();
  });

  it('refuses to read from a closed store', async () => {
    const store = await fsJsonStore({ dir: fresh() });
    await store.putBlobs(blobsOf(2, 10));
    await store.close();
    const reading = (async () => {
      for await (const _ of store.readBlobs(['rows/r/0/000'])) return 'read';
    })();
    await expect(reading).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('fs-json queries', () => {
  it('look at the changes file once per query when nothing changed (one fstat, not two)', async () => {
    const dir = fresh();
    const store = await fsJsonStore({ dir });
    await store.putBlobs(blobsOf(2, 10));
    await store.getBlobs(['rows/r/0/000']);
    const handle = await open(join(dir, 'pipetrace.json'), 'r');
    const proto = Object.getPrototypeOf(handle) as { stat: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const stat = proto.stat;
    let stats = 0;
    proto.stat = function (this: unknown, ...args: unknown[]) {
      stats++;
      return stat.apply(this, args);
    };
    try {
      await store.getBlobs(['rows/r/0/001']);
      expect(stats).toBe(1);
      // Another store's commit is still seen by the next query.
      const other = await fsJsonStore({ dir });
      await other.putBlobs([{ key: 'late', data: Uint8Array.of(5) }]);
      await other.close();
      expect(Array.from((await store.getBlobs(['late']))[0] ?? [])).toEqual([5]);
    } finally {
      proto.stat = stat;
    }
    await store.close();
  });
});
