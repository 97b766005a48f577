/**
 * Scale figures (issue 17, points 1 and 6), a part of `npm run bench -- scale`: the run-level
 * review over a million runs in the memory store, and the memory store's own bytes per run.
 * Each part runs in a child process of its own, so that one's memory does not bill the other.
 * Takes about 3 minutes on a 2-core machine, most of it logging the runs.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { type Figures, logChain, parseReport, percentile, report, round } from './lib.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (bytes: number) => round(bytes / 1e6, 1);
const COMPONENTS = ['ingest', 'clean', 'features', 'train', 'infer'];

/** Memory store at 1M runs, each reading the two previous outputs (the core bench's shape). */
async function memoryPart(): Promise<Figures> {
  const N = 1_000_000;
  gc();
  const before = process.memoryUsage();
  const store = memoryStore();
  const pt = createPipetrace({ store });
  await logChain(pt, N);
  gc();
  gc();
  const after = process.memoryUsage();
  // The store stays reachable up to here, or the collections above would free it.
  const last = (await store.scanRuns({ limit: 1, order: 'desc' })).runs[0];
  if (last?.dependencies.length !== 2) throw new Error('dependencies were not inferred');
  return {
    memory_bytes_per_run: Math.round((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / N),
    memory_rss_1m_runs_mb: mb(after.rss),
  };
}

/**
 * 200,000 chains ingest -> clean -> features -> train -> infer (1M runs), 1,000 of the 200,000
 * infer outputs flagged. The first review builds the population's totals; the warm ones (no
 * run written since) walk the flagged lineage only.
 */
async function reviewPart(): Promise<Figures> {
  const CHAINS = 200_000;
  const store = memoryStore();
  const pt = createPipetrace({ store });
  let t = Date.UTC(2026, 0, 1);
  for (let b = 0; b < CHAINS; b += 1000) {
    const batch = [];
    for (let i = b; i < b + 1000; i++)
      for (let k = 0; k < 5; k++)
        batch.push({
          component: COMPONENTS[k] as string,
          startedAt: (t += 10),
          endedAt: (t += 5),
          inputs: k === 0 ? [] : [`${COMPONENTS[k - 1]}/part-${i}`],
          outputs: [`${COMPONENTS[k]}/part-${i}`],
        });
    await pt.logRuns(batch);
  }
  let seed = 42;
  const rand = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const chosen = new Set<string>();
  while (chosen.size < 1000) chosen.add(`infer/part-${Math.floor(rand() * CHAINS)}`);
  for (const p of chosen) await pt.flag(p);
  gc();
  gc();
  const storeRss = process.memoryUsage().rss;
  // RSS right after each review, before anything collects what it let go: its peak, near enough.
  let peak = 0;
  // CPU time too: on a shared machine the wall time is mostly waiting for a core.
  const cpu: number[] = [];
  const timed = async () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const review = await pt.review();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (review.F !== 1000 || review.P !== CHAINS - 1000) throw new Error(`review population ${review.F}/${review.P}`);
    if (review.candidates.length === 0) throw new Error('no candidates');
    return ms;
  };
  const cold = await timed();
  const warm: number[] = [];
  for (let r = 0; r < 7; r++) warm.push(await timed());
  return {
    scale_review_1m_cold_ms: round(cold, 1),
    scale_review_1m_ms: round(percentile(warm, 50), 1),
    scale_review_1m_cpu_ms: round(percentile(cpu.slice(1), 50), 1),
    scale_review_1m_cold_cpu_ms: round(cpu[0] as number, 1),
    scale_review_load_average_1m: round(loadavg()[0] as number, 1),
    scale_review_1m_store_rss_mb: mb(storeRss),
    scale_review_1m_peak_rss_mb: mb(peak),
    scale_review_1m_peak_over_store: round(peak / storeRss, 3),
  };
}

const part = process.argv[2];
if (part === 'memory' || part === 'review') {
  report(part === 'memory' ? await memoryPart() : await reviewPart());
  process.exit(0);
}
const figures: Figures = {};
const self = new URL(import.meta.url).pathname;
for (const name of ['memory', 'review']) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', self, name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const result = parseReport(child.stdout ?? '');
  if (child.status !== 0 || result === undefined) throw new Error(`scale-review ${name} failed: ${child.stdout}`);
  Object.assign(figures, result);
}
report(figures);
