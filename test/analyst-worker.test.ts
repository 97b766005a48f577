/**
 * The built worker in real worker_threads: worker/node.ts bundled by esbuild into a temporary
 * ES module (and a CommonJS file), started by the analyst, compared with in-thread results.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { crashWorkerForTests } from '../src/analyst/analyst.js';
import { type Analyst, type AnalystProgress, createAnalyst } from '../src/analyst/index.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/index.js';
import { flagRows, writeRowLineage } from '../src/rows/index.js';
import { buildPipeline, type Pipeline } from './analyst-data.js';
import { buildNodeWorker } from './node-worker-build.js';

const NOW = Date.UTC(2026, 3, 1);
const ROOT = join(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const run = promisify(execFile);
const codeOf = (e: unknown) => (isPipetraceError(e) ? e.code : `not a PipetraceError: ${String(e)}`);

let dir: string;
let esmFile: string;
let cjsFile: string;
let small: Pipeline;
let large: Pipeline;
const analysts: Analyst[] = [];

/** An analyst on the bundled worker that remembers every Worker it started. */
function workerAnalyst(pipeline: Pipeline, workers: Worker[] = []): Analyst {
  const analyst = createAnalyst({
    store: pipeline.store,
    worker: 'always',
    workerFactory: () => {
      const w = new Worker(esmFile);
      workers.push(w);
      return w;
    },
  });
  analysts.push(analyst);
  return analyst;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipetrace-analyst-'));
  esmFile = join(dir, 'worker.mjs');
  cjsFile = join(dir, 'worker.cjs');
  await Promise.all([buildNodeWorker(esmFile, 'esm'), buildNodeWorker(cjsFile, 'cjs')]);
  small = await buildPipeline({ days: 40 });
  large = await buildPipeline({ days: 1500, parts: 8 });
}, 120_000);

