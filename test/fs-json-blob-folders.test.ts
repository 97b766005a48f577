/**
 * fs-json writes the blob files of one putBlobs call into one folder (a directory fsync each
 * folder costs), and reads, replaces, reopens and compacts them like any others.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactFsStore, fsJsonStore } from '../adapters/fs-json/index.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-json-folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const folders = (dir: string) =>
  readdirSync(join(dir, 'blobs')).filter((d) => readdirSync(join(dir, 'blobs', d)).length);
const blobsOf = (tag: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `rows/run-${tag}/0/${i}`, data: Uint8Array.of(tag, i, i >> 8) }));

describe('fs-json blob folders', () => {
  it('puts every file of one call in one folder, and reads them back after replacing, reopening and compacting', async () => {
    const dir = join(root, 'one');
    let store = await fsJsonStore({ dir });
    // 200 keys would spread over about 140 of the 256 hash folders.
    const first = blobsOf(1, 200);
    await store.putBlobs(first);
    expect(folders(dir)).toHaveLength(1);
    const second = blobsOf(2, 200);
    await store.putBlobs([...second, ...first.slice(0, 50).map((b) => ({ key: b.key, data: Uint8Array.of(9, 9) }))]);
    expect(folders(dir).length).toBeLessThanOrEqual(2);
    const expectContent = async () => {
      const got = await store.getBlobs([...first, ...second].map((b) => b.key));
      got.forEach((data, i) => {
        const want = i < 50 ? Uint8Array.of(9, 9) : ([...first, ...second][i]?.data as Uint8Array);
        expect(Array.from(data ?? [])).toEqual(Array.from(want));
      });
    };
    await expectContent();
    await store.close();
    await compactFsStore(dir);
    store = await fsJsonStore({ dir });
    await expectContent();
    expect(await store.listBlobs('rows/')).toHaveLength(400);
    await store.close();
  });
});
