/**
 * fs-json writes the blob files of one putBlobs call into one folder (a directory fsync each
 * folder costs), and reads, replaces, reopens and compacts them like any others.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNewFile } from '../adapters/fs-json/files.js';
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

describe('fs-json blob files', () => {
  it('are written under their own names with no temporary file, never over an existing file, and a failed one leaves nothing', async () => {
    const dir = join(root, 'new-file');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'a.bin');
    await writeNewFile(path, Uint8Array.of(1, 2, 3), true);
    expect(readdirSync(dir)).toEqual(['a.bin']);
    // A name already taken (a nonce collision) is refused, and the file there is unchanged.
    await expect(writeNewFile(path, Uint8Array.of(9), true)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    // A write that fails midway removes what it wrote (here: data that is not bytes).
    await expect(writeNewFile(join(dir, 'b.bin'), 42 as unknown as Uint8Array, true)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });
});