afterAll(async () => {
  await Promise.all(analysts.map((a) => a.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('the built worker in worker_threads', () => {
  it('gives the same results as in-thread for every analysis on the same store', async () => {
    const worker = workerAnalyst(small);
    const local = createAnalyst({ store: small.store, worker: 'never' });
    const both = async <T>(call: (a: Analyst) => Promise<T>) => {
      const [w, l] = await Promise.all([call(worker), call(local)]);
      expect(w).toEqual(l);
      return w;
    };
    expect((await both((a) => a.trace(small.last))).nodes.length).toBeGreaterThan(100);
    await both((a) => a.trace({ run: small.middleRun }, { depth: 3 }));
    expect((await both((a) => a.staleness(small.last, { now: NOW }))).stale).toBe(true);
    expect((await both((a) => a.review())).F).toBeGreaterThan(0);
    await both((a) => a.review({ method: 'risk_ratio', minSupport: 2 }));
    await both((a) => a.history('features', { limit: 7 }));
    await both((a) => a.recent(4));
    await both((a) => a.flagged());
    await both((a) => a.components());
    expect((await both((a) => a.traceRow('preds/1/0', 'p1-3'))).steps.length).toBeGreaterThan(0);
    await both((a) => a.impact('raw/2', '2-9'));
    expect((await both((a) => a.reviewRows())).F).toBe(3);
    expect(worker.mode).toBe('worker');
  });

  it('lets a Node script that never calls close() exit: nothing is left holding the event loop', async () => {
    const script = join(dir, 'exit-child.mts');
    const src = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, file)).href);
    await writeFile(
      script,
      [
        `import { Worker } from 'node:worker_threads';`,
        `import { memoryStore } from ${src('adapters/memory.ts')};`,
        `import { createAnalyst } from ${src('src/analyst/index.ts')};`,
        `import { createPipetrace } from ${src('src/index.ts')};`,
        `const pt = createPipetrace({ store: memoryStore() });`,
        `await pt.logRun({ component: 'a', startedAt: 1, endedAt: 2, outputs: ['x'] });`,
        `await pt.flag('x');`,
        `const analyst = createAnalyst({ store: pt.store, worker: 'always', workerFactory: () => new Worker(process.argv[2]) });`,
        `const phases = [];`,
        `const review = await analyst.review({ onProgress: (p) => phases.push(p.phase) });`,
        `await new Promise((r) => setImmediate(r));`,
        `console.log(JSON.stringify({ F: review.F, mode: analyst.mode, phases, handles: process.getActiveResourcesInfo() }));`,
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['--import', TSX, script, esmFile], { cwd: dir });
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ F: 1, mode: 'worker' });
    expect(out.phases.at(-1)).toBe('done');
    // Only the stdout pipe: no worker, no progress port (which kept Node alive for seconds).
    expect(out.handles.filter((h: string) => h !== 'PipeWrap' && h !== 'TTYWrap')).toEqual([]);
  });

  it('keeps the error code of a failed analysis', async () => {
    const worker = workerAnalyst(small);
    const error = await worker.inspect('no-such-run').catch((e: unknown) => e);
    expect(codeOf(error)).toBe('not_found');
    expect((error as Error).message).toMatch(/no-such-run/);
  });

  it('starts from the ESM and the CommonJS build through nodeWorkerFactory', async () => {
    const esm = (await import(pathToFileURL(esmFile).href)) as typeof import('../worker/node.js');
    const cjs = createRequire(import.meta.url)(cjsFile) as typeof import('../worker/node.js');
    const expected = await createAnalyst({ store: small.store, worker: 'never' }).trace(small.last);
    for (const factory of [esm.nodeWorkerFactory(), cjs.nodeWorkerFactory()]) {
      const analyst = createAnalyst({ store: small.store, worker: 'always', workerFactory: factory });
      analysts.push(analyst);
      expect(await analyst.trace(small.last)).toEqual(expected);
    }
  });

  it('reports progress from the worker, ending with done, and none after the call settles', async () => {
    const worker = workerAnalyst(small);
    const events: AnalystProgress[] = [];
    const late: AnalystProgress[] = [];
    let settled = false;
    await worker.review({ onProgress: (e) => (settled ? late : events).push(e) });
    settled = true;
    // A round trip to the worker: whatever it sent before has arrived by now.
    await worker.ping();
    await new Promise((r) => setImmediate(r));
    expect(late).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.where === 'worker' && e.method === 'review')).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: 'done' });
    expect(events.at(-1)?.records).toBeGreaterThan(100);
  });

  it('rejects with aborted when aborted mid-call, terminates the busy worker and starts a new one next time', async () => {
    const workers: Worker[] = [];
    const worker = workerAnalyst(large, workers);
    await worker.ping();
    const controller = new AbortController();
    const exited = new Promise<number>((resolve) => workers[0]?.once('exit', resolve));
    const pending = worker.review({ signal: controller.signal, onProgress: () => controller.abort() });
    expect(codeOf(await pending.catch((e: unknown) => e))).toBe('aborted');
    // terminate() ends the thread: exit code 1.
    expect(await exited).toBe(1);
    expect((await worker.flagged()).length).toBeGreaterThan(0);
    expect(workers).toHaveLength(2);
  });

  it('surfaces a worker killed mid-call as unavailable saying it died, then recovers', async () => {
    const workers: Worker[] = [];
    const worker = workerAnalyst(large, workers);
    await worker.ping();
    const pending = worker.review({ onProgress: () => void workers[0]?.terminate() });
    const error = await pending.catch((e: unknown) => e);
    expect(codeOf(error)).toBe('unavailable');
    expect((error as Error).message).toMatch(/worker died/);
    const local = createAnalyst({ store: large.store, worker: 'never' });
    expect(await worker.review()).toEqual(await local.review());
    expect(workers).toHaveLength(2);
  });

  it('starts one worker for concurrent calls, also when replacing a dead one', async () => {
    const workers: Worker[] = [];
    const worker = workerAnalyst(small, workers);
    const calls = () => Promise.all([worker.trace(small.last), worker.review(), worker.flagged(), worker.recent(2)]);
    await calls();
    expect(workers).toHaveLength(1);
    await crashWorkerForTests(worker, 'exit');
    await calls();
    expect(workers).toHaveLength(2);
  });

  it('recovers after the worker exits on its own between calls', async () => {
    const workers: Worker[] = [];
    const worker = workerAnalyst(small, workers);
    await worker.ping();
    await crashWorkerForTests(worker, 'exit');
    expect((await worker.trace(small.last)).root).toBe('infer-39');
    expect(workers).toHaveLength(2);
  });

  it('has snapshot semantics: runs logged while a review is in flight do not change it', async () => {
    const pipeline = await buildPipeline({ days: 300 });
    const before = await createAnalyst({ store: pipeline.store, worker: 'never' }).review();
    const worker = workerAnalyst(pipeline);
    const pt = createPipetrace({ store: pipeline.store });
    let logged: Promise<unknown> | undefined;
    const review = worker.review({
      onProgress: () => {
        logged ??= (async () => {
          await pt.logRun({
            component: 'infer',
            startedAt: NOW,
            endedAt: NOW + 1,
            inputs: ['features/299'],
            outputs: ['late'],
          });
          await pt.flag('late');
        })();
      },
    });
    expect(await review).toEqual(before);
    await logged;
    // The next call sees the new run: the analyst sends a fresh snapshot after a write.
    const after = await worker.review();
    expect(after.F).toBe(before.F + 1);
    expect(after).toEqual(await createAnalyst({ store: pipeline.store, worker: 'never' }).review());
  });

  it('sends a fresh snapshot after row flags or row lineage change, though blob writes raise no event', async () => {
    const pipeline = await buildPipeline({ days: 10 });
    const worker = workerAnalyst(pipeline);
    const local = createAnalyst({ store: pipeline.store, worker: 'never' });
    expect((await worker.reviewRows()).F).toBe(3);
    await flagRows(pipeline.store, 'preds/1/0', ['p1-4', 'p1-5']);
    const after = await worker.reviewRows();
    expect(after.F).toBe(5);
    expect(after).toEqual(await local.reviewRows());
    await writeRowLineage(pipeline.store, 'clean-5', [
      { output: 'clean/5', input: 'raw/5', kind: 'keep', keys: ['5-a', '5-b'] },
    ]);
    expect(await worker.impact('raw/5', '5-a')).toEqual(await local.impact('raw/5', '5-a'));
  });

  it('lets the worker reopen an fs-json store by folder instead of copying it', async () => {
    const folder = join(dir, 'store');
    const store = await fsJsonStore({ dir: folder, durable: false });
    try {
      await buildPipeline({ days: 20, store });
      const worker = createAnalyst({ store, worker: 'always', workerFactory: () => new Worker(esmFile) });
      analysts.push(worker);
      expect(worker.source).toBe(`fs-json:${folder}`);
      const local = createAnalyst({ store, worker: 'never' });
      expect(await worker.trace('preds/19/3')).toEqual(await local.trace('preds/19/3'));
      expect(await worker.reviewRows()).toEqual(await local.reviewRows());
    } finally {
      await store.close();
    }
  });

  it('lets the worker reopen an HTTP store by url and token', async () => {
    const backing = memoryStore();
    const server = createServer({ store: backing, token: 'analyst-token', env: {} });
    const { url } = await server.listen(0, '127.0.0.1');
    const client = httpStore({ url, token: 'analyst-token' });
    try {
      await buildPipeline({ days: 12, store: backing });
      const worker = createAnalyst({
        store: client,
        source: { kind: 'http', url, token: 'analyst-token' },
        worker: 'always',
        workerFactory: () => new Worker(esmFile),
      });
      analysts.push(worker);
      expect(worker.source).toBe(`http:${url}`);
      const local = createAnalyst({ store: backing, worker: 'never' });
      expect(await worker.trace('preds/11/3')).toEqual(await local.trace('preds/11/3'));
      expect(await worker.review()).toEqual(await local.review());
      await worker.close();
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('copies a memory store as a snapshot', () => {
    expect(createAnalyst({ store: memoryStore() }).source).toBe('snapshot');
  });
});
