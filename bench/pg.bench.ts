/**
 * PostgreSQL store figures, against a throwaway local PostgreSQL 15 (see test/pg/server.ts):
 *   pg_log_runs_per_s   batched logging through pipetrace (dependency inference included):
 *                       4 concurrent writers, each logRuns of 1,000 runs at a time
 *   pg_vs_raw_insert    one writer: the same runs through pipetrace, over a plain multi-row
 *                       INSERT of the same rows into an equivalent table without indexes
 *                       beyond its primary key (the lower the better; target <= 2.0)
 * Run with `npm run bench -- pg`. The other figures of issue 13 come in a later change.
 */
import { loadavg } from 'node:os';
import postgres from 'postgres';
import { postgresStore } from '../adapters/postgres/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { RunInput } from '../src/run-input.js';
import { startPostgres } from '../test/pg/server.js';
import { report, round } from './lib.js';

const BATCH = 1000;
const BATCHES = 20;
const T0 = 1_700_000_000_000;

function batchOf(writer: number, b: number): RunInput[] {
  return Array.from({ length: BATCH }, (_, k) => {
    const i = b * BATCH + k;
    const startedAt = T0 + i * 1000 + writer;
    return {
      id: `${startedAt.toString(16).padStart(12, '0')}-7000-8000-${writer}-${i.toString(16).padStart(10, '0')}`,
      component: ['load', 'clean', 'features', 'train', 'infer'][i % 5] as string,
      startedAt,
      endedAt: startedAt + 250,
      inputs: [`s3://bucket/w${writer}/${i - 1}.parquet`],
      outputs: [`s3://bucket/w${writer}/${i}.parquet`],
      code: { commit: 'a1b2c3d4e5f6', branch: 'main', dirty: false },
      params: { lr: 0.01, depth: 6 },
      metrics: { rows: 1000 + (i % 97), seconds: 0.25 },
    };
  });
}

async function logAll(url: string, schema: string, writers: number): Promise<number> {
  const stores = await Promise.all(
    Array.from({ length: writers }, () => postgresStore({ url }, { schema, live: false })),
  );
  try {
    const t0 = performance.now();
    await Promise.all(
      stores.map(async (store, w) => {
        const pt = createPipetrace({ store });
        for (let b = 0; b < BATCHES; b++) await pt.logRuns(batchOf(w, b));
      }),
    );
    return performance.now() - t0;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

async function rawInsert(url: string): Promise<number> {
  const sql = postgres(url, { onnotice: () => {} });
  try {
    await sql`CREATE TABLE raw_runs (id text PRIMARY KEY, component text, started_at float8, ended_at float8,
      failed boolean, inputs text[], outputs text[], dependencies text[], code jsonb, details jsonb)`;
    const t0 = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const rows = batchOf(0, b).map((r) => ({
        id: r.id as string,
        component: r.component,
        started_at: r.startedAt as number,
        ended_at: r.endedAt as number,
        failed: false,
        inputs: r.inputs as string[],
        outputs: r.outputs as string[],
        dependencies: [] as string[],
        code: sql.json(r.code as never),
        details: sql.json({ notes: [], params: r.params, metrics: r.metrics } as never),
      }));
      await sql`INSERT INTO raw_runs ${sql(rows)}`;
    }
    return performance.now() - t0;
  } finally {
    await sql.end();
  }
}

const server = await startPostgres();
try {
  const concurrent = await logAll(server.url, 'bench_four', 4);
  const single = await logAll(server.url, 'bench_one', 1);
  const raw = await rawInsert(server.url);
  report({
    pg_log_runs_per_s: Math.round((4 * BATCHES * BATCH) / (concurrent / 1000)),
    pg_vs_raw_insert: round(single / raw, 2),
    pg_load_average_1m: round(loadavg()[0] ?? 0, 2),
  });
} finally {
  await server.stop();
}
