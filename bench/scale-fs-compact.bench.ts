/**
 * fs-json compaction at 1M runs (issue 17 §2), over a store written once with dead records:
 * the 1M runs, a newer version of every 5th run (200k dead run lines), 10k blobs of which half
 * are deleted (tombstones), and 100 orphaned blob files as crashed writers leave them.
 *   scale_fs_compact_1m_s                  compactFsStore (grace 0) over that store
 *   scale_fs_compact_cpu_s                 this process's CPU time (user + system) meanwhile
 *   scale_fs_compact_parsed_lines/_rechecked_lines  lines the scan parsed as JSON (through the
 *                                          index: only those past it), and index lines whose
 *                                          quick check failed; _via_index is 1 when it went through it
 *   scale_fs_compact_bytes_before_mb/after segment bytes before and after; blob files removed
 *   scale_fs_compact_reader_*              a reader in another process, querying in a loop
 *                                          during compaction (a filtered scan, getRuns of a
 *                                          random id, latestWriters): answers, errors, p50 and
 *                                          max latency before the switch, and the slowest answer
 *                                          after it (the reader takes in the new segment then)
 *   scale_fs_compact_reader_max_gap_*_ms    the reader's longest time without an answer during
 *                                          compaction, and from the switch to 5 s after the end
 * Run with `npm run bench -- scale-fs-compact`; SCALE_FS_COMPACT_RUNS=100000 runs a smaller
 * version; SCALE_FS_COMPACT_DIR=DIR builds the store there once and compacts a copy of it on
 * later runs (building takes most of the time). With `--reader DIR` it is the reader child.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactFsStore, fsJsonStore } from '../adapters/fs-json/index.js';
import { makeRuns } from './fs-runs.js';
import { percentile, report, round } from './lib.js';

const RUNS = Number(process.env.SCALE_FS_COMPACT_RUNS ?? 1_000_000);
const BATCH = 10_000;
const BLOBS = 10_000;
const ORPHANS = 100;
/** How long the reader goes on after compaction ends, for its gaps right after. */
const AFTER_MS = 5000;

async function reader(dir: string): Promise<void> {
  const store = await fsJsonStore({ dir, compactRatio: false });
  for (;;) {
    const t0 = performance.now();
    try {
      const page = await store.scanRuns({ component: 'train', limit: 10 });
      const [run] = await store.getRuns([(makeRuns(Math.floor(Math.random() * RUNS), 1)[0] as { id: string }).id]);
      const [w] = await store.latestWriters([
        { pointer: `s3://bucket/out/${Math.floor(Math.random() * RUNS)}.parquet` },
      ]);
      if (page.runs.length !== 10 || run === undefined || w === undefined) throw new Error('wrong answer');
      process.stdout.write(`ok ${Date.now()} ${performance.now() - t0}\n`);
    } catch (error) {
      process.stdout.write(`error ${Date.now()} ${String(error).replace(/\n/g, ' ')}\n`);
    }
  }
}

