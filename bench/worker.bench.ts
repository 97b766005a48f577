/**
 * Analyst figures (issue 5). Node worker_threads: a ping round trip, a large trace and a review
 * through the worker against the same calls in-thread. Real Chromium: the main thread's longest
 * task while the worker runs a review of about a second, and the same review in-thread.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Page } from 'playwright-core';
import { createAnalyst } from '../src/analyst/index.js';
import type { Store } from '../src/store.js';
import { buildPipeline } from '../test/analyst-data.js';
import type { AnalystPage } from '../test/browser/analyst-page.js';
import { bundle, serveStatic, TEST_PAGE, withChromium, writeTempDir } from '../test/browser/harness.js';
import { buildNodeWorker } from '../test/node-worker-build.js';
import { percentile, report, round, sample } from './lib.js';

const median = (xs: number[]) => percentile(xs, 50);

/** Alternating samples of two calls, so drift on a noisy machine hits both alike. */
async function paired(n: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number[], number[]]> {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [fn, out] of i % 2 === 0
      ? ([
          [a, xs],
          [b, ys],
        ] as const)
      : ([
          [b, ys],
          [a, xs],
        ] as const)) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
  }
  return [xs, ys];
}

async function node(dir: string) {
  const file = join(dir, 'worker.mjs');
  await buildNodeWorker(file);
  const open = (store: Store) => ({
    worker: createAnalyst({ store, worker: 'always', workerFactory: () => new Worker(file) }),
    local: createAnalyst({ store, worker: 'never' }),
  });

  // A trace of about 8,000 runs: features reads yesterday's features, so it reaches every day.
  const big = await buildPipeline({ days: 2000, rowDays: 0 });
  const a = open(big.store);
  const t0 = performance.now();
  await a.worker.ping(); // starts the worker and sends the snapshot
  const startMs = performance.now() - t0;
  const pings = await sample(300, () => a.worker.ping(), 50);
  const nodes = (await a.local.trace(big.last)).nodes.length;
  for (let i = 0; i < 3; i++) await Promise.all([a.worker.trace(big.last), a.local.trace(big.last)]);
  const [wt, lt] = await paired(
    21,
    () => a.worker.trace(big.last),
    () => a.local.trace(big.last),
  );
  await a.worker.close();

  // A large review (about 24,000 runs, 3,000 flagged outputs), warmed up on both sides.
  const mid = await buildPipeline({ days: 3000, parts: 8, rowDays: 0 });
  const b = open(mid.store);
  await b.worker.ping();
  for (let i = 0; i < 3; i++) await Promise.all([b.worker.review(), b.local.review()]);
  const [wr, lr] = await paired(
    7,
    () => b.worker.review(),
    () => b.local.review(),
  );
  await b.worker.close();
  return {
    worker_start_and_snapshot_ms: round(startMs, 1),
    worker_roundtrip_ms: round(median(pings), 3),
    worker_roundtrip_p99_ms: round(percentile(pings, 99), 3),
    worker_trace_runs: nodes,
    worker_trace_ms: round(median(wt), 1),
    inthread_trace_ms: round(median(lt), 1),
    worker_trace_overhead: round(median(wt) / median(lt), 2),
    worker_review_ms: round(median(wr), 1),
    inthread_review_ms: round(median(lr), 1),
    worker_review_vs_inthread: round(median(wr) / median(lr), 2),
  };
}

async function chromium() {
  const here = (p: string) => new URL(p, import.meta.url).pathname;
  const [page, worker] = await Promise.all([
    bundle(here('../test/browser/analyst-page.ts')),
    bundle(here('../worker/browser.ts')),
  ]);
  const dir = await writeTempDir({ 'index.html': TEST_PAGE, 'bundle.js': page, 'worker.js': worker });
  const server = await serveStatic(dir);
  try {
    return await withChromium(async (p: Page) => {
      await p.goto(server.url);
      await p.waitForFunction(() => 'analystPage' in globalThis, undefined, { timeout: 30_000 });
      const run = (days: number) =>
        p.evaluate((d) => (globalThis as unknown as { analystPage: AnalystPage }).analystPage.longTasks(d, true), days);
      const o = await run(8000);
      return {
        chromium_review_runs: o.runs,
        chromium_worker_review_ms: round(o.worker.ms, 1),
        chromium_inthread_review_ms: round(o.inThread.ms, 1),
        main_thread_longest_task_ms: round(o.worker.longestTask, 1),
        main_thread_max_gap_ms: round(o.worker.maxGap, 1),
        main_thread_longest_task_cold_worker_ms: round(o.coldWorker.longestTask, 1),
        main_thread_longest_task_inthread_ms: round(o.inThread.longestTask, 1),
      };
    });
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const dir = await mkdtemp(join(tmpdir(), 'pipetrace-worker-bench-'));
try {
  const figures = { ...(await node(dir)), ...(await chromium()) };
  console.error(figures);
  report(figures);
} finally {
  await rm(dir, { recursive: true, force: true });
}
