/**
 * Core figures (issue 2): logging throughput into the memory store, trace and review latency on
 * a 10,000-run history, and the same trace in SQLite the way a user would build it without us.
 */
import Database from 'better-sqlite3';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { logChain, percentile, report, round, sample, sampleBatched } from './lib.js';

const COMPONENTS = ['ingest', 'clean', 'features', 'train', 'infer'];
const output = (k: number, i: number) =>
  k === 3
    ? `models/model-${String(i).padStart(5, '0')}.pkl`
    : `${COMPONENTS[k]}/part-${String(i).padStart(5, '0')}.parquet`;

/** Runs a second logging `n` runs, each with 2 inputs and 1 output, into a fresh memory store. */
async function logPerRun(n: number): Promise<number> {
  // Explicit run objects, awaited one by one: the slowest realistic path.
  const pt = createPipetrace({ store: memoryStore() });
  let t = Date.UTC(2026, 0, 1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const run = pt.startRun(COMPONENTS[i % 5] as string, { startedAt: t });
    run.addInputs([`p${i - 1}`, `p${i - 2}`]).addOutputs(`p${i}`);
    await run.end({ endedAt: t + 1 });
    t += 2;
  }
  const perRun = n / ((performance.now() - t0) / 1000);
  const [last] = await pt.store.getRuns([(await pt.recent(1))[0]?.id ?? '']);
  if (last?.dependencies.length !== 2) throw new Error('dependencies were not inferred');
  return perRun;
}

/** The same through logRuns, in batches of 1,000. */
async function logBatched(n: number): Promise<number> {
  const pt = createPipetrace({ store: memoryStore() });
  const t0 = performance.now();
  await logChain(pt, n);
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Steady-state logging rate: one unmeasured round so the code is compiled (a pipeline logs far
 * more than once), then the median of three rounds, each into a fresh store from empty.
 */
async function logRunsPerSecond(n: number): Promise<{ perRun: number; batched: number }> {
  await logPerRun(n / 5);
  await logBatched(n / 5);
  const perRun: number[] = [];
  const batched: number[] = [];
  for (let r = 0; r < 3; r++) {
    gc();
    perRun.push(await logPerRun(n));
    gc();
    batched.push(await logBatched(n));
  }
  return { perRun: percentile(perRun, 50), batched: percentile(batched, 50) };
}

/** 5 components x 2,000 runs; each run reads the latest output of the previous component. */
async function history() {
  const pt = createPipetrace({ store: memoryStore() });
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE runs (id TEXT PRIMARY KEY, component TEXT NOT NULL, started_at INTEGER, ended_at INTEGER);
    CREATE TABLE edges (run_id TEXT NOT NULL, dep_id TEXT NOT NULL);
    CREATE INDEX edges_run ON edges (run_id);
    CREATE TABLE writes (pointer TEXT NOT NULL, ended_at INTEGER NOT NULL, run_id TEXT NOT NULL);
    CREATE INDEX writes_pointer ON writes (pointer, ended_at);`);
  const insRun = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?)');
  const insEdge = db.prepare('INSERT INTO edges VALUES (?, ?)');
  const insWrite = db.prepare('INSERT INTO writes VALUES (?, ?, ?)');
  let t = Date.UTC(2026, 0, 1);
  const outputs: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const batch = COMPONENTS.map((component, k) => ({
      component,
      startedAt: (t += 10),
      endedAt: (t += 5),
      inputs: k === 0 ? [] : [output(k - 1, i)],
      outputs: [output(k, i)],
    }));
    const runs = await pt.logRuns(batch);
    db.transaction(() => {
      for (const r of runs) {
        insRun.run(r.id, r.component, r.startedAt, r.endedAt);
        for (const d of r.dependencies) insEdge.run(r.id, d);
        for (const p of r.outputs) insWrite.run(p, r.endedAt, r.id);
      }
    })();
    outputs.push(...runs.flatMap((r) => r.outputs));
  }
  return { pt, db, outputs };
}

const figures: Record<string, number> = {};
// Each section starts from a collected heap, so one section's garbage does not bill another.
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const { pt, db, outputs } = await history();
gc();
const newestModel = output(3, 1999);
const ours = await sampleBatched(100, 200, () => pt.trace(newestModel), 20_000);
const traced = await pt.trace(newestModel);
const sqliteTrace = db.prepare(`
  WITH RECURSIVE lineage(id, depth) AS (
    SELECT run_id, 0 FROM (SELECT run_id FROM writes WHERE pointer = ? ORDER BY ended_at DESC LIMIT 1)
    UNION
    SELECT edges.dep_id, lineage.depth + 1 FROM lineage JOIN edges ON edges.run_id = lineage.id
  )
  SELECT runs.id, runs.component, runs.started_at, runs.ended_at, MIN(lineage.depth) AS depth
  FROM lineage CROSS JOIN runs ON runs.id = lineage.id GROUP BY runs.id ORDER BY depth`);
// CROSS JOIN fixes the join order (lineage first, then runs by primary key); without it SQLite
// scans every run and probes the lineage, which is 10 times slower and an unfair baseline.
const sqliteRows = sqliteTrace.all(newestModel) as { id: string }[];
if (sqliteRows.length !== traced.nodes.length || traced.nodes.length !== 4) {
  throw new Error(`trace mismatch: sqlite ${sqliteRows.length} rows, pipetrace ${traced.nodes.length} nodes`);
}
const theirs = await sampleBatched(100, 200, () => sqliteTrace.all(newestModel), 20_000);
figures.trace_ms_p50 = round(percentile(ours, 50), 4);
figures.trace_ms_p99_batch = round(percentile(ours, 99), 4);
figures.sqlite_trace_ms_p50 = round(percentile(theirs, 50), 4);
figures.trace_vs_sqlite = round(percentile(ours, 50) / percentile(theirs, 50), 3);

// 1,000 flagged outputs among the 10,000, chosen by a fixed-seed generator.
let seed = 42;
const rand = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
const chosen = new Set<string>();
while (chosen.size < 1000) chosen.add(outputs[Math.floor(rand() * outputs.length)] as string);
for (const p of chosen) await pt.flag(p);
const reviews = await sample(30, () => pt.review(), 5);
const review = await pt.review();
if (review.F !== 1000 || review.P !== 9000) throw new Error(`review population ${review.F}/${review.P}`);
figures.review_ms = round(percentile(reviews, 50), 2);

db.close();
gc();
const logged = await logRunsPerSecond(100_000);
figures.log_runs_per_s = Math.round(logged.perRun);
figures.log_runs_batched_per_s = Math.round(logged.batched);

report(figures);
