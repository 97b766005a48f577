/**
 * Row lineage benchmarks: hashing, capture rate and overhead, warm and cold traces through 5
 * stages of 1M rows, row review, SQLite comparison and bytes per mapping.
 * Run: npm run bench -- rows   (ROWS_N overrides the 1M rows a stage; ROWS_SKIP_SQLITE=1 skips SQLite)
 * Bytes per mapping are reported per adapter: memory (blob bytes) and fs-json (bytes on disk).
 * IndexedDB is left out: it runs only in Chromium (its conformance tests store the same blobs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStore } from '../adapters/memory.js';
import {
  flagRows,
  hashKeyInto,
  hashKeys,
  RowRecorder,
  reviewRows,
  traceRow,
  writeRowLineage,
} from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { percentile, report, round } from './lib.js';
import { fiveStages as fiveStagesOf, key, STAGES } from './row-stages.js';

const N = Number(process.env.ROWS_N ?? 1_000_000);
const median = (xs: number[]) => percentile(xs, 50);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const fiveStages = (store: Store) => fiveStagesOf(store, N);

/** Bytes of every file under a directory (an fs-json store: blob files and the log lines that commit them). */
function diskBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
  }
  return bytes;
}

async function blobBytes(store: Store): Promise<number> {
  const keys = await store.listBlobs('rows/');
  let bytes = 0;
  for (const d of await store.getBlobs(keys)) bytes += d?.length ?? 0;
  return bytes;
}

// ---- cold trace child: open the fs-json store, trace one row, print the time --------------
if (process.argv[2] === 'cold') {
  const { fsJsonStore } = await import('../adapters/fs-json/index.js');
  const t0 = performance.now();
  const store = await fsJsonStore({ dir: process.argv[3] as string });
  const trace = await traceRow(store, `data/${STAGES}`, key(STAGES, Number(process.argv[4])));
  const ms = performance.now() - t0;
  await store.close();
  process.stdout.write(`${JSON.stringify({ ms, steps: trace.steps.length, origins: trace.origins.length })}\n`);
  process.exit(0);
}

