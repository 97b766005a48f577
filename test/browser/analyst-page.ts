/**
 * Browser page for test/browser/analyst.test.ts and bench/worker.bench.ts: builds pipelines in
 * the page and runs analyses through the bundled worker (./worker.js, from worker/browser.ts)
 * and in-thread. Node calls the functions on `window.analystPage` and compares.
 */
import { indexedDbStore } from '../../adapters/indexeddb/index.js';
import { crashWorkerForTests } from '../../src/analyst/analyst.js';
import { type Analyst, createAnalyst } from '../../src/analyst/index.js';
import { isPipetraceError } from '../../src/errors.js';
import type { Store } from '../../src/store.js';
import { buildPipeline, type Pipeline } from '../analyst-data.js';

const NOW = Date.UTC(2026, 3, 1);
let workersStarted = 0;
const workerFactory = () => {
  workersStarted++;
  return new Worker(new URL('./worker.js', location.href), { type: 'module' });
};

function pair(store: Store): { worker: Analyst; local: Analyst } {
  return {
    worker: createAnalyst({ store, worker: 'always', workerFactory }),
    local: createAnalyst({ store, worker: 'never' }),
  };
}

async function both(pipeline: Pipeline, worker: Analyst, local: Analyst) {
  const out: Record<string, { worker: unknown; local: unknown }> = {};
  const calls: Record<string, (a: Analyst) => Promise<unknown>> = {
    trace: (a) => a.trace(pipeline.last),
    staleness: (a) => a.staleness(pipeline.last, { now: NOW }),
    review: (a) => a.review(),
    history: (a) => a.history('clean', { limit: 5 }),
    traceRow: (a) => a.traceRow('preds/1/0', 'p1-3'),
    impact: (a) => a.impact('raw/2', '2-9'),
    reviewRows: (a) => a.reviewRows(),
  };
  for (const [name, call] of Object.entries(calls))
    out[name] = { worker: await call(worker), local: await call(local) };
  return out;
}

/** Records main-thread long tasks (>= 50 ms) and the largest gap between 5 ms heartbeats. */
function watchMainThread() {
  const tasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push(entry.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  let maxGap = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  return async () => {
    // Long-task entries are delivered after the task; give them a moment.
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(beat);
    observer.disconnect();
    return { longestTask: Math.max(0, ...tasks), longTasks: tasks.length, maxGap };
  };
}

async function countRuns(store: Store): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns(cursor === undefined ? { limit: 10_000 } : { limit: 10_000, cursor });
    n += page.runs.length;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return n;
}

const api = {
  /** Memory store (snapshot): every analysis through the worker and in-thread. */
  async memory(days: number) {
    const pipeline = await buildPipeline({ days });
    const { worker, local } = pair(pipeline.store);
    const results = await both(pipeline, worker, local);
    await worker.close();
    return { source: worker.source, results };
  },
  /** IndexedDB: the worker reopens the database by name. */
  async indexeddb(days: number) {
    const name = `analyst-${Math.random().toString(36).slice(2)}`;
    const store = indexedDbStore({ name });
    const pipeline = await buildPipeline({ days, store });
    const { worker, local } = pair(store);
    const results = await both(pipeline, worker, local);
    await worker.close();
    await store.close();
    return { source: worker.source, results };
  },
  /** A worker file of the user's own that calls exposeAnalyst(). */
  async ownWorker() {
    const pipeline = await buildPipeline({ days: 15 });
    const worker = createAnalyst({
      store: pipeline.store,
      worker: 'always',
      workerFactory: () => new Worker(new URL('./own-worker.js', location.href), { type: 'module' }),
    });
    const local = createAnalyst({ store: pipeline.store, worker: 'never' });
    const results = { worker: await worker.trace(pipeline.last), local: await local.trace(pipeline.last) };
    await worker.close();
    return results;
  },
  /** A worker that throws an uncaught error: the call in flight fails, the next one works. */
  async crash() {
    const pipeline = await buildPipeline({ days: 300 });
    const analyst = createAnalyst({ store: pipeline.store, worker: 'always', workerFactory });
    await analyst.ping();
    const before = workersStarted;
    // Both messages go out now; the worker reports the error before it takes the review.
    const crash = crashWorkerForTests(analyst, 'throw');
    const error = await analyst.review().catch((e: unknown) => e);
    await crash;
    const after = await analyst.trace(pipeline.last);
    await analyst.close();
    return {
      code: isPipetraceError(error) ? error.code : String(error),
      message: (error as Error)?.message,
      recoveredRoot: after.root,
      workersStarted: workersStarted - before,
    };
  },
  /** Abort mid-review: rejects with aborted; the next call works on a new worker. */
  async abort() {
    const pipeline = await buildPipeline({ days: 300 });
    const analyst = createAnalyst({ store: pipeline.store, worker: 'always', workerFactory });
    await analyst.ping();
    const controller = new AbortController();
    const error = await analyst
      .review({ signal: controller.signal, onProgress: () => controller.abort() })
      .catch((e: unknown) => e);
    const after = await analyst.flagged();
    await analyst.close();
    return { code: isPipetraceError(error) ? error.code : String(error), flagged: after.length };
  },
  /**
   * A large review, in the worker and then in-thread, while the main thread is watched.
   * Returns the durations and the main thread's longest task in each case. `warm` runs each
   * review once first, so both threads have compiled the code (the worker starts cold).
   */
  async longTasks(days: number, warm = false) {
    const pipeline = await buildPipeline({ days, parts: 8 });
    const { worker, local } = pair(pipeline.store);
    await worker.ping(); // start the worker and send the snapshot before watching
    if (warm) await Promise.all([worker.review(), local.review()]);
    const watchWorker = watchMainThread();
    let t = performance.now();
    const inWorker = await worker.review();
    const workerMs = performance.now() - t;
    const workerThread = await watchWorker();
    await new Promise((r) => setTimeout(r, 50));
    const watchLocal = watchMainThread();
    t = performance.now();
    const inThread = await local.review();
    const localMs = performance.now() - t;
    const localThread = await watchLocal();
    // The cold path too: start a worker and copy the store, watched.
    const cold = createAnalyst({ store: pipeline.store, worker: 'always', workerFactory });
    const watchCold = watchMainThread();
    t = performance.now();
    await cold.review();
    const coldMs = performance.now() - t;
    const coldThread = await watchCold();
    await Promise.all([worker.close(), cold.close()]);
    return {
      same: JSON.stringify(inWorker) === JSON.stringify(inThread),
      runs: await countRuns(pipeline.store),
      worker: { ms: workerMs, ...workerThread },
      inThread: { ms: localMs, ...localThread },
      coldWorker: { ms: coldMs, ...coldThread },
    };
  },
};

(globalThis as Record<string, unknown>).analystPage = api;
export type AnalystPage = typeof api;
