/**
 * Row lineage at 100M mappings (issue 17, point 5), a part of `npm run bench -- scale`: five
 * stages of 20M rows each in fs-json (a keep, then four 1:1 maps; ~16-character string keys).
 * - capture: the stages written through RowRecorder.add and writeRowLineage into fs-json (the
 *   caller's key strings are made, flat, outside the timed part, a million at a time); with the
 *   store kept, one stage into a fresh store, three times (fresh processes), the median reported
 *   with the range;
 * - cold trace: a fresh process opens the store and traces one output row to the raw rows;
 * - warm trace: the same rows traced again in a process that traced them once;
 * - row review over 100k flagged rows of the last stage (its population: all 20M rows);
 * - the review's full walk: the same flags with the stage before in the population (no chain;
 *   no target, reported);
 * - impact: three raw rows followed forward to the last stage (no target; reported).
 * Each part runs in a child process of its own, and reports its peak RSS.
 * SCALE_ROWS_N overrides the 20M rows a stage; SCALE_ROWS_DIR keeps the store there across runs
 * (built when missing); without it the store lives in a temporary folder, removed at the end.
 * Run time on the 2-core machine: about 45 s with the store kept from an earlier run (three
 * captures included; load 3.3), and about 75 s more to write the store (1.2 GB) on a freshly
 * booted machine. On a machine up for hours, first touches of fresh memory cost up to ten times
 * more (page faults of 11-15 us instead of 1-3 us were measured), and capture with them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { chunkCacheStats } from '../src/rows/chunk-cache.js';
import { flagRows, impact, RowRecorder, reviewRows, traceRow, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { type Figures, parseReport, percentile, report, round } from './lib.js';
import { key, runOf, STAGES } from './row-stages.js';

const BUILT = 'scale-rows-built';
const part = process.argv[2];
// A part reads the rows a stage from the store it is given.
const N =
  part === undefined || part === 'build' || part === 'capture'
    ? Number(process.env.SCALE_ROWS_N ?? 20_000_000)
    : Number(readFileSync(join(process.argv[3] as string, BUILT), 'utf8'));
const FLAGGED = Math.min(100_000, Math.floor(N / 10));
const BATCH = 1_000_000;
// Capture runs (one stage each) when the store is kept; the median is reported.
const CAPTURES = 3;
const self = new URL(import.meta.url).pathname;
const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 1);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const open = (dir: string): Promise<Store> => fsJsonStore({ dir });

/** Writes the five stages; returns capture figures (time in add() and writeRowLineage only). */
const build = (dir: string): Promise<Figures> =>
  capture(
    dir,
    Array.from({ length: STAGES }, (_, s) => s + 1),
  );

/** Writes the given stages into the store at dir; returns their capture figures. */
async function capture(dir: string, stages: number[]): Promise<Figures> {
  const store = await open(dir);
  await store.putRuns(stages.map(runOf));
  let captureMs = 0;
  let writeMs = 0;
  // CPU time too: on a shared machine, wall time mostly measures the other processes.
  let cpuUs = 0;
  let addCpuUs = 0;
  const cpuOf = (from: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(from);
    return c.user + c.system;
  };
  const outs: string[] = new Array(BATCH);
  const ins: string[] = new Array(BATCH);
  for (const s of stages) {
    const keep = s === 1;
    const rec = new RowRecorder(`data/${s}`, `data/${s - 1}`, keep ? 'keep' : 'map', { expected: N });
    for (let b = 0; b < N; b += BATCH) {
      const n = Math.min(BATCH, N - b);
      for (let i = 0; i < n; i++) {
        outs[i] = key(keep ? 0 : s, b + i);
        // data/1 keeps the raw keys: stage 2 reads them.
        ins[i] = key(s === 2 ? 0 : s - 1, b + i);
      }
      // Made flat here, as keys parsed from data are: a key built by concatenation is a V8 rope
      // that its first reader flattens (an allocation and about 130 ns a key more, measured).
      let chars = 0;
      for (let i = 0; i < n; i++) chars += (outs[i] as string).charCodeAt(0) + (ins[i] as string).charCodeAt(0);
      if (chars === 0) throw new Error('no keys');
      const t = performance.now();
      const c = process.cpuUsage();
      if (keep) for (let i = 0; i < n; i++) rec.add(outs[i] as string);
      else for (let i = 0; i < n; i++) rec.add(outs[i] as string, ins[i] as string);
      const used = cpuOf(c);
      cpuUs += used;
      addCpuUs += used;
      captureMs += performance.now() - t;
    }
    const t = performance.now();
    const c = process.cpuUsage();
    await writeRowLineage(store, `stage-${s}`, [rec]);
    cpuUs += cpuOf(c);
    writeMs += performance.now() - t;
    gc();
  }
  await store.close();
  if (stages.length === STAGES) writeFileSync(join(dir, BUILT), String(N));
  const total = captureMs + writeMs;
  const rows = stages.length * N;
  return {
    scale_row_capture_stages: stages.length,
    scale_row_capture_rows_per_s: Math.round(rows / (total / 1000)),
    scale_row_capture_rows_per_cpu_s: Math.round(rows / (cpuUs / 1e6)),
    scale_row_capture_add_s: round(captureMs / 1000, 1),
    scale_row_capture_write_s: round(writeMs / 1000, 1),
    scale_row_capture_add_cpu_s: round(addCpuUs / 1e6, 1),
    scale_row_capture_write_cpu_s: round((cpuUs - addCpuUs) / 1e6, 1),
    scale_row_capture_peak_rss_mb: peakRssMb(),
  };
}

