/**
 * fs-json store figures:
 *   fs_log_runs_per_s      durable batched logging: putRuns of 1,000 runs, fsync per batch
 *   fs_open_100k_ms        open a 100k-run store in a fresh process and answer recent(10)
 *                          (scanRuns({limit:10})); median of 5 processes, start-up excluded
 *   fs_open_100k_first_writers_ms  the same, then the first latestWriters (loads the full index)
 *   fs_open_100k_no_index_ms       recent(10) with index.ndjson deleted (rebuilt from segments)
 *   fs_load_average_1m             the machine's load when done (the figures are noisy above ~2)
 * Run with `npm run bench -- fs`. With `--open DIR [--writers]` it is the child that measures one open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { makeRuns, openInChild as openChild } from './fs-runs.js';
import { percentile, report, round } from './lib.js';

const BATCH = 1000;

async function child(dir: string, writers: boolean): Promise<void> {
  const t0 = performance.now();
  const store = await fsJsonStore({ dir });
  const page = await store.scanRuns({ limit: 10 });
  const open = performance.now() - t0;
  let first = Number.NaN;
  if (writers) {
    await store.latestWriters([{ pointer: 's3://bucket/out/5' }]);
    first = performance.now() - t0;
  }
  if (page.runs.length !== 10) throw new Error(`expected 10 runs, got ${page.runs.length}`);
  process.stdout.write(`${JSON.stringify({ open, first })}\n`);
  // Exit without close: a reader that only looked must not need to write the index.
  process.exit(0);
}

const openInChild = (dir: string, writers: boolean) =>
  openChild<{ open: number; first: number }>(new URL(import.meta.url).pathname, dir, writers ? ['--writers'] : []);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-bench-'));
  try {
    // Logging: 50 batches of 1,000 into a fresh store, after a warm-up in another folder.
    const warm = await fsJsonStore({ dir: join(root, 'warm-up') });
    for (let b = 0; b < 3; b++) await warm.putRuns(makeRuns(b * BATCH, BATCH));
    await warm.close();
    const store = await fsJsonStore({ dir: join(root, 'log') });
    const batches = Array.from({ length: 50 }, (_, b) => makeRuns(b * BATCH, BATCH));
    const t0 = performance.now();
    for (const batch of batches) await store.putRuns(batch);
    const logSeconds = (performance.now() - t0) / 1000;
    await store.close();

    // Opening: a 100k store written once, closed (which writes the index), opened in fresh processes.
    const bigDir = join(root, 'big');
    const big = await fsJsonStore({ dir: bigDir, durable: false });
    for (let b = 0; b < 100; b++) await big.putRuns(makeRuns(b * BATCH, BATCH));
    await big.close();
    const opens = Array.from({ length: 5 }, () => openInChild(bigDir, false).open);
    const withWriters = Array.from({ length: 3 }, () => openInChild(bigDir, true).first);
    rmSync(join(bigDir, 'index.ndjson'));
    const noIndex = openInChild(bigDir, false).open;

    report({
      fs_log_runs_per_s: Math.round((batches.length * BATCH) / logSeconds),
      fs_open_100k_ms: round(percentile(opens, 50), 1),
      fs_open_100k_first_writers_ms: round(percentile(withWriters, 50), 1),
      fs_open_100k_no_index_ms: round(noIndex, 1),
      fs_load_average_1m: round(loadavg()[0] ?? Number.NaN, 1),
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--open');
if (at >= 0) await child(process.argv[at + 1] as string, process.argv.includes('--writers'));
else await main();
