/** fs-json keeps small blob files it read: never stale, never shared with a caller. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SmallBlobCache } from '../adapters/fs-json/blob-cache.js';
import { fsJsonStore } from '../adapters/fs-json/index.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-blob-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fs-json small blob cache', () => {
  it('reads what another store wrote since, and a caller changing its bytes changes nothing stored', async () => {
    const dir = join(root, 'a');
    const reader = await fsJsonStore({ dir, durable: false });
    const writer = await fsJsonStore({ dir, durable: false });
    await writer.putBlobs([{ key: 'k', data: Uint8Array.of(1, 2, 3) }]);
    const [first] = await reader.getBlobs(['k']);
    expect(first).toEqual(Uint8Array.of(1, 2, 3));
    (first as Uint8Array)[0] = 9;
    expect((await reader.getBlobs(['k']))[0]).toEqual(Uint8Array.of(1, 2, 3));
    await writer.putBlobs([{ key: 'k', data: Uint8Array.of(4, 5) }]);
    expect((await reader.getBlobs(['k']))[0]).toEqual(Uint8Array.of(4, 5));
    await writer.deleteBlobs?.(['k']);
    expect((await reader.getBlobs(['k']))[0]).toBeUndefined();
    await writer.close();
    await reader.close();
  });

  it('keeps only blobs up to its size, and drops the least recently used past its bound', () => {
    const cache = new SmallBlobCache(4, 8);
    cache.set('big', new Uint8Array(5));
    expect(cache.get('big')).toBeUndefined();
    cache.set('a', new Uint8Array(4));
    cache.set('b', new Uint8Array(4));
    expect(cache.get('a')).toBeDefined();
    cache.set('c', new Uint8Array(4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });
});
