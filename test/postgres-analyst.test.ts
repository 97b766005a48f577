/**
 * The Node analysis worker over PostgreSQL: the built worker (worker/node.ts bundled by esbuild)
 * reopens the database from the store's URL in its own thread instead of copying the store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../adapters/postgres/index.js';
import { type Analyst, createAnalyst } from '../src/analyst/index.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/pipetrace.js';
import { buildPipeline } from './analyst-data.js';
import { buildNodeWorker } from './node-worker-build.js';
import { useTestPostgres } from './pg/use.js';

const pg = useTestPostgres();
let dir: string;
let workerFile: string;
const analysts: Analyst[] = [];

function inWorker(options: Omit<Parameters<typeof createAnalyst>[0], 'worker' | 'workerFactory'>): Analyst {
  const analyst = createAnalyst({ ...options, worker: 'always', workerFactory: () => new Worker(workerFile) });
  analysts.push(analyst);
  return analyst;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipetrace-pg-analyst-'));
  workerFile = join(dir, 'worker.mjs');
  await buildNodeWorker(workerFile);
}, 120_000);

afterAll(async () => {
  await Promise.all(analysts.map((a) => a.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('the Node analysis worker over PostgreSQL', () => {
  it('reopens the database from its URL, so it answers with the store closed and sees later writes', async () => {
    const schema = 'analyst_reopen';
    const store = await postgresStore({ url: pg.url }, { schema });
    const pipeline = await buildPipeline({ days: 15, store });
    const local = createAnalyst({ store, worker: 'never' });
    const trace = await local.trace(pipeline.last);
    const rows = await local.reviewRows();
    const worker = inWorker({ store });
    expect(worker.source).toBe(`postgres:127.0.0.1:${pg.port}/postgres?schema=${schema}`);
    expect(worker.source).toBe(store.kind);
    expect(inspect(store, { depth: 1 }) + JSON.stringify(worker)).not.toContain(pg.password);
    // A copy would be taken from the store at the first call: closed, it could give nothing.
    await store.close();
    expect(await worker.trace(pipeline.last)).toEqual(trace);
    expect(await worker.reviewRows()).toEqual(rows);
    expect(worker.mode).toBe('worker');

    const other = await postgresStore({ url: pg.url }, { schema, live: false });
    try {
      const run = await createPipetrace({ store: other }).logRun({
        component: 'late',
        startedAt: Date.UTC(2027, 0, 1),
        endedAt: Date.UTC(2027, 0, 1, 1),
        inputs: [pipeline.last],
      });
      expect((await worker.recent(1)).map((r) => r.id)).toEqual([run.id]);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('names the server but never the password when the worker cannot log in', async () => {
    const wrong = 'not-the-password-7';
    const url = `postgres://${pg.user}:${wrong}@127.0.0.1:${pg.port}/postgres`;
    const store = await postgresStore({ url: pg.url }, { schema: 'analyst_login' });
    try {
      const worker = inWorker({ store, source: { kind: 'postgres', url, schema: 'analyst_login' } });
      expect(worker.source).toBe(`postgres:127.0.0.1:${pg.port}/postgres?schema=analyst_login`);
      const error = await worker.recent(1).then(
        () => undefined,
        (e: unknown) => e,
      );
      // The worker could not start; the reason is the store's, naming the server.
      expect(isPipetraceError(error) ? error.code : String(error)).toBe('unavailable');
      expect((error as Error).message).toContain(`PostgreSQL at 127.0.0.1:${pg.port}/postgres refused the login`);
      expect(`${(error as Error).message}\n${(error as Error).stack}\n${inspect(error)}`).not.toContain(wrong);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('names the database as the store kind does, and copies a store over a caller-made client (no URL)', async () => {
    const byUrl = await postgresStore({ url: pg.url }, { live: false });
    try {
      expect(createAnalyst({ store: byUrl }).source).toBe(`postgres:127.0.0.1:${pg.port}/postgres`);
    } finally {
      await byUrl.close();
    }
    const sql = postgres(pg.url, { onnotice: () => {} });
    const store = await postgresStore({ sql }, { schema: 'analyst_sql', live: false });
    try {
      expect(createAnalyst({ store }).source).toBe('snapshot');
      expect(store.workerSource()).toBeUndefined();
    } finally {
      await store.close();
      await sql.end();
    }
  });
});
