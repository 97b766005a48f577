/**
 * Prometheus benchmarks: GET /metrics over loopback on a store whose metrics make 1,000 series
 * (40 steps, each with its run counts, staleness and last success, and 20 drift columns), with a
 * collection on every scrape (what a Prometheus scraping every 15 s or more pays), and reused
 * within cacheMs (formatting and HTTP only).
 * Run: npm run bench -- metrics
 */

import { createServer, metricsRoutes } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { normal, rng } from '../demo/ride/data.js';
import { createPipetrace } from '../src/index.js';
import { percentile, report, round, sample } from './lib.js';

const STEPS = 40;
const COLUMNS = 20;
const store = memoryStore();
const pt = createPipetrace({ store });
const columns = (seed: number) => {
  const r = rng(seed);
  const cols: Record<string, Float64Array> = {};
  for (let c = 0; c < COLUMNS; c++) cols[`f${c}`] = Float64Array.from({ length: 10_000 }, () => normal(r));
  return cols;
};
for (let day = 0; day < 2; day++) {
  for (let s = 0; s < STEPS; s++) {
    const at = Date.UTC(2026, 0, 1 + day) + s * 1000;
    await pt
      .startRun(`step${String(s).padStart(2, '0')}`, { startedAt: at, inputs: s === 0 ? [] : [`out/${s - 1}`] })
      .profile(`out/${s}`, columns(day * 100 + s))
      .end({ endedAt: at + 500 });
  }
}

async function scrapes(
  options: Parameters<typeof metricsRoutes>[0],
  n: number,
): Promise<{ ms: number[]; series: number; bytes: number }> {
  const server = createServer({ store, pipetrace: pt, routes: metricsRoutes(options), env: {} });
  const { url } = await server.listen(0, '127.0.0.1');
  let text = '';
  const ms = await sample(
    n,
    async () => {
      text = await (await fetch(`${url}/metrics`)).text();
    },
    5,
  );
  await server.close();
  const series = text.split('\n').filter((l) => l.startsWith('pipetrace_')).length;
  return { ms, series, bytes: text.length };
}

// Every scrape collects; then scrapes within cacheMs, which reuse one collection.
const cold = await scrapes({ cacheMs: 0 }, 30);
const warm = await scrapes({ cacheMs: 3_600_000 }, 200);
report({
  metrics_scrape_ms: round(percentile(cold.ms, 50), 1),
  metrics_scrape_p95_ms: round(percentile(cold.ms, 95), 1),
  metrics_scrape_cached_ms: round(percentile(warm.ms, 50), 2),
  metrics_scrape_series: cold.series,
  metrics_scrape_bytes: cold.bytes,
});
