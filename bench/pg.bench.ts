/**
 * PostgreSQL store figures, against a throwaway local PostgreSQL 15 (see test/pg/server.ts):
 *   pg_log_runs_per_s        batched logging through pipetrace (dependency inference included):
 *                            4 concurrent writers, each logRuns of 1,000 runs at a time
 *   pg_vs_raw_insert         one writer: the same runs through pipetrace, over a plain multi-row
 *                            INSERT of the same rows into an equivalent table without indexes
 *                            beyond its primary key (the lower the better; target <= 2.0)
 *   pg_trace_ms_p50          trace of the newest model in a history of PG_BENCH_RUNS runs
 *   pg_open_recent_ms        a fresh process opens that database and answers recent(10); median
 *                            of 5 processes, timed from before the open (Node start-up excluded)
 *   pg_connect_ms            the floor under it: a fresh process connects with the bare client
 *                            and runs SELECT 1 (PostgreSQL forks a backend per connection, and
 *                            on a loaded 2-core machine that alone takes 20-40 ms)
 *   pg_open_recent_over_connect_ms  the difference: what pipetrace itself adds to a cold open
 *   pg_row_trace_cold_ms     a fresh process opens the database and traces one row back through
 *                            5 stages of PG_BENCH_ROWS rows; median of 5 processes
 *   pg_servers_exactly_once  4 `pipetrace serve` processes over one database, 4 clients each
 *                            logging 2,000 runs; one server killed (SIGKILL) and restarted
 *                            mid-run: the share of runs stored exactly once (1.0 is every run)
 *   pg_history_runs, pg_history_load_s, pg_rows_per_stage: the sizes loaded and the load time
 * PG_BENCH_RUNS (default 1,000,000) and PG_BENCH_ROWS (default 1,000,000) set the sizes.
 * Run with `npm run bench -- pg`. With `open` or `row` as its argument it is a measuring child,
 * reading the database URL from PIPETRACE_DATABASE_URL (never from its arguments).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import postgres from 'postgres';
import { postgresStore } from '../adapters/postgres/index.js';
import type { Run } from '../src/model.js';
import { createPipetrace } from '../src/pipetrace.js';
import { traceRow } from '../src/rows/index.js';
import type { RunInput } from '../src/run-input.js';
import { checkFleet, runFleet } from '../test/pg/fleet.js';
import { startServe } from '../test/pg/serve.js';
import { startPostgres } from '../test/pg/server.js';
import { percentile, report, round, sample } from './lib.js';
import { fiveStages, key, STAGES } from './row-stages.js';

const BATCH = 1000;
const BATCHES = 20;
const T0 = 1_700_000_000_000;
const RUNS = Number(process.env.PG_BENCH_RUNS ?? 1_000_000);
const ROWS = Number(process.env.PG_BENCH_ROWS ?? 1_000_000);
const COMPONENTS = ['ingest', 'clean', 'features', 'train', 'infer'];
const median = (xs: number[]) => percentile(xs, 50);

// ---- measuring children: a fresh process, timed from before the open -----------------------
if (process.argv[2] === 'connect') {
  const t0 = performance.now();
  const sql = postgres(process.env.PIPETRACE_DATABASE_URL as string, { max: 1, fetch_types: false });
  const [row] = await sql`SELECT 10 AS size`;
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, size: row?.size })}\n`);
  await sql.end();
  process.exit(0);
}
if (process.argv[2] === 'open' || process.argv[2] === 'row') {
  const url = process.env.PIPETRACE_DATABASE_URL as string;
  const t0 = performance.now();
  const store = await postgresStore({ url }, { schema: process.argv[3] as string, live: false });
  let size: number;
  if (process.argv[2] === 'open') {
    size = (await createPipetrace({ store }).recent(10)).length;
  } else {
    size = (await traceRow(store, `data/${STAGES}`, key(STAGES, Number(process.argv[4])))).steps.length;
  }
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, size })}\n`);
  await store.close();
  process.exit(0);
}

/** Median milliseconds of 5 fresh processes, each checked to have answered `size` items. */
function inChildren(url: string, args: (r: number) => string[], size: number): number {
  const self = new URL(import.meta.url).pathname;
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, ...args(r)], {
      encoding: 'utf8',
      env: { ...process.env, PIPETRACE_DATABASE_URL: url },
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    if (child.status !== 0 || line === undefined) throw new Error(`child ${args(r)[0]} failed: ${child.stderr}`);
    const result = JSON.parse(line) as { ms: number; size: number };
    if (result.size !== size) throw new Error(`child ${args(r)[0]} answered ${result.size} items, not ${size}`);
    times.push(result.ms);
  }
  return median(times);
}

