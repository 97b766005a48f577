/** copyStore and `pipetrace copy`: whole stores copied through the contract, resumably. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { main } from '../cli/main.js';
import { progressLine, progressReporter } from '../cli/progress.js';
import { COPY_CHECKPOINT_PREFIX, type CopyProgress, copyStore } from '../src/copy.js';
import { isPipetraceError } from '../src/errors.js';
import type { Run } from '../src/model.js';
import type { Store } from '../src/store.js';
import { contentsOf, fillSource } from './copy-source.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pipetrace-copy-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function folderStore(dir?: string) {
  const store = await fsJsonStore({ dir: dir ?? (await tempDir()), durable: false });
  cleanups.push(() => store.close());
  return store;
}

/** A filled fs-json source in a folder of its own. */
async function source(runs = 1200, rowEvery = 10) {
  const dir = await tempDir();
  const store = await fsJsonStore({ dir, durable: false });
  await fillSource(store, runs, rowEvery);
  await store.close();
  const reopened = await folderStore(dir);
  return { dir, store: reopened, contents: await contentsOf(reopened) };
}

/** A store whose putRuns counts the runs written (instrumentation around a real store). */
function countingRuns(inner: Store) {
  const counter = { runs: 0 };
  const store: Store = Object.assign(Object.create(inner) as Store, {
    putRuns: async (runs: readonly Run[]) => {
      counter.runs += runs.length;
      await inner.putRuns(runs);
    },
  });
  return { store, counter };
}

function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const out = { stdout: '', stderr: '' };
  const code = main(argv, {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    env,
    signal: new AbortController().signal,
  });
  return code.then((c) => ({ code: c, ...out }));
}

