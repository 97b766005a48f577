/**
 * A pipeline history for the analyst tests and benchmarks: ingest -> clean -> features (which
 * also reads yesterday's features, so a trace reaches back through every day) -> infer, plus a
 * weekly train. Some predictions are flagged and a few days carry row lineage with flagged rows.
 */
import { memoryStore } from '../adapters/memory.js';
import type { RunInput } from '../src/index.js';
import { createPipetrace } from '../src/index.js';
import { flagRows, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';

export const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

export interface PipelineOptions {
  days: number;
  /** Prediction files per day. Default 4. */
  parts?: number;
  /** Days with row lineage (clean keeps rows, infer maps them). Default the first 3. */
  rowDays?: number;
  rows?: number;
  store?: Store;
}

export interface Pipeline {
  store: Store;
  /** The newest prediction file, whose trace reaches back through every day. */
  last: string;
  /** A run id in the middle of the history. */
  middleRun: string;
  flaggedRowPointer: string;
}

export async function buildPipeline(options: PipelineOptions): Promise<Pipeline> {
  const store = options.store ?? memoryStore();
  const parts = options.parts ?? 4;
  const rowDays = options.rowDays ?? 3;
  const rows = options.rows ?? 50;
  const pt = createPipetrace({ store, now: () => T0 + options.days * 24 * HOUR });
  const batch: RunInput[] = [];
  const t = (d: number, h: number) => T0 + d * 24 * HOUR + h * HOUR;
  let lastModel = '';
  for (let d = 0; d < options.days; d++) {
    batch.push({ id: `ingest-${d}`, component: 'ingest', startedAt: t(d, 0), endedAt: t(d, 1), outputs: [`raw/${d}`] });
    batch.push({
      id: `clean-${d}`,
      component: 'clean',
      startedAt: t(d, 1),
      endedAt: t(d, 2),
      inputs: [`raw/${d}`],
      outputs: [`clean/${d}`],
      params: { threshold: d % 10 === 7 ? 0.9 : 0.5 },
    });
    batch.push({
      id: `features-${d}`,
      component: 'features',
      startedAt: t(d, 2),
      endedAt: t(d, 3),
      inputs: d === 0 ? [`clean/${d}`] : [`clean/${d}`, `features/${d - 1}`],
      outputs: [`features/${d}`],
    });
    if (d % 7 === 6) {
      lastModel = `models/week-${(d + 1) / 7}.pkl`;
      batch.push({
        id: `train-${d}`,
        component: 'train',
        startedAt: t(d, 3),
        endedAt: t(d, 4),
        inputs: [`features/${d}`],
        outputs: [lastModel],
      });
    }
    batch.push({
      id: `infer-${d}`,
      component: 'infer',
      startedAt: t(d, 5),
      endedAt: t(d, 6),
      inputs: lastModel === '' ? [`features/${d}`] : [`features/${d}`, lastModel],
      outputs: Array.from({ length: parts }, (_, k) => `preds/${d}/${k}`),
      metrics: { auc: 0.9 - (d % 10 === 7 ? 0.2 : 0) },
    });
    if (batch.length >= 5000) await pt.logRuns(batch.splice(0));
  }
  await pt.logRuns(batch.splice(0));
  // Flag every prediction of the days cleaned with the bad threshold, plus one false alarm.
  for (let d = 7; d < options.days; d += 10) for (let k = 0; k < parts; k++) await pt.flag(`preds/${d}/${k}`);
  if (options.days > 3) await pt.flag(`preds/3/0`);
  for (let d = 0; d < Math.min(rowDays, options.days); d++) {
    const keys = Array.from({ length: rows }, (_, i) => `${d}-${i}`);
    await writeRowLineage(store, `clean-${d}`, [{ output: `clean/${d}`, input: `raw/${d}`, kind: 'keep', keys }]);
    await writeRowLineage(store, `features-${d}`, [
      { output: `features/${d}`, input: `clean/${d}`, kind: 'keep', keys },
    ]);
    await writeRowLineage(store, `infer-${d}`, [
      {
        output: `preds/${d}/0`,
        input: `features/${d}`,
        kind: 'map',
        outputKeys: keys.map((k) => `p${k}`),
        inputKeys: keys,
      },
    ]);
  }
  await flagRows(store, 'preds/0/0', ['p0-1', 'p0-2', 'p0-3'], T0);
  const d = options.days - 1;
  return {
    store,
    last: `preds/${d}/${parts - 1}`,
    middleRun: `features-${Math.floor(d / 2)}`,
    flaggedRowPointer: 'preds/0/0',
  };
}
