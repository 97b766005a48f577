import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { rangesOf } from '../adapters/fs-json/ranges.js';
import type { StoreChange } from '../src/store.js';
import { sampleComponent, sampleRun } from '../src/testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-async-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${++n}`);

// The object behind `node:fs`: replacing its functions and syncing the ESM exports reaches every importer.
const fs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;

/** Every call of a node:fs `*Sync` function while `work` runs, with the stack it came from. */
async function syncCallsDuring(work: () => Promise<void>): Promise<{ name: string; stack: string }[]> {
  const calls: { name: string; stack: string }[] = [];
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const [name, f] of Object.entries(fs)) {
    if (!name.endsWith('Sync') || typeof f !== 'function') continue;
    originals.set(name, f as (...args: unknown[]) => unknown);
    fs[name] = function (this: unknown, ...args: unknown[]) {
      calls.push({ name, stack: new Error().stack ?? '' });
      return (f as (...args: unknown[]) => unknown).apply(this, args);
    };
  }
  syncBuiltinESMExports();
  try {
    await work();
  } finally {
    for (const [name, f] of originals) fs[name] = f;
    syncBuiltinESMExports();
  }
  return calls;
}

const fromAdapter = (call: { stack: string }) => /adapters[\\/]fs-json[\\/]/.test(call.stack);

describe('fs-json store: I/O off the event loop', () => {
  it('makes no synchronous file-system call to open, read, scan, write, delete, refresh or close', async () => {
    const dir = fresh();
    // Enough runs that the index file has a window and a rest: the first filter reads line 3.
    const seed = await fsJsonStore({ dir, durable: false });
    const runs = Array.from({ length: 2500 }, (_, i) =>
      sampleRun({ startedAt: 1_000_000 + i, component: i % 2 ? 'odd' : 'even', outputs: [`out-${i}`] }),
    );
    await seed.putRuns(runs);
    await seed.close();

    const calls = await syncCallsDuring(async () => {
      const store = await fsJsonStore({ dir });
      const other = await fsJsonStore({ dir });
      const heard: StoreChange[] = [];
      const unsubscribe = store.subscribe?.((c) => heard.push(c));
      await store.putRuns([sampleRun({ startedAt: 2_000_000, outputs: ['late'] })]);
      await store.putComponents([sampleComponent('train')]);
      await store.putPointers([{ name: 'late', flagged: true, updatedAt: 1 }]);
      await store.putBlobs([
        { key: 'a', data: new Uint8Array([1]) },
        { key: 'b', data: new Uint8Array([2]) },
      ]);
      expect((await store.scanRuns({ limit: 5 })).runs.length).toBe(5);
      expect((await store.getRuns([runs[7]?.id as string]))[0]?.id).toBe(runs[7]?.id);
      expect((await store.scanRuns({ component: 'odd', limit: 10_000 })).runs.length).toBe(1250);
      expect((await store.latestWriters([{ pointer: 'out-3' }]))[0]?.id).toBe(runs[3]?.id);
      expect((await store.getComponents(['train']))[0]?.name).toBe('train');
      expect((await store.scanComponents()).length).toBe(1);
      expect((await store.getPointers(['late']))[0]?.flagged).toBe(true);
      expect((await store.scanPointers({ flagged: true })).length).toBe(1);
      expect(Array.from((await store.getBlobs(['a']))[0] ?? [])).toEqual([1]);
      await store.deleteBlobs?.(['a']);
      // Another store's writes, found by the next query's refresh and by the live poll.
      await other.putBlobs([{ key: 'c', data: new Uint8Array([3]) }]);
      await other.putRuns([sampleRun({ startedAt: 3_000_000 })]);
      expect(await store.listBlobs('')).toEqual(['b', 'c']);
      for (let i = 0; i < 100 && !heard.some((c) => c.kind === 'runs'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(heard.some((c) => c.kind === 'runs')).toBe(true);
      unsubscribe?.();
      await store.checkpoint?.();
      await Promise.all([store.close(), other.close()]);
      // The control: a synchronous call from this file is seen, so the adapter's would be too.
      readdirSync(dir);
    });
    expect(calls.some((c) => c.name === 'readdirSync' && !fromAdapter(c))).toBe(true);
    expect([...new Set(calls.filter(fromAdapter).map((c) => c.name))]).toEqual([]);
  });

  it('lets the event loop turn while a large scan reads its runs', async () => {
    const dir = fresh();
    const seed = await fsJsonStore({ dir, durable: false });
    // About 8 MB of run lines.
    const big = 'x'.repeat(4000);
    const runs = Array.from({ length: 2000 }, (_, i) => sampleRun({ startedAt: 1_000_000 + i, params: { big } }));
    await seed.putRuns(runs);
    await seed.close();
    const store = await fsJsonStore({ dir });
    try {
      // A synchronous read finishes before the loop turns; an asynchronous one waits for it at least once.
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      const page = await store.scanRuns({ limit: 2000 });
      expect(page.runs.length).toBe(2000);
      expect(turned).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('reads run lines that lie close together in a segment with one read, and far ones apart', () => {
    const places = [
      { seg: 0, off: 500, len: 100 },
      { seg: 1, off: 0, len: 50 },
      { seg: 0, off: 0, len: 100 },
      { seg: 0, off: 10_000_000, len: 100 },
      { seg: 0, off: 150, len: 100 },
    ];
    expect(rangesOf(places)).toEqual([
      { seg: 0, off: 0, len: 600, places: [2, 4, 0] },
      { seg: 0, off: 10_000_000, len: 100, places: [3] },
      { seg: 1, off: 0, len: 50, places: [1] },
    ]);
    // No read spans more than 4 MiB, however close the lines.
    const many = Array.from({ length: 100 }, (_, i) => ({ seg: 0, off: i * 100_000, len: 100 }));
    expect(rangesOf(many).every((r) => r.len <= 4 * 1024 * 1024)).toBe(true);
    expect(rangesOf(many).flatMap((r) => r.places)).toEqual(many.map((_, i) => i));
  });
});
