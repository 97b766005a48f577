/**
 * What a big capture leaves when it fails or its process dies before its manifest: chunks no
 * manifest names. A failed write deletes its own; after a kill, reclaimRowChunks deletes them
 * once the writer's lease has run out, and never a chunk a manifest names or a live lease holds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import { RowRecorder, reclaimRowChunks, rowHash, traceRow, writeRowLineage } from '../src/rows/index.js';
import { LEASE_MS } from '../src/rows/lease.js';
import type { Store } from '../src/store.js';
import { runMain } from './cli-run.js';
import { pairRun, withPutBlobs } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-rows-reclaim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A streamed pair of `rows` rows (a recorder given `expected`), inputs tagged with `tag`. */
function recorder(rows: number, tag: string): RowRecorder {
  const rec = new RowRecorder('data/out', 'data/in', 'map', { expected: rows });
  for (let i = 0; i < rows; i++) rec.add(`out-${i}`, `${tag}-${i}`);
  return rec;
}

const ROWS = 700_000;

/** The store as one that cannot delete blobs. */
const withoutDelete = (store: Store): Store =>
  new Proxy(store, {
    get(target, name) {
      if (name === 'deleteBlobs') return undefined;
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
const later = () => Date.now() + LEASE_MS + 60_000;

async function traceInput(store: Store, i: number): Promise<string | undefined> {
  const trace = await traceRow(store, 'data/out', `out-${i}`);
  return trace.origins[0]?.rows[0]?.hash;
}

describe('row chunks a failed or killed capture leaves', () => {
  it('a streamed write that fails midway deletes the chunks it stored and its lease; the old lineage stays', async () => {
    const store = memoryStore();
    await store.putRuns([pairRun('r')]);
    await writeRowLineage(store, 'r', [recorder(ROWS, 'old')]);
    const before = await store.listBlobs('rows/');
    let groups = 0;
    const failing = withPutBlobs(store, async (blobs, real) => {
      if (blobs.some((b) => b.key.startsWith('rows/c/')) && ++groups === 3) throw new Error('disk full');
      await real(blobs);
    });
    await expect(writeRowLineage(failing, 'r', [recorder(ROWS, 'new')])).rejects.toThrow('disk full');
    expect(groups).toBe(3);
    expect(await store.listBlobs('rows/')).toEqual(before);
    expect(await traceInput(store, 5)).toBe(rowHash('old-5'));
  });

  it('keeps a capture’s chunks while its lease holds, and reclaims them once it has run out', async () => {
    const store = memoryStore();
    await store.putRuns([pairRun('r')]);
    await writeRowLineage(store, 'r', [recorder(ROWS, 'old')]);
    const named = await store.listBlobs('rows/c/');
    // A writer that stops before its manifest (as a killed one would), its chunks all stored.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let paused: () => void = () => {};
    const atManifest = new Promise<void>((resolve) => {
      paused = resolve;
    });
    const slow = withPutBlobs(store, async (blobs, real) => {
      if (blobs.some((b) => b.key.startsWith('rows/r/'))) {
        paused();
        await held;
      }
      await real(blobs);
    });
    const writing = writeRowLineage(slow, 'r', [recorder(ROWS, 'new')]);
    await atManifest;
    const pending = (await store.listBlobs('rows/c/')).filter((k) => !named.includes(k));
    expect(pending.length).toBeGreaterThan(0);
    expect(await store.listBlobs('rows/l/')).toHaveLength(1);

    const now = await reclaimRowChunks(store);
    expect(now).toEqual({ runs: 1, chunks: 0, leased: pending.length, leases: 0 });
    // The writer goes on: its manifest names the chunks kept, its lease is dropped.
    release();
    await writing;
    expect(await store.listBlobs('rows/l/')).toEqual([]);
    expect(await traceInput(store, 5)).toBe(rowHash('new-5'));
    expect(await reclaimRowChunks(store, { now: later() })).toEqual({ runs: 1, chunks: 0, leased: 0, leases: 0 });
    expect(await traceInput(store, 7)).toBe(rowHash('new-7'));
  });

  it('a manifest write that fails leaves the chunks to reclaim: the new ones if it was lost, the replaced ones if it landed', async () => {
    for (const stored of [false, true]) {
      const store = memoryStore();
      await store.putRuns([pairRun('r')]);
      await writeRowLineage(store, 'r', [recorder(ROWS, 'old')]);
      const old = await store.listBlobs('rows/c/');
      const lost = withPutBlobs(store, async (blobs, real) => {
        if (!blobs.some((b) => b.key.startsWith('rows/r/'))) return real(blobs);
        // The answer lost on the way back: the caller cannot tell whether the manifest landed.
        if (stored) await real(blobs);
        throw new Error('connection reset');
      });
      await expect(writeRowLineage(lost, 'r', [recorder(ROWS, 'new')])).rejects.toThrow('connection reset');
      const fresh = (await store.listBlobs('rows/c/')).filter((k) => !old.includes(k));
      expect(fresh.length).toBeGreaterThan(0);
      const report = await reclaimRowChunks(store);
      // Landed: the replaced pair's chunks (its deletion came after the manifest) are the leftovers.
      expect(report, `manifest stored: ${stored}`).toEqual({
        runs: 1,
        chunks: stored ? old.length : fresh.length,
        leased: 0,
        leases: 0,
      });
      expect(await store.listBlobs('rows/c/')).toEqual(stored ? fresh : old);
      expect(await traceInput(store, 5)).toBe(rowHash(stored ? 'new-5' : 'old-5'));
    }
  });

  it('reclaims chunks a replaced pair left behind, only in the run asked for, and never a named one', async () => {
    const store = memoryStore();
    await store.putRuns([pairRun('a'), pairRun('b/x')]);
    await writeRowLineage(store, 'a', [
      { output: 'data/out', input: 'data/in', kind: 'map', outputKeys: ['o'], inputKeys: ['i'] },
    ]);
    await writeRowLineage(store, 'b/x', [{ output: 'data/out', input: 'data/in', kind: 'keep', keys: ['o'] }]);
    const named = await store.listBlobs('rows/c/');
    const junk = new Uint8Array([1, 2, 3]);
    await store.putBlobs([
      { key: 'rows/c/a/7-00000000deadbeef/0', data: junk },
      { key: 'rows/c/a/3/1', data: junk },
      { key: 'rows/c/b/x/9-00000000deadbeef/2', data: junk },
    ]);
    expect(await reclaimRowChunks(store, { run: 'a' })).toEqual({ runs: 1, chunks: 2, leased: 0, leases: 0 });
    expect((await store.listBlobs('rows/c/')).sort()).toEqual([...named, 'rows/c/b/x/9-00000000deadbeef/2'].sort());
    expect(await reclaimRowChunks(store)).toEqual({ runs: 2, chunks: 1, leased: 0, leases: 0 });
    expect((await store.listBlobs('rows/c/')).sort()).toEqual([...named].sort());
    expect((await traceRow(store, 'data/out', 'o', { run: 'a' })).origins[0]?.rows).toEqual([{ hash: rowHash('i') }]);
  });

  it('refuses bad options and stores that cannot delete with invalid_input, and deletes nothing', async () => {
    const store = memoryStore();
    await store.putBlobs([{ key: 'rows/c/a/7-00000000deadbeef/0', data: new Uint8Array([1]) }]);
    for (const bad of [null, 'a', { run: '' }, { run: 5 }, { now: Number.NaN }, { now: '1' }]) {
      const error = await reclaimRowChunks(store, bad as never).catch((e: unknown) => e);
      expect(isPipetraceError(error, 'invalid_input'), JSON.stringify(bad)).toBe(true);
    }
    const cannot = withoutDelete(store);
    const error = await reclaimRowChunks(cannot).catch((e: unknown) => e);
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    expect(await store.listBlobs('rows/c/')).toHaveLength(1);
  });

  it('takes no lease in a store that cannot delete blobs (nothing could drop it)', async () => {
    const store = memoryStore();
    await store.putRuns([pairRun('r')]);
    const cannot = withoutDelete(store);
    await writeRowLineage(cannot, 'r', [recorder(300_000, 'in')]);
    expect(await store.listBlobs('rows/l/')).toEqual([]);
    expect(await traceInput(store, 3)).toBe(rowHash('in-3'));
  });
});

const writer = fileURLToPath(new URL('./fixtures/rows-capture-writer.ts', import.meta.url));

/** Runs the capture writer; resolves once it has printed `line`, with the process. */
function startWriter(args: string[], line: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').includes(line)) resolve(child);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('close', (code) => reject(new Error(`writer exited (${code}) before "${line}": ${out}${err}`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('close', (_, signal) => resolve(signal));
    child.kill('SIGKILL');
  });

describe('row chunks of a capture whose process was killed (fs-json, real processes)', () => {
  for (const [when, line] of [
    ['mid-stream', 'group 2'],
    ['before its manifest', 'paused'],
  ] as const) {
    it(`reclaims a capture killed ${when} once its lease has run out; the earlier lineage still traces`, async () => {
      const dir = join(root, when.replace(/ /g, '-'));
      const first = await startWriter([dir, 'r', '1500000'], 'done');
      await new Promise((resolve) => first.on('close', resolve));
      const child = await startWriter([dir, 'r', '1500000', ...(line === 'paused' ? ['pause'] : [])], line);
      expect(await killed(child)).toBe('SIGKILL');

      const store = await fsJsonStore({ dir });
      try {
        const manifestChunks = async () => (await store.listBlobs('rows/c/')).length;
        const all = await manifestChunks();
        const held = await reclaimRowChunks(store);
        expect(held.chunks).toBe(0);
        expect(held.leased).toBeGreaterThan(0);
        expect(await store.listBlobs('rows/l/')).toHaveLength(1);
        const report = await reclaimRowChunks(store, { now: later() });
        expect(report).toEqual({ runs: 1, chunks: held.leased, leased: 0, leases: 1 });
        expect(await manifestChunks()).toBe(all - held.leased);
        expect(await store.listBlobs('rows/l/')).toEqual([]);
        const trace = await traceRow(store, 'data/out', 'r-out-1234');
        expect(trace.origins[0]?.rows).toEqual([{ hash: rowHash('in-1234') }]);
      } finally {
        await store.close();
      }
    }, 60_000);
  }
});

describe('pipetrace reclaim-rows', () => {
  it('reclaims in a store folder, in text and --json, and refuses bad usage with exit 2', async () => {
    const dir = join(root, 'cli');
    const store = await fsJsonStore({ dir });
    await store.putRuns([pairRun('r')]);
    await writeRowLineage(store, 'r', [{ output: 'data/out', input: 'data/in', kind: 'keep', keys: ['a', 'b'] }]);
    const junk = new Uint8Array([1]);
    await store.putBlobs([
      { key: 'rows/c/r/4-00000000deadbeef/0', data: junk },
      { key: 'rows/c/r/4-00000000deadbeef/1', data: junk },
    ]);
    await store.close();
    const json = await runMain(['reclaim-rows', '--store', dir, '--run', 'r', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ runs: 1, chunks: 2, leased: 0, leases: 0 });
    const text = await runMain(['reclaim-rows', '--store', dir]);
    expect(text.stdout).toBe('deleted 0 unnamed row chunks in 1 run; removed 0 run-out leases\n');
    const bad = await runMain(['reclaim-rows', '--store', dir, '--run', '']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/run/);
  });

  it('pipetrace compact reclaims them too, and says so', async () => {
    const dir = join(root, 'cli-compact');
    const store = await fsJsonStore({ dir });
    await store.putRuns([pairRun('r')]);
    await writeRowLineage(store, 'r', [{ output: 'data/out', input: 'data/in', kind: 'keep', keys: ['a', 'b'] }]);
    await store.putBlobs([{ key: 'rows/c/r/4-00000000deadbeef/0', data: new Uint8Array([1]) }]);
    await store.close();
    const json = await runMain(['compact', '--store', dir, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).rowChunks).toEqual({ runs: 1, chunks: 1, leased: 0, leases: 0 });
    const text = await runMain(['compact', '--store', dir]);
    expect(text.stdout).toMatch(/; reclaimed 0 unnamed row chunks\n$/);
    const reopened = await fsJsonStore({ dir });
    try {
      expect(await reopened.listBlobs('rows/c/')).toHaveLength(1);
      expect((await traceRow(reopened, 'data/out', 'a')).origins[0]?.rows).toEqual([{ hash: rowHash('a') }]);
    } finally {
      await reopened.close();
    }
  });
});