/** A fresh process: open, trace output row i back to the raw rows. */
async function cold(dir: string, i: number): Promise<Figures> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const store = await open(dir);
  const trace = await traceRow(store, `data/${STAGES}`, key(STAGES, i));
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (trace.steps.length !== STAGES || trace.origins[0]?.pointer !== 'data/0') throw new Error('cold trace went wrong');
  await store.close();
  return { ms, cpuMs: (c.user + c.system) / 1000, rss: peakRssMb() };
}

/**
 * Traces 100 rows once (each a row not traced before), then again (warm), in one process. 100
 * traces touch 500 chunks of about 430 KB decoded at 20M rows a stage: they fit the 256 MiB
 * chunk cache (200 would not, and every trace would read again).
 */
async function warm(dir: string): Promise<Figures> {
  const store = await open(dir);
  const rows = Array.from({ length: 100 }, (_, r) => (r * 7_919_993 + 17) % N);
  const first: number[] = [];
  const again: number[] = [];
  for (const i of rows) {
    const t = performance.now();
    await traceRow(store, `data/${STAGES}`, key(STAGES, i));
    first.push(performance.now() - t);
  }
  for (let r = 0; r < 3; r++)
    for (const i of rows) {
      const t = performance.now();
      const trace = await traceRow(store, `data/${STAGES}`, key(STAGES, i));
      if (r === 2) again.push(performance.now() - t);
      if (trace.origins[0]?.pointer !== 'data/0') throw new Error('warm trace did not reach the raw rows');
    }
  const cache = chunkCacheStats(store);
  await store.close();
  return {
    scale_row_trace_first_100m_ms: round(percentile(first, 50)),
    scale_row_trace_warm_100m_ms: round(percentile(again, 50), 3),
    scale_row_trace_warm_100m_p99_ms: round(percentile(again, 99), 3),
    scale_row_trace_cache_mb: round(cache.bytes / 1e6, 1),
    scale_row_trace_peak_rss_mb: peakRssMb(),
  };
}

/** Flags 100k rows of the last stage (once), then reviews. */
async function review(dir: string): Promise<Figures> {
  const store = await open(dir);
  const flagged: string[] = [];
  for (let j = 0; j < FLAGGED; j++) flagged.push(key(STAGES, (j * 99_991) % N));
  await flagRows(store, `data/${STAGES}`, flagged);
  gc();
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = await reviewRows(store);
  const s = (performance.now() - t) / 1000;
  const cpuS = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
  if (result.F !== FLAGGED || result.P !== N - FLAGGED) throw new Error(`review saw F=${result.F} P=${result.P}`);
  const cache = chunkCacheStats(store);
  await store.close();
  return {
    scale_row_review_100k_flagged_s: round(s, 2),
    scale_row_review_100k_flagged_cpu_s: round(cpuS, 2),
    scale_row_review_rss_before_mb: round(rssBefore / 1e6, 1),
    scale_row_review_cache_mb: round(cache.bytes / 1e6, 1),
    scale_row_review_peak_rss_mb: peakRssMb(),
  };
}

/**
 * The review's full walk (no target): the flagged rows' pointer with its upstream pointer as the
 * population (40M rows), which is no chain, so every population row is carried through every
 * stage. Run after review(), whose flags it reviews.
 */
