/**
 * OpenLineage throughput:
 * - ol_export_events_per_s: runs in a memory store to RunEvents, in process (exportEvents).
 * - ol_ingest_events_per_s: RunEvents POSTed in batches to a pipetrace server on loopback
 *   (POST /api/v1/lineage, memory store behind it), folded and logged with inferred dependencies.
 */

import { openLineageRoutes } from '../adapters/http/openlineage-routes.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import type { Run } from '../src/model.js';
import { exportEvents, type RunEvent, runToEvents } from '../src/openlineage/index.js';
import { report, round } from './lib.js';

const T0 = Date.UTC(2026, 0, 1);
const EXPORT_RUNS = 20_000;
const INGEST_RUNS = 10_000;
const BATCH = 1_000;
const TOKEN = 'bench-token-123';

/** A pipeline of 4 steps repeated: each run reads the previous step's output. */
function runsFor(n: number, offset = 0): Run[] {
  const steps = ['load', 'clean', 'features', 'train'];
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) {
    const step = i % 4;
    const batch = Math.floor(i / 4);
    runs.push({
      id: `0191a6a0-0000-7000-8000-${(offset + i).toString(16).padStart(12, '0')}`,
      component: steps[step]!,
      startedAt: T0 + i * 10,
      endedAt: T0 + i * 10 + 5,
      status: i % 50 === 0 ? 'failed' : 'succeeded',
      ...(i % 50 === 0 ? { error: { name: 'Error', message: 'boom' } } : {}),
      inputs: step === 0 ? [`s3://raw/part-${batch}.csv`] : [`/data/${steps[step - 1]}-${batch}.parquet`],
      outputs: [`/data/${steps[step]}-${batch}.parquet`],
      dependencies: [],
      notes: [],
      params: { lr: 0.01, batch },
      metrics: { rows: 1000 + i },
      code: { commit: 'abc123', branch: 'main' },
    });
  }
  return runs;
}

async function benchExport(): Promise<number> {
  const pt = createPipetrace({ store: memoryStore() });
  await pt.logRuns(runsFor(EXPORT_RUNS));
  // One unmeasured pass to warm the JIT, then the median of three measured passes.
  const rates: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const t0 = performance.now();
    let n = 0;
    for await (const _ of exportEvents(pt)) n++;
    if (pass > 0) rates.push(n / ((performance.now() - t0) / 1000));
  }
  return rates.sort((a, b) => a - b)[1]!;
}

async function benchIngest(): Promise<{ perSecond: number; batchMs: number }> {
  const store = memoryStore();
  const server = createServer({ store, token: TOKEN, routes: openLineageRoutes() });
  const { url } = await server.listen(0, '127.0.0.1');
  try {
    const events: RunEvent[] = runsFor(INGEST_RUNS).flatMap((r) => runToEvents(r));
    const post = async (batch: RunEvent[]) => {
      const response = await fetch(`${url}/api/v1/lineage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(batch),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    // Warm up on other run ids.
    await post(runsFor(200, 1_000_000).flatMap((r) => runToEvents(r)));
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await post(events.slice(i, i + BATCH));
    const ms = performance.now() - t0;
    const stored = await store.scanRuns({ limit: 1 });
    if (stored.runs.length === 0) throw new Error('nothing was ingested');
    return { perSecond: events.length / (ms / 1000), batchMs: ms / Math.ceil(events.length / BATCH) };
  } finally {
    await server.close();
  }
}

const exportRate = await benchExport();
const ingest = await benchIngest();
report({
  ol_export_events_per_s: Math.round(exportRate),
  ol_ingest_events_per_s: Math.round(ingest.perSecond),
  ol_ingest_batch_events: BATCH,
  ol_ingest_batch_ms: round(ingest.batchMs, 1),
});