// ---- logging -----------------------------------------------------------------------------------
function batchOf(writer: number, b: number): RunInput[] {
  return Array.from({ length: BATCH }, (_, k) => {
    const i = b * BATCH + k;
    const startedAt = T0 + i * 1000 + writer;
    return {
      id: `${startedAt.toString(16).padStart(12, '0')}-7000-8000-${writer}-${i.toString(16).padStart(10, '0')}`,
      component: COMPONENTS[i % 5] as string,
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

// ---- a history of RUNS runs: ingest -> clean -> features -> train -> infer, RUNS / 5 times -------
const output = (k: number, i: number) =>
  k === 3
    ? `models/model-${String(i).padStart(7, '0')}.pkl`
    : `${COMPONENTS[k]}/part-${String(i).padStart(7, '0')}.parquet`;
const runId = (k: number, i: number) => `${COMPONENTS[k]}-${String(i).padStart(7, '0')}`;

function pipelineRun(n: number): Run {
  const i = Math.floor(n / 5);
  const k = n % 5;
  const startedAt = T0 + n * 60_000;
  return {
    id: runId(k, i),
    component: COMPONENTS[k] as string,
    startedAt,
    endedAt: startedAt + 30_000,
    status: 'succeeded',
    inputs: k === 0 ? [] : [output(k - 1, i)],
    outputs: [output(k, i)],
    dependencies: k === 0 ? [] : [runId(k - 1, i)],
    code: { commit: 'a1b2c3d4e5f6', branch: 'main' },
    notes: [],
    params: { lr: 0.01 },
    metrics: { rows: 1000 + (n % 97) },
  };
}

/** Stores the history through putRuns (dependencies given), two loaders of 5,000-run batches. */
async function loadHistory(url: string, schema: string): Promise<number> {
  const stores = await Promise.all([0, 1].map(() => postgresStore({ url }, { schema, live: false })));
  const t0 = performance.now();
  try {
    let next = 0;
    const size = 5000;
    await Promise.all(
      stores.map(async (store) => {
        for (let at = next; at < RUNS; at = next) {
          next += size;
          await store.putRuns(Array.from({ length: Math.min(size, RUNS - at) }, (_, j) => pipelineRun(at + j)));
        }
      }),
    );
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
  return (performance.now() - t0) / 1000;
}

// ---- several servers over one database, one killed mid-run ------------------------------------
async function serversExactlyOnce(url: string): Promise<{ share: number; seconds: number; killedAt: number }> {
  const SERVERS = 4;
  const PER_SERVER = 4;
  const TOTAL = 2000;
  const token = 'bench-servers-token';
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startServe(url, token)));
  try {
    const clients = SERVERS * PER_SERVER;
    const t0 = performance.now();
    const { killedAt } = await runFleet({
      servers,
      perServer: PER_SERVER,
      total: TOTAL,
      batch: 100,
      token,
      victim: servers[0] as (typeof servers)[number],
      downMs: 500,
    });
    const seconds = (performance.now() - t0) / 1000;
    const store = await postgresStore({ url }, { live: false });
    try {
      const check = await checkFleet(store, clients, TOTAL);
      const expected = clients * TOTAL;
      if (check.missing + check.duplicated + check.wrongDependencies > 0) console.error('servers:', check);
      const password = decodeURIComponent(new URL(url).password);
      if (servers.some((s) => s.output().includes(password))) throw new Error('a server printed the password');
      // Runs stored once with the right dependency, over all runs stored (a duplicate counts against).
      const share = (check.once - check.wrongDependencies) / Math.max(expected, check.stored);
      return { share, seconds, killedAt };
    } finally {
      await store.close();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const server = await startPostgres();
try {
  const figures: Record<string, number> = {};
  const concurrent = await logAll(server.url, 'bench_four', 4);
  const single = await logAll(server.url, 'bench_one', 1);
  const raw = await rawInsert(server.url);
  figures.pg_log_runs_per_s = Math.round((4 * BATCHES * BATCH) / (concurrent / 1000));
  figures.pg_vs_raw_insert = round(single / raw, 2);

  figures.pg_history_runs = RUNS;
  figures.pg_history_load_s = round(await loadHistory(server.url, 'history'), 1);
  {
    const store = await postgresStore({ url: server.url }, { schema: 'history', live: false });
    try {
      const pt = createPipetrace({ store });
      const newest = output(3, Math.floor(RUNS / 5) - 1);
      const traced = await pt.trace(newest);
      if (traced.nodes.length !== 4) throw new Error(`the trace has ${traced.nodes.length} nodes, not 4`);
      figures.pg_trace_ms_p50 = round(median(await sample(200, () => pt.trace(newest), 20)), 3);
    } finally {
      await store.close();
    }
  }
  figures.pg_open_recent_ms = round(
    inChildren(server.url, () => ['open', 'history'], 10),
    1,
  );
  figures.pg_connect_ms = round(
    inChildren(server.url, () => ['connect'], 10),
    1,
  );
  figures.pg_open_recent_over_connect_ms = round(figures.pg_open_recent_ms - figures.pg_connect_ms, 1);

  figures.pg_rows_per_stage = ROWS;
  {
    const store = await postgresStore({ url: server.url }, { schema: 'rows', live: false });
    try {
      await fiveStages(store, ROWS);
    } finally {
      await store.close();
    }
  }
  figures.pg_row_trace_cold_ms = round(
    inChildren(server.url, (r) => ['row', 'rows', String((r * 104_729) % ROWS)], STAGES),
    1,
  );

  const fleet = await serversExactlyOnce(server.createDatabase('servers'));
  figures.pg_servers_exactly_once = round(fleet.share, 4);
  figures.pg_servers_seconds = round(fleet.seconds, 1);
  figures.pg_servers_killed_at = round(fleet.killedAt, 2);
  figures.pg_load_average_1m = round(loadavg()[0] ?? 0, 2);
  report(figures);
} finally {
  await server.stop();
}