async function build(dir: string): Promise<void> {
  const store = await fsJsonStore({ dir, durable: false, compactRatio: false });
  for (let b = 0; b < RUNS; b += BATCH) await store.putRuns(makeRuns(b, Math.min(BATCH, RUNS - b)));
  // A newer version of every 5th run: the old lines are dead.
  for (let b = 0; b < RUNS; b += BATCH * 5) {
    const again = makeRuns(b, Math.min(BATCH * 5, RUNS - b)).filter((_, k) => k % 5 === 0);
    await store.putRuns(again.map((r) => ({ ...r, metrics: { ...r.metrics, again: 1 } })));
  }
  const data = new Uint8Array(1024).fill(7);
  for (let b = 0; b < BLOBS; b += 1000) {
    await store.putBlobs(Array.from({ length: 1000 }, (_, k) => ({ key: `rows/${b + k}`, data })));
  }
  await store.deleteBlobs(Array.from({ length: BLOBS / 2 }, (_, k) => `rows/${k * 2}`));
  await store.close();
  const old = new Date('2020-01-01T00:00:00Z');
  for (let i = 0; i < ORPHANS; i++) {
    const hex = i.toString(16).padStart(2, '0');
    mkdirSync(join(dir, 'blobs', hex), { recursive: true });
    const file = join(dir, 'blobs', hex, `${hex.repeat(32)}.${'0'.repeat(16)}.bin`);
    writeFileSync(file, data);
    utimesSync(file, old, old);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pipetrace-scale-fs-compact-'));
  try {
    const dir = join(root, 'store');
    const kept = process.env.SCALE_FS_COMPACT_DIR;
    const t0 = performance.now();
    if (kept !== undefined && !existsSync(kept)) await build(kept);
    if (kept === undefined) await build(dir);
    else cpSync(kept, dir, { recursive: true, preserveTimestamps: true });
    const buildSeconds = (performance.now() - t0) / 1000;
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--reader', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const answers: { ok: boolean; at: number; ms: number }[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      buffered += c;
      const lines = buffered.split('\n');
      buffered = lines.pop() as string;
      for (const l of lines) {
        const [kind, at, ms] = l.split(' ');
        answers.push({ ok: kind === 'ok', at: Number(at), ms: Number(ms) });
      }
    });
    while (answers.length < 3) await new Promise((r) => setTimeout(r, 20));
    const load = loadavg()[0] ?? Number.NaN;
    const start = Date.now();
    let switched = 0;
    const cpu0 = process.cpuUsage();
    const result = await compactFsStore(dir, {
      graceMs: 0,
      onStep: (step) => {
        if (step === 'switched') switched = Date.now();
      },
    });
    const end = Date.now();
    const cpu = process.cpuUsage(cpu0);
    // Until the reader answers a query begun after the end (it has taken in the new segment), and
    // a few seconds more: "right after" compaction.
    while (!answers.some((a) => a.at - a.ms > end)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, AFTER_MS));
    const stop = Date.now();
    child.kill('SIGKILL');
    const during = answers.filter((a) => a.at >= start && a.at <= end);
    const before = answers.filter((a) => a.at >= start && a.at <= switched);
    const after = answers.filter((a) => a.at > switched);
    const ms = (list: typeof answers) => list.map((a) => a.ms);
    /** The longest time in [from, to] without an answer. */
    const gap = (from: number, to: number) => {
      let last = from;
      let most = 0;
      for (const a of answers) {
        if (a.at < from || a.at > to) continue;
        most = Math.max(most, a.at - last);
        last = a.at;
      }
      return Math.max(most, to - last);
    };
    report({
      scale_fs_compact_runs: RUNS,
      scale_fs_compact_build_s: round(buildSeconds, 1),
      scale_fs_compact_1m_s: round(result.ms / 1000, 2),
      scale_fs_compact_cpu_s: round((cpu.user + cpu.system) / 1e6, 2),
      scale_fs_compact_via_index: result.scan.via === 'index' ? 1 : 0,
      scale_fs_compact_parsed_lines: result.scan.parsed,
      scale_fs_compact_rechecked_lines: result.scan.rechecked,
      scale_fs_compact_bytes_before_mb: round(result.bytesBefore / 2 ** 20, 1),
      scale_fs_compact_bytes_after_mb: round(result.bytesAfter / 2 ** 20, 1),
      scale_fs_compact_segments_before: result.segmentsBefore,
      scale_fs_compact_segments_after: result.segmentsAfter,
      scale_fs_compact_dropped_records: result.dropped,
      scale_fs_compact_orphan_files: result.orphanFiles,
      scale_fs_compact_reader_answers_during: during.filter((a) => a.ok).length,
      scale_fs_compact_reader_errors: answers.filter((a) => !a.ok).length,
      scale_fs_compact_reader_p50_ms: round(percentile(ms(during), 50), 1),
      scale_fs_compact_reader_max_before_switch_ms: round(Math.max(...ms(before)), 1),
      scale_fs_compact_reader_max_after_switch_ms: round(Math.max(...ms(after)), 1),
      scale_fs_compact_reader_max_gap_during_ms: gap(start, end),
      scale_fs_compact_reader_max_gap_after_ms: gap(switched, stop),
      scale_fs_compact_reader_answers_after: answers.filter((a) => a.ok && a.at > end).length,
      scale_fs_compact_reader_errors_after: answers.filter((a) => !a.ok && a.at > end).length,
      scale_fs_compact_load_average_1m: round(load, 1),
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const keep = process.argv.indexOf('--build');
if (keep >= 0) {
  await build(process.argv[keep + 1] as string);
  process.exit(0);
}
const at = process.argv.indexOf('--reader');
if (at >= 0) await reader(process.argv[at + 1] as string);
else await main();
