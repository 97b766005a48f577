/** fs-json keeps small blob files and run lines it read: never stale, never shared with a caller. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SmallBlobCache } from '../adapters/fs-json/blob-cache.js';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { SegmentLog } from '../adapters/fs-json/log.js';
import type { Run } from '../src/model.js';

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

  it('peek gives the kept bytes without a copy and counts as a use; nothing the copying paths hand out or take in changes them', () => {
    const cache = new SmallBlobCache(4, 8);
    const input = Uint8Array.of(1, 2, 3);
    cache.set('a', input);
    // set keeps a copy: changing what was put in changes nothing kept.
    input[0] = 9;
    expect(cache.peek('a')).toEqual(Uint8Array.of(1, 2, 3));
    // get hands out a copy: changing it changes nothing kept.
    const got = cache.get('a') as Uint8Array;
    got[1] = 9;
    expect(cache.peek('a')).toEqual(Uint8Array.of(1, 2, 3));
    expect(cache.get('a')).not.toBe(cache.get('a'));
    // peek hands out the kept bytes themselves, the same each time.
    expect(cache.peek('a')).toBe(cache.peek('a'));
    expect(cache.peek('missing')).toBeUndefined();
    // A peek is a use: after it, 'b' is the least recently used and goes first.
    cache.set('b', new Uint8Array(4));
    expect(cache.peek('a')).toBeDefined();
    cache.set('c', new Uint8Array(4));
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toEqual(Uint8Array.of(1, 2, 3));
    expect(cache.peek('c')).toBeDefined();
  });

  it('reads a run line once, and still answers what another store replaced, or compaction moved, since', async () => {
    const dir = join(root, 'runs');
    const run = (id: string, component: string): Run => ({
      id,
      component,
      startedAt: 1,
      endedAt: 2,
      inputs: [],
      outputs: [`out/${id}`],
      dependencies: [],
      notes: [],
      params: {},
      metrics: {},
      status: 'succeeded',
    });
    const writer = await fsJsonStore({ dir, durable: false, compactRatio: false });
    await writer.putRuns([run('r1', 'a'), run('r2', 'a')]);
    await writer.close();
    const reader = await fsJsonStore({ dir, durable: false, compactRatio: false });
    const reads = vi.spyOn(SegmentLog.prototype, 'readMany');
    try {
      expect((await reader.getRuns(['r1']))[0]?.component).toBe('a');
      expect(reads).toHaveBeenCalledTimes(1);
      // Again: from the cache, by peek (no copy of the line), and a caller changing what it got changes nothing kept.
      const peeks = vi.spyOn(SmallBlobCache.prototype, 'peek');
      const copies = vi.spyOn(SmallBlobCache.prototype, 'get');
      const [again] = await reader.getRuns(['r1']);
      expect(peeks.mock.results.map((r) => r.value !== undefined)).toEqual([true]);
      expect(copies).not.toHaveBeenCalled();
      peeks.mockRestore();
      copies.mockRestore();
      (again as Run).component = 'changed';
      expect((await reader.getRuns(['r1']))[0]?.component).toBe('a');
      expect(reads).toHaveBeenCalledTimes(1);
      // Only the line not read before is read.
      expect((await reader.getRuns(['r1', 'r2'])).map((r) => r?.id)).toEqual(['r1', 'r2']);
      expect(reads).toHaveBeenCalledTimes(2);
      expect(reads.mock.calls[1]?.[0]).toHaveLength(1);
      // Another store replaces r1: its new line is elsewhere, so the reader reads it.
      const other = await fsJsonStore({ dir, durable: false, compactRatio: false });
      await other.putRuns([run('r1', 'b')]);
      expect((await reader.getRuns(['r1']))[0]?.component).toBe('b');
      // Compaction moves every line to a segment of a new name: the reader follows.
      await other.compact({ graceMs: 0 });
      await other.close();
      expect((await reader.getRuns(['r1', 'r2'])).map((r) => r?.component)).toEqual(['b', 'a']);
      expect(reader.problems()).toEqual([]);
    } finally {
      reads.mockRestore();
      await reader.close();
    }
  });
});
