/**
 * fs-json at 1M runs (issue 17 §2), each figure in a fresh process over a store written once:
 *   scale_fs_open_1m_ms          open and answer recent(10) (scanRuns({limit:10})); median of 3
 *   scale_fs_first_query_1m_ms   open, then the first filtered query (runs of one component)
 *                                and the first latestWriters; median of 3, open included
 *   scale_fs_build_1m_s          writing the 1M runs (not durable, batches of 10k) and the index
 * Run with `npm run bench -- scale-fs`: 8 minutes on a shared 2-core machine at load 22 (about
 * 70 s of CPU), most of it writing the store. SCALE_FS_RUNS=200000 runs a smaller version.
 * With `--open DIR [--first]` it is the child that measures one open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { makeRuns, openInChild as openChild } from './fs-runs.js';
import { percentile, report, round } from './lib.js';

const RUNS = Number(process.env.SCALE_FS_RUNS ?? 1_000_000);
const BATCH = 10_000;

async function child(dir: string, first: boolean): Promise<void> {
  const t0 = performance.now();
  const store = await fsJsonStore({ dir });
  let page = await store.scanRuns({ limit: 10 });
  const open = performance.now() - t0;
  if (first) {
    page = await store.scanRuns({ component: 'train', limit: 10 });
    const [w] = await store.latestWriters([{ pointer: `s3://bucket/out/${Math.floor(RUNS / 3)}.parquet` }]);
    if (w === undefined) throw new Error('no writer found');
  }
  const total = performance.now() - t0;
  if (page.runs.length !== 10) throw new Error(`expected 10 runs, got ${page.runs.length}`);
  process.stdout.write(`${JSON.stringify({ open, total })}\n`);
  process.exit(0);
}

const openInChild = (dir: string, first: boolean) =>
  openChild<{ open: number; total: number }>(new URL(import.meta.url).pathname, dir, first ? ['--first'] : []);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pipetrace-scale-fs-'));
  try {
    const dir = join(root, 'store');
    const t0 = performance.now();
    const store = await fsJsonStore({ dir, durable: false });
    for (let b = 0; b < RUNS; b += BATCH) await store.putRuns(makeRuns(b, Math.min(BATCH, RUNS - b)));
    await store.close();
    const buildSeconds = (performance.now() - t0) / 1000;
    const opens = Array.from({ length: 3 }, () => openInChild(dir, false).open);
    const firsts = Array.from({ length: 3 }, () => openInChild(dir, true).total);
    report({
      scale_fs_runs: RUNS,
      scale_fs_build_1m_s: round(buildSeconds, 1),
      scale_fs_open_1m_ms: round(percentile(opens, 50), 1),
      scale_fs_first_query_1m_ms: round(percentile(firsts, 50), 1),
      scale_fs_load_average_1m: round(loadavg()[0] ?? Number.NaN, 1),
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--open');
if (at >= 0) await child(process.argv[at + 1] as string, process.argv.includes('--first'));
else await main();