// ---- the same lineage in SQLite with a recursive CTE ----------------------------------------
/** An indexed SQLite table of the same five stages, and a timed recursive-CTE trace of output row i. */
async function openSqlite(): Promise<{ trace: (i: number) => number; close: () => void }> {
  const Database = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'pipetrace-rows-sqlite-'));
  const db = new Database(join(dir, 'lineage.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.defaultSafeIntegers(true);
  db.exec('CREATE TABLE lineage (stage INTEGER NOT NULL, out_hash INTEGER NOT NULL, in_hash INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO lineage VALUES (?, ?, ?)');
  const h = new Uint32Array(2);
  const asInt = (k: string): bigint => {
    hashKeyInto(k, h, 0);
    return BigInt.asIntN(64, (BigInt(h[0] as number) << 32n) | BigInt(h[1] as number));
  };
  const load = db.transaction((stage: number) => {
    for (let i = 0; i < N; i++) {
      // As in fiveStages: data/1 keeps the raw keys, each later stage maps to new keys.
      const inH = asInt(key(stage <= 2 ? 0 : stage - 1, i));
      insert.run(BigInt(stage), stage === 1 ? asInt(key(0, i)) : asInt(key(stage, i)), inH);
    }
  });
  for (let s = 1; s <= STAGES; s++) load(s);
  db.exec('CREATE INDEX lineage_out ON lineage (stage, out_hash)');
  const query = db.prepare(
    `WITH RECURSIVE t(stage, h) AS (SELECT ?, ? UNION ALL
       SELECT l.stage - 1, l.in_hash FROM lineage l JOIN t ON l.stage = t.stage AND l.out_hash = t.h WHERE t.stage > 0)
     SELECT stage, h FROM t`,
  );
  return {
    trace(i: number): number {
      const start = asInt(key(STAGES, i));
      const t = performance.now();
      const rows = query.all(BigInt(STAGES), start);
      const ms = performance.now() - t;
      if (rows.length !== STAGES + 1) throw new Error(`SQLite trace returned ${rows.length} rows`);
      return ms;
    },
    close(): void {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const figures: Record<string, number | string> = {};

// ---- hashing ------------------------------------------------------------------------------
{
  const keys = Array.from({ length: 1_000_000 }, (_, i) => `ride-${String(i).padStart(11, '0')}`);
  const out = new Uint32Array(keys.length * 2);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    hashKeys(keys, out);
    times.push(performance.now() - t);
  }
  figures.hash_ns_per_short_key = round((Math.min(...times) * 1e6) / keys.length, 1);
}
{
  // 10M distinct keys of three types, hashed without keeping the keys, then sorted as u64.
  const n = 10_000_000;
  const h = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const m = i % 10;
    const k = m < 8 ? `ride-${i}` : m === 8 ? i : [i % 1000, `z${i}`];
    hashKeyInto(k, h, 2 * i);
  }
  const u = new BigUint64Array(n);
  for (let i = 0; i < n; i++) u[i] = (BigInt(h[2 * i] as number) << 32n) | BigInt(h[2 * i + 1] as number);
  u.sort();
  let collisions = 0;
  for (let i = 1; i < n; i++) if (u[i] === u[i - 1]) collisions++;
  figures.hash_collisions_10m = collisions;
  gc();
}

// ---- capture rate and bytes ---------------------------------------------------------------
{
  const outs = Array.from({ length: N }, (_, i) => key(1, i));
  const ins = Array.from({ length: N }, (_, i) => key(0, i));
  const rates: number[] = [];
  let bytes = 0;
  let store = memoryStore();
  for (let r = 0; r < 4; r++) {
    store = memoryStore();
    const t = performance.now();
    await writeRowLineage(store, 'r', [{ output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: ins }]);
    rates.push(N / ((performance.now() - t) / 1000));
    gc();
  }
  bytes = await blobBytes(store);
  figures.row_capture_rows_per_s = Math.round(median(rates.slice(1)));
  figures.row_bytes_per_mapping = round(bytes / N, 3);
  const keep = memoryStore();
  await writeRowLineage(keep, 'r', [{ output: 'o', input: 'i', kind: 'keep', keys: ins }]);
  figures.row_bytes_per_kept_row = round((await blobBytes(keep)) / N, 3);
  figures.row_bytes_per_mapping_memory = figures.row_bytes_per_mapping;
  figures.row_bytes_per_kept_row_memory = figures.row_bytes_per_kept_row;
  // fs-json: everything the lineage adds to an empty store directory, measured on disk.
  const { fsJsonStore } = await import('../adapters/fs-json/index.js');
  for (const [name, lineage] of [
    ['mapping', { output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: ins }],
    ['kept_row', { output: 'o', input: 'i', kind: 'keep', keys: ins }],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'pipetrace-rows-bytes-'));
    try {
      const fs = await fsJsonStore({ dir, durable: false });
      await fs.close();
      const empty = diskBytes(dir);
      const store = await fsJsonStore({ dir, durable: false });
      await writeRowLineage(store, 'r', [lineage]);
      await store.close();
      figures[`row_bytes_per_${name}_fs_json`] = round((diskBytes(dir) - empty) / N, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  gc();
}

// ---- capture overhead in a cleaning step over NDJSON --------------------------------------
{
  const dir = mkdtempSync(join(tmpdir(), 'pipetrace-rows-'));
  const input = join(dir, 'rides.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    const fare = i % 23 === 0 ? 0 : Math.round(((i * 7919) % 5000) + 250) / 100;
    const lat = 40.5 + ((i * 104729) % 10000) / 20000 + (i % 97 === 0 ? 10 : 0);
    const lon = -74.2 + ((i * 1299709) % 10000) / 20000;
    lines.push(JSON.stringify({ id: `ride-${String(i).padStart(11, '0')}`, fare, lat, lon, passengers: 1 + (i % 4) }));
  }
  writeFileSync(input, `${lines.join('\n')}\n`);
  lines.length = 0;
  const clean = async (capture: boolean): Promise<number> => {
    const t = performance.now();
    const text = readFileSync(input, 'utf8');
    const rec = capture
      ? new RowRecorder('rides/clean.ndjson', 'rides/raw.ndjson', 'keep', { expected: N })
      : undefined;
    const kept: string[] = [];
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      if (line.length === 0) continue;
      const r = JSON.parse(line) as { id: string; fare: number; lat: number; lon: number };
      if (r.fare <= 0 || r.lat < 40.4 || r.lat > 41.1 || r.lon < -74.3 || r.lon > -73.6) continue;
      kept.push(line);
      rec?.add(r.id);
    }
    writeFileSync(join(dir, 'clean.ndjson'), `${kept.join('\n')}\n`);
    if (rec !== undefined) await writeRowLineage(memoryStore(), 'clean-run', [rec]);
    return performance.now() - t;
  };
  const off: number[] = [];
  const on: number[] = [];
  await clean(false);
  for (let r = 0; r < 4; r++) {
    gc();
    off.push(await clean(false));
    gc();
    on.push(await clean(true));
  }
  figures.row_capture_overhead = round(median(on) / median(off));
  figures.row_capture_cleaning_ms_off = round(median(off), 1);
  rmSync(dir, { recursive: true, force: true });
  gc();
}

// ---- warm trace, review ---------------------------------------------------------------------
{
  const store = memoryStore();
  await fiveStages(store);
  gc();
  // Warm: 1,000 traces first touch every chunk of every stage, then 500 are measured. With
  // SQLite, each of our traces is followed by the same trace there, so both see the same load.
  const sqlite = process.env.ROWS_SKIP_SQLITE === '1' ? undefined : await openSqlite();
  const samples: number[] = [];
  const sqliteSamples: number[] = [];
  for (let r = 0; r < 1500; r++) {
    const i = (r * 7_919_993) % N;
    const t = performance.now();
    const trace = await traceRow(store, `data/${STAGES}`, key(STAGES, i));
    const ms = performance.now() - t;
    const sqliteMs = sqlite?.trace(i);
    if (r >= 1000) {
      samples.push(ms);
      if (sqliteMs !== undefined) sqliteSamples.push(sqliteMs);
    }
    if (trace.origins[0]?.pointer !== 'data/0') throw new Error('trace did not reach the raw rows');
  }
  sqlite?.close();
  figures.row_trace_ms_p50 = round(median(samples));
  if (sqlite !== undefined) {
    figures.sqlite_row_trace_ms_p50 = round(median(sqliteSamples), 4);
    figures.row_trace_vs_sqlite = round(median(samples) / median(sqliteSamples));
  }

  const flagged: string[] = [];
  for (let j = 0; j < 10_000; j++) flagged.push(key(STAGES, (j * 99_991) % N));
  await flagRows(store, `data/${STAGES}`, flagged);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    gc();
    const t = performance.now();
    const review = await reviewRows(store);
    times.push(performance.now() - t);
    if (review.F !== 10_000 || review.P !== N - 10_000) throw new Error(`review saw F=${review.F} P=${review.P}`);
  }
  figures.row_review_ms = round(times[0] as number, 1);
  figures.row_review_warm_ms = round(median(times.slice(1)), 1);
  await store.close();
  gc();
}

// ---- cold trace from fs-json ----------------------------------------------------------------
{
  const dir = mkdtempSync(join(tmpdir(), 'pipetrace-rows-fs-'));
  try {
    const { fsJsonStore } = await import('../adapters/fs-json/index.js');
    const store = await fsJsonStore({ dir, durable: false });
    await fiveStages(store);
    await store.close();
    gc();
    const self = new URL(import.meta.url).pathname;
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, 'cold', dir, String((r * 104_729) % N)], {
        encoding: 'utf8',
      });
      const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
      if (child.status !== 0 || line === undefined) throw new Error(`cold trace failed: ${child.stderr}`);
      const result = JSON.parse(line) as { ms: number; steps: number };
      if (result.steps !== STAGES) throw new Error(`cold trace saw ${result.steps} steps`);
      runs.push(result.ms);
    }
    figures.row_trace_cold_ms = round(median(runs), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

report(figures);