describe('copyStore', () => {
  it('copies an fs-json store into memory and into another folder, and back, exactly', async () => {
    const src = await source();
    expect(src.contents.runs.length).toBe(1200);
    expect(src.contents.blobs.length).toBeGreaterThan(100);
    expect(src.contents.runs.some((r) => r.notes.length > 0)).toBe(true);
    expect(src.contents.pointers.filter((p) => p.flagged).length).toBe(2);

    const mem = memoryStore();
    const result = await copyStore(src.store, mem, { batchSize: 100 });
    expect(result).toEqual({
      runs: 1200,
      components: src.contents.components.length,
      pointers: src.contents.pointers.length,
      blobs: src.contents.blobs.length,
      resumed: false,
    });
    expect(await contentsOf(mem)).toEqual(src.contents);
    expect(await mem.listBlobs(COPY_CHECKPOINT_PREFIX)).toEqual([]);

    const folder = await folderStore();
    await copyStore(mem, folder);
    expect(await contentsOf(folder)).toEqual(src.contents);
    const back = await folderStore();
    await copyStore(folder, back, { batchSize: 7 });
    expect(await contentsOf(back)).toEqual(src.contents);
  }, 60_000);

  it('copying again changes nothing: records replace by id, name and key', async () => {
    const src = await source(300);
    const dst = memoryStore();
    await copyStore(src.store, dst);
    await copyStore(src.store, dst);
    expect(await contentsOf(dst)).toEqual(src.contents);
  });

  it('reports progress per phase, ending each at 1', async () => {
    const src = await source(500);
    const seen: CopyProgress[] = [];
    await copyStore(src.store, memoryStore(), { batchSize: 100, onProgress: (p) => seen.push(p) });
    expect([...new Set(seen.map((p) => p.phase))]).toEqual(['blobs', 'components', 'pointers', 'runs']);
    const runs = seen.filter((p) => p.phase === 'runs');
    expect(runs.at(-1)).toEqual({ phase: 'runs', done: 500, fraction: 1 });
    expect(runs.map((p) => p.fraction)).toEqual([...runs.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(seen.find((p) => p.phase === 'blobs' && p.fraction === 1)?.total).toBe(src.contents.blobs.length);
  });

  it('an aborted copy resumes where it stopped, copies only the rest, and ends with exactly the source', async () => {
    const src = await source(2000);
    const dst = memoryStore();
    const stop = new AbortController();
    let copiedBefore = 0;
    const error = await copyStore(src.store, dst, {
      batchSize: 100,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase === 'runs' && p.done >= 800) {
          copiedBefore = p.done;
          stop.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect(isPipetraceError(error, 'aborted')).toBe(true);
    expect(copiedBefore).toBe(800);
    expect((await contentsOf(dst)).runs.length).toBe(800);
    expect(await dst.listBlobs(COPY_CHECKPOINT_PREFIX)).toHaveLength(1);

    const { store: counted, counter } = countingRuns(dst);
    const result = await copyStore(src.store, counted, { batchSize: 100 });
    expect(result.resumed).toBe(true);
    expect(result.runs).toBe(2000);
    expect(counter.runs).toBe(1200);
    expect(await contentsOf(dst)).toEqual(src.contents);
    expect(await dst.listBlobs(COPY_CHECKPOINT_PREFIX)).toEqual([]);
  }, 60_000);

  it('restart ignores the checkpoint and copies everything again', async () => {
    const src = await source(600);
    const dst = memoryStore();
    const stop = new AbortController();
    await copyStore(src.store, dst, {
      batchSize: 100,
      signal: stop.signal,
      onProgress: (p) => p.phase === 'runs' && p.done >= 300 && stop.abort(),
    }).catch(() => undefined);
    const { store: counted, counter } = countingRuns(dst);
    const result = await copyStore(src.store, counted, { batchSize: 100, restart: true });
    expect(result.resumed).toBe(false);
    expect(counter.runs).toBe(600);
    expect(await contentsOf(dst)).toEqual(src.contents);
  });

  it('refuses a bad batch size and a store copied into itself, changing nothing', async () => {
    const src = await source(10, 0);
    const dst = memoryStore();
    for (const batchSize of [0, -1, 1.5, 10_001, Number.NaN]) {
      const error = await copyStore(src.store, dst, { batchSize }).catch((e: unknown) => e);
      expect(isPipetraceError(error, 'invalid_input'), String(batchSize)).toBe(true);
    }
    expect(isPipetraceError(await copyStore(src.store, src.store).catch((e: unknown) => e), 'invalid_input')).toBe(
      true,
    );
    expect(await contentsOf(dst)).toEqual(await contentsOf(memoryStore()));
  });
});

describe('pipetrace copy', () => {
  it('copies a folder into a new folder and says what it copied', async () => {
    const src = await source(400);
    const to = join(await tempDir(), 'copy');
    const run = await cli(['copy', '--from', src.dir, '--to', to, '--batch-size', '50']);
    expect(run.stderr).toContain('runs');
    expect(run.stdout).toMatch(/^copied 400 runs, 5 components, \d+ pointers and \d+ blobs from /);
    expect(run.code).toBe(0);
    expect(await contentsOf(await folderStore(to))).toEqual(src.contents);
  });

  it('copies from a server URL into a folder', async () => {
    const src = await source(300);
    const server = createServer({ store: src.store, env: {} });
    await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close({ graceMs: 0 }));
    const to = join(await tempDir(), 'from-server');
    const run = await cli(['copy', '--from', server.url, '--to', to, '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toBe('');
    expect(await contentsOf(await folderStore(to))).toEqual(src.contents);
  });

  it('exits 2 with a clear message on bad arguments', async () => {
    const dir = await tempDir();
    const cases: [string[], RegExp][] = [
      [['copy', '--to', dir], /--from: give the store to copy from/],
      [['copy', '--from', dir], /--to: give the store to copy into/],
      [['copy', '--from', dir, '--to', dir], /name the same store/],
      [['copy', '--from', 'memory', '--to', dir], /--from: a new memory store is empty/],
      [['copy', '--from', dir, '--to', `${dir}/b`, '--batch-size', '0'], /--batch-size: must be 1 to 10000, got 0/],
      [['copy', '--from', dir, '--to', `${dir}/b`, '--batch-size', 'many'], /--batch-size/],
      [['copy', '--from', dir, '--to', `${dir}/b`, '--bogus'], /bogus/],
      [['copy', '--from', dir, '--to', `${dir}/b`, 'extra'], /unexpected argument extra/],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr, argv.join(' ')).toMatch(message);
      expect(run.stderr).toContain('Usage: pipetrace copy');
    }
    expect(existsSync(`${dir}/b`)).toBe(false);
  });

  it('exits 1 when the source does not exist, creating nothing', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'nothing-here');
    const to = join(dir, 'dst');
    const run = await cli(['copy', '--from', missing, '--to', to]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no pipetrace store at .*nothing-here/);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(to)).toBe(false);
  });

  it('exits 1 when the source server cannot be reached, before touching the destination', async () => {
    const dir = await tempDir();
    const probe = createServer({ store: memoryStore(), env: {} });
    const { url } = await probe.listen(0, '127.0.0.1');
    await probe.close();
    const to = join(dir, 'dst');
    const run = await cli(['copy', '--from', url, '--to', to]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach/);
    expect(existsSync(to)).toBe(false);
  }, 60_000);

  it('a copy killed mid-way resumes when run again and ends with exactly the source', async () => {
    const src = await source(6000, 0);
    const to = join(await tempDir(), 'dst');
    const args = ['--import', 'tsx', 'cli/main.ts', 'copy', '--from', src.dir, '--to', to, '--batch-size', '10'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    // Killed as the runs begin (their first progress line): blobs, components and pointers are in,
    // and 600 durable batches of runs are still to come.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/^runs /m.test(stderr)) resolve();
      });
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = await fsJsonStore({ dir: to, durable: false, onCorrupt: () => {} });
    const copied = (await contentsOf(partial)).runs.length;
    expect(await partial.listBlobs(COPY_CHECKPOINT_PREFIX)).toHaveLength(1);
    await partial.close();
    expect(copied).toBeLessThan(6000);

    const again = await cli(['copy', '--from', src.dir, '--to', to, '--batch-size', '500']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('copied 6000 runs');
    expect(again.stdout).toContain('(resumed)');
    const done = await folderStore(to);
    expect(await contentsOf(done)).toEqual(src.contents);
    expect(await done.listBlobs(COPY_CHECKPOINT_PREFIX)).toEqual([]);
  }, 120_000);
});

describe('copy progress output', () => {
  it('draws a bar in place on a terminal and prints plain lines otherwise', () => {
    expect(progressLine({ phase: 'runs', done: 52_000, fraction: 0.52 }, 10)).toBe(
      'runs       [#####-----]  52%  52,000',
    );
    let t = 0;
    const lines: string[] = [];
    const plain = progressReporter({ write: (s) => lines.push(s), tty: false, everyMs: 1000, now: () => t });
    plain.update({ phase: 'blobs', done: 0, total: 2, fraction: 0 });
    plain.update({ phase: 'blobs', done: 1, total: 2, fraction: 0.5 });
    t = 2000;
    plain.update({ phase: 'blobs', done: 2, total: 2, fraction: 1 });
    plain.end();
    expect(lines.map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'blobs [------------------------] 0% 0/2 ',
      'blobs [########################] 100% 2/2 ',
    ]);
    const drawn: string[] = [];
    const tty = progressReporter({ write: (s) => drawn.push(s), tty: true, now: () => 0 });
    tty.update({ phase: 'runs', done: 1, fraction: 0.1 });
    tty.end();
    expect(drawn.join('')).toMatch(/^\rruns .*10%.*\u001b\[K\n$/);
  });
});
