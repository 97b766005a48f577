/**
 * A small logged pipeline (ingest → clean → train → infer over a few days, with row lineage and
 * a buggy cleaning run) for the dashboard's tests, benchmark and demos. Browser-safe.
 */
import type { Pipetrace } from '../src/pipetrace.js';
import { formatDay } from '../src/render/format.js';
import { writeRowLineage } from '../src/rows/capture.js';

export interface SampleOptions {
  /** Days of runs. Default 3. */
  days?: number;
  /** Inference batches per day. Default 4. */
  batches?: number;
  /** Rows per raw file. Default 40. */
  rows?: number;
  /** First day's midnight (UTC ms). Default 2026-03-01. */
  start?: number;
}

export interface SampleResult {
  /** The latest model pointer. */
  model: string;
  /** The latest predictions pointer. */
  predictions: string;
  /** A prediction row key in `predictions`. */
  rowKey: string;
  /** The day whose cleaning run dropped the fare filter. */
  buggyDay: number;
}

const DAY = 86_400_000;

export async function logSamplePipeline(pt: Pipetrace, options: SampleOptions = {}): Promise<SampleResult> {
  const days = options.days ?? 3;
  const batches = options.batches ?? 4;
  const rows = options.rows ?? 40;
  const start = options.start ?? Date.UTC(2026, 2, 1);
  const buggyDay = Math.min(1, days - 1);
  await pt.component('ingest', { description: 'loads raw ride records', owner: 'data-eng', tags: ['etl'] });
  await pt.component('clean', { description: 'drops invalid fares', owner: 'data-eng', tags: ['etl'] });
  await pt.component('train', { description: 'fits the fare model', owner: 'ml', tags: ['ml'] });
  await pt.component('infer', { description: 'predicts fares', owner: 'ml', tags: ['ml', 'serving'] });
  let predictions = '';
  let model = '';
  let rowKey = '';
  const flag: string[] = [];
  for (let day = 0; day < days; day++) {
    const t = start + day * DAY + 2 * 3_600_000;
    const date = formatDay(t);
    const raw = `data/rides-${date}.csv`;
    const clean = `data/clean-${date}.parquet`;
    model = `models/fare-${date}.pkl`;
    const code = { commit: `a1b2c3d${day}e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9`, branch: 'main' };
    await pt.logRun({
      component: 'ingest',
      startedAt: t,
      endedAt: t + 61_000,
      outputs: [raw],
      code,
      metrics: { rows },
    });
    const kept = Array.from({ length: rows }, (_, i) => `ride-${date}-${i}`).filter(
      (_, i) => day === buggyDay || i % 10 !== 3,
    );
    const cleaning = await pt.logRun({
      component: 'clean',
      startedAt: t + 120_000,
      endedAt: t + 245_000,
      inputs: [raw],
      outputs: [clean],
      code,
      params: { drop_zero_fares: day !== buggyDay },
      snapshot: 'def clean(df):\n    return df[df.fare > 0]  # the fare filter\n',
      notes: day === buggyDay ? ['refactored the fare filter'] : [],
    });
    await writeRowLineage(pt.store, cleaning.id, [{ output: clean, input: raw, kind: 'keep', keys: kept }], {
      keepKeys: true,
    });
    await pt.logRun({
      component: 'train',
      startedAt: t + 300_000,
      endedAt: t + 1_500_000,
      inputs: [clean],
      outputs: [model],
      code,
      metrics: { mae: day === buggyDay ? 9.1 : 2.3 },
    });
    for (let b = 0; b < batches; b++) {
      const bt = t + 3_600_000 + b * 600_000;
      predictions = `predictions/${date}/batch-${b}.csv`;
      const infer = await pt.logRun({
        component: 'infer',
        startedAt: bt,
        endedAt: bt + 20_000,
        inputs: [model, clean],
        outputs: [predictions],
        code,
      });
      const slice = kept.slice(b * 5, b * 5 + 5);
      const outKeys = slice.map((_, i) => `pred-${b}-${i}`);
      await writeRowLineage(
        pt.store,
        infer.id,
        [{ output: predictions, input: clean, kind: 'map', outputKeys: outKeys, inputKeys: slice }],
        { keepKeys: true },
      );
      rowKey = outKeys[0] ?? rowKey;
      if (day === buggyDay && b !== 0) flag.push(predictions);
    }
  }
  for (const p of flag) await pt.flag(p);
  return { model, predictions, rowKey, buggyDay };
}
