/**
 * fs-json at 1M runs (issue 17 §2), each figure in a fresh process over a store written once:
 *   scale_fs_open_1m_ms          open and answer recent(10) (scanRuns({limit:10})); median of 3
 *   scale_fs_first_query_1m_ms   open, then the first filtered query (runs of one component)
 *                                and the first latestWriters; median of 3, open included
 *   scale_fs_latest_writers_1m_ms  open, then latestWriters as the first question; median of 3
 *   scale_fs_build_1m_s          writing the 1M runs (not durable, batches of 10k) and the index
 * Run with `npm run bench -- scale-fs`: 8 minutes on a shared 2-core machine at load 22 (about
 * 70 s of CPU), most of it writing the store. SCALE_FS_RUNS=200000 runs a smaller version.
 * SCALE_FS_DIR=/some/dir keeps the store there and reuses it on the next run (it rewrites the
 * index first, so a store written by an earlier version is measured in the current format).
 * With `--open DIR [--first|--writers]` it is the child that measures one open.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { makeRuns, openInChild as openChild } from './fs-runs.js';
import { percentile, report, round } from './lib.js';

const RUNS = Number(process.env.SCALE_FS_RUNS ?? 1_000_000);
const BATCH = 10_000;

type Mode = 'open' | 'first' | 'writers';

async function child(dir: string, mode: Mode): Promise<void> {
  const t0 = performance.now();
  const store = await fsJsonStore({ dir });
  const writer = async () => {
    const [w] = await store.latestWriters([{ pointer: `s3://bucket/out/${Math.floor(RUNS / 3)}.parquet` }]);
    if (w === undefined) throw new Error('no writer found');
  };
  if (mode === 'writers') {
    await writer();
  } else {
    const page = await store.scanRuns(mode === 'first' ? { component: 'train', limit: 10 } : { limit: 10 });
    if (page.runs.length !== 10) throw new Error(`expected 10 runs, got ${page.runs.length}`);
    if (mode === 'first') await writer();
  }
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
  process.exit(0);
}

const inChild = (dir: string, mode: Mode) =>
  openChild<{ ms: number }>(new URL(import.meta.url).pathname, dir, mode === 'open' ? [] : [`--${mode}`]).ms;

/** The store's folder: built afresh, or kept in SCALE_FS_DIR and reused; seconds spent building. */
async function storeDir(root: string): Promise<{ dir: string; buildSeconds: number }> {
  const kept = process.env.SCALE_FS_DIR;
  const dir = kept ?? join(root, 'store');
  const t0 = performance.now();
  if (kept !== undefined && existsSync(join(kept, 'index.ndjson'))) {
    const store = await fsJsonStore({ dir, durable: false });
    await store.checkpoint();
    await store.close();
    return { dir, buildSeconds: Number.NaN };
  }
  const store = await fsJsonStore({ dir, durable: false });
  for (let b = 0; b < RUNS; b += BATCH) await store.putRuns(makeRuns(b, Math.min(BATCH, RUNS - b)));
  await store.close();
  return { dir, buildSeconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pipetrace-scale-fs-'));
  try {
    const { dir, buildSeconds } = await storeDir(root);
    const median = (mode: Mode) =>
      round(
        percentile(
          Array.from({ length: 3 }, () => inChild(dir, mode)),
          50,
        ),
        1,
      );
    report({
      scale_fs_runs: RUNS,
      ...(Number.isNaN(buildSeconds) ? {} : { scale_fs_build_1m_s: round(buildSeconds, 1) }),
      scale_fs_open_1m_ms: median('open'),
      scale_fs_first_query_1m_ms: median('first'),
      scale_fs_latest_writers_1m_ms: median('writers'),
      scale_fs_load_average_1m: round(loadavg()[0] ?? Number.NaN, 1),
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--open');
const mode: Mode = process.argv.includes('--first') ? 'first' : process.argv.includes('--writers') ? 'writers' : 'open';
if (at >= 0) await child(process.argv[at + 1] as string, mode);
else await main();