async function walk(dir: string): Promise<Figures> {
  const store = await open(dir);
  gc();
  const t = performance.now();
  const cpu = process.cpuUsage();
  const result = await reviewRows(store, { population: [`data/${STAGES}`, `data/${STAGES - 1}`] });
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  if (result.F !== FLAGGED || result.P !== 2 * N - FLAGGED) throw new Error(`walk saw F=${result.F} P=${result.P}`);
  await store.close();
  return {
    scale_row_review_walk_s: round(s, 2),
    scale_row_review_walk_cpu_s: round((used.user + used.system) / 1e6, 2),
    scale_row_review_walk_peak_rss_mb: peakRssMb(),
  };
}

/** impact() of three raw rows through the five stages, in a process that opened the store. */
async function forward(dir: string): Promise<Figures> {
  const store = await open(dir);
  const ms: number[] = [];
  for (const i of [12_345, N - 1, 7]) {
    const t = performance.now();
    const reached = await impact(store, 'data/0', key(0, i));
    ms.push(performance.now() - t);
    if (reached.steps.length !== STAGES) throw new Error(`impact reached ${reached.steps.length} stages`);
  }
  await store.close();
  return { scale_row_impact_100m_ms: round(percentile(ms, 50), 1), scale_row_impact_peak_rss_mb: peakRssMb() };
}

const PARTS: Record<string, (dir: string, arg: string | undefined) => Promise<Figures>> = {
  build,
  // One 1:1 stage of N rows into a new store (when the five stages were kept from an earlier run).
  capture: (dir) => capture(dir, [2]),
  cold: (dir, i) => cold(dir, Number(i)),
  warm,
  review,
  walk,
  forward,
};

/** Runs one part in a child process of its own and returns its figures. */
function child(part: string, dir: string, arg?: string): Figures {
  const args = ['--import', 'tsx', '--expose-gc', '--max-old-space-size=6144', self, part, dir];
  if (arg !== undefined) args.push(arg);
  const run = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const figures = parseReport(run.stdout ?? '');
  if (run.status !== 0 || figures === undefined) throw new Error(`part ${part} failed (exit ${run.status})`);
  return figures;
}

if (part !== undefined && part in PARTS) {
  report(await (PARTS[part] as (typeof PARTS)[string])(process.argv[3] as string, process.argv[4]));
  process.exit(0);
}

const kept = process.env.SCALE_ROWS_DIR;
const dir = kept ?? mkdtempSync(join(tmpdir(), 'pipetrace-scale-rows-'));
const figures: Figures = { scale_rows_per_stage: N };
try {
  const started = performance.now();
  if (!existsSync(join(dir, BUILT)) || readFileSync(join(dir, BUILT), 'utf8') !== String(N)) {
    rmSync(dir, { recursive: true, force: true });
    Object.assign(figures, child('build', dir));
  } else {
    // Three captures, each a fresh process and store; the figures of the median one (by rows
    // a second), and the range: one run on this shared machine swings with the other load.
    const runs: Figures[] = [];
    for (let r = 0; r < CAPTURES; r++) {
      const fresh = mkdtempSync(join(tmpdir(), 'pipetrace-scale-rows-capture-'));
      try {
        runs.push(child('capture', fresh));
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    }
    const rate = (f: Figures) => f.scale_row_capture_rows_per_s as number;
    runs.sort((a, b) => rate(a) - rate(b));
    Object.assign(figures, runs[Math.floor(runs.length / 2)]);
    figures.scale_row_capture_rows_per_s_min = rate(runs[0] as Figures);
    figures.scale_row_capture_rows_per_s_max = rate(runs[runs.length - 1] as Figures);
  }
  const colds: number[] = [];
  const coldCpu: number[] = [];
  let coldRss = 0;
  for (let r = 0; r < 5; r++) {
    const f = child('cold', dir, String((r * 104_729 + 3) % N));
    colds.push(f.ms as number);
    coldCpu.push(f.cpuMs as number);
    coldRss = Math.max(coldRss, f.rss as number);
  }
  figures.scale_row_trace_cold_100m_ms = round(percentile(colds, 50), 1);
  figures.scale_row_trace_cold_100m_cpu_ms = round(percentile(coldCpu, 50), 1);
  figures.scale_row_trace_cold_peak_rss_mb = coldRss;
  Object.assign(figures, child('warm', dir));
  Object.assign(figures, child('review', dir));
  Object.assign(figures, child('walk', dir));
  Object.assign(figures, child('forward', dir));
  figures.scale_rows_bench_s = round((performance.now() - started) / 1000, 1);
  figures.scale_rows_load_average = round(loadavg()[0] as number, 1);
} finally {
  if (kept === undefined) rmSync(dir, { recursive: true, force: true });
}
report(figures);
