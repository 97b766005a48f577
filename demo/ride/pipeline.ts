/**
 * The ride-fare pipeline over simulated days, logged to pipetrace: each step is a run with
 * params, metrics, row lineage and a profile of what it wrote. Inference logs its predictions
 * to the `fare` task; the true fares arrive the next morning as the task's feedback, and a
 * feedback rule flags the predictions that missed. No flag is set by hand.
 *
 * Per day: ingest -> cleaning -> featuregen -> split -> train -> inference. Training promotes
 * its model to `models/fare/serving` only when the holdout error passes a gate, and inference
 * scores every ride with the serving model. On the planted day, cleaning takes every meter to
 * report miles, so vendor B's distances grow 1.6x: that day's model fails the gate, and the
 * serving model (trained on good data) misprices vendor B's longer rides.
 *
 * The signals, each printed with the time it fired: drift of a step's output against the same
 * step's output on the day the serving model was trained on (the planted day: cleaning's km),
 * the MAE of the feedback that arrived each morning, and the predictions the rule flagged.
 */
import type { CodeVersion, JsonValue } from '../../src/model.js';
import type { ProfileData } from '../../src/monitor/profile.js';
import type { Pipetrace } from '../../src/pipetrace.js';
import { formatDay, formatNumber } from '../../src/render/format.js';
import { type RowLineageSpec, reviewRows, unflagRows, writeRowLineage } from '../../src/rows/index.js';
import { generateRides, rng } from './data.js';
import type { LinearModel } from './model.js';
import { clean, FEATURES, featuregen, infer, isBadPrediction, split, train, type UnitRule } from './steps.js';

export const DAY_MS = 86_400_000;
export const STEPS = ['ingest', 'cleaning', 'featuregen', 'split', 'train', 'inference'] as const;
export type Step = (typeof STEPS)[number];

/** Holdout mean absolute error (dollars) a candidate model must reach to be promoted. */
export const MAX_HOLDOUT_MAE = 1.1;
const STEP_SLOT_MS = 5 * 60_000;
/** A day whose share of bad predictions passes this is flagged whole by the monitor. */
export const DAY_ALERT_RATE = 0.05;
/** The task the predictions and the true fares are logged to. */
export const FARE_TASK = 'fare';
/** The true fares of a day's rides arrive at 01:00 the next day. */
export const FEEDBACK_DELAY_MS = 23 * 3_600_000;
/**
 * The morning's feedback MAE alarms above this: well over the holdout error the serving model
 * had to reach to be promoted (MAX_HOLDOUT_MAE), so the live model does worse than it was shown to.
 */
export const LIVE_MAE_ALERT = 1.5 * MAX_HOLDOUT_MAE;
/** The steps whose outputs are compared with the serving model's training day, upstream first. */
const WATCHED: readonly ['ingest' | 'cleaning' | 'featuregen', keyof DayResult['pointers']][] = [
  ['ingest', 'raw'],
  ['cleaning', 'clean'],
  ['featuregen', 'features'],
];

/** A monitoring signal that fired, and when. */
export interface Signal {
  kind: 'drift' | 'mae' | 'flags' | 'review';
  /** When it fired (simulated time). */
  at: number;
  /** The day of the data it is about. */
  date: string;
  text: string;
}

const COMMIT = 'c41f0a97d2e85b3160e7f9a4c2d8b5e1f3a60c27';
const BUGGY_COMMIT = '9e2b7d4f1a0c83e56b9d27f4a1c0e8d3b5f76a12';

export interface PipelineOptions {
  seed: number;
  days: number;
  rows: number;
  /**
   * 0-based day whose cleaning run carries the bug; -1 for none. Day 0 bootstraps the serving
   * model without the gate, so a bug there would poison every later day: use 1 or later.
   */
  buggyDay: number;
  /** Midnight UTC of the first day. */
  start: number;
  /** Record row lineage (default true). */
  rowLineage?: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface DayResult {
  date: string;
  runs: Record<Step, string>;
  pointers: {
    raw: string;
    clean: string;
    features: string;
    train: string;
    holdout: string;
    model: string;
    predictions: string;
  };
  promoted: boolean;
  holdoutMae: number;
  predictions: number;
  /** Predictions the feedback rule flagged (when the true fares arrived, the next day). */
  flaggedRows: number;
  /** The MAE of this day's predictions, known when their feedback arrived. */
  feedbackMae?: number;
  /** A flagged prediction id of the day, to trace; undefined when none was flagged. */
  sampleFlagged?: string;
}

export interface PipelineResult {
  days: DayResult[];
  /** The cleaning run that carries the planted bug. */
  culprit?: { run: string; date: string };
  predictionPointers: string[];
  flaggedPointers: string[];
  /** The signals that fired, in time order (the review's is added by analyse). */
  signals: Signal[];
}

export const pointersOf = (date: string): DayResult['pointers'] => ({
  raw: `warehouse/rides/raw/${date}.parquet`,
  clean: `warehouse/rides/clean/${date}.parquet`,
  features: `warehouse/rides/features/${date}.parquet`,
  train: `warehouse/rides/split/${date}/train.parquet`,
  holdout: `warehouse/rides/split/${date}/holdout.parquet`,
  model: `models/fare/${date}.json`,
  predictions: `predictions/fare/${date}`,
});
export const SERVING_MODEL = 'models/fare/serving';

/** Registers the components with descriptions, owners and tags. */
export async function registerComponents(pt: Pipetrace): Promise<void> {
  const about: Record<Step, [string, string, string[]]> = {
    ingest: ['loads the day of rides from the vendors feed', 'data-eng', ['etl', 'rides']],
    cleaning: ['drops refunds and broken meters, converts distances to km', 'data-eng', ['etl', 'rides']],
    featuregen: ['builds the model features', 'ml', ['features', 'rides']],
    split: ['splits rides 80/20 into train and holdout by ride id', 'ml', ['ml']],
    train: ['fits the fare model; promotes it when the holdout error passes the gate', 'ml', ['ml']],
    inference: ['prices every ride with the serving model', 'ml', ['ml', 'serving']],
  };
  for (const [name, [description, owner, tags]] of Object.entries(about)) {
    await pt.component(name, { description, owner, tags });
  }
}

/** Runs the pipeline for every day, logging to `pt`. */
export async function runPipeline(pt: Pipetrace, options: PipelineOptions): Promise<PipelineResult> {
  const { seed, days, rows, buggyDay, start } = options;
  const lineage = options.rowLineage !== false;
  const store = pt.store;
  const total = days * STEPS.length;
  let done = 0;
  const step = (label: string) => options.onProgress?.(++done, total, label);
  await registerComponents(pt);

  const result: PipelineResult = { days: [], predictionPointers: [], flaggedPointers: [], signals: [] };
  const task = pt.task(FARE_TASK);
  let serving: LinearModel | undefined;
  /** The day the serving model was trained on: its steps' outputs are the drift reference. */
  let servingDay: DayResult['pointers'] | undefined;
  /** Yesterday's predictions, waiting for their true fares. */
  let waiting: { day: DayResult; ids: string[]; fares: Float64Array } | undefined;
  const feedback = async (w: NonNullable<typeof waiting>) => {
    const at = Date.parse(`${w.day.date}T00:00:00Z`) + DAY_MS + 3_600_000;
    await task.logFeedback(w.ids, w.fares, { at });
    await morning(pt, result, w.day, at, lineage);
  };
  for (let day = 0; day < days; day++) {
    const date = formatDay(start + day * DAY_MS);
    const p = pointersOf(date);
    const buggy = day === buggyDay;
    // Each step is versioned on its own; the planted day's cleaning runs a new commit.
    const code: CodeVersion = { commit: COMMIT, branch: 'main' };
    const buggyCode: CodeVersion = { commit: BUGGY_COMMIT, branch: 'main' };
    // Simulated time: the nightly job starts at 02:00, a step every 5 minutes, each taking time
    // in proportion to rows. Start times depend on the day and step only, and so do run ids.
    const jobStart = start + day * DAY_MS + 2 * 3_600_000;
    let slot = 0;
    const log = async (
      component: Step,
      inputs: string[],
      outputs: string[],
      params: Record<string, JsonValue>,
      metrics: Record<string, number>,
      specs: RowLineageSpec[],
      extra: { notes?: string[]; keepKeys?: boolean; code?: CodeVersion; profiles?: [string, ProfileData][] } = {},
    ): Promise<string> => {
      const startedAt = jobStart + slot++ * STEP_SLOT_MS;
      const endedAt = startedAt + Math.min(STEP_SLOT_MS - 10_000, 1_000 + Math.round(rows * 0.6));
      const id = demoRunId(component, startedAt);
      if (lineage && specs.length > 0) await writeRowLineage(store, id, specs, { keepKeys: extra.keepKeys === true });
      await pt.logRun({
        id,
        component,
        startedAt,
        endedAt,
        inputs,
        outputs,
        params,
        metrics,
        code: extra.code ?? code,
        notes: extra.notes ?? [],
      });
      // Every step profiles what it wrote, so drift can be watched with no extra wiring.
      for (const [output, data] of extra.profiles ?? []) await pt.recordProfile(id, output, data);
      step(`${date} ${component}`);
      return id;
    };

    // 01:00: yesterday's true fares arrive.
    if (waiting !== undefined) await feedback(waiting);

    const raw = generateRides(seed, day, date, rows);
    const ingestId = await log('ingest', [], [p.raw], { source: 'vendor-feed', seed }, { rows: raw.ids.length }, [], {
      profiles: [
        [
          p.raw,
          {
            distance: raw.distance,
            duration_min: raw.durationMin,
            fare: raw.fare,
            hour: raw.hour,
            passengers: raw.passengers,
            vendor: Array.from(raw.vendor, (v) => (v === 0 ? 'A' : 'B')),
          },
        ],
      ],
    });

    const rule: UnitRule = buggy ? 'assume-miles' : 'per-vendor';
    const cleaned = clean(raw, rule);
    const cleaningId = await log(
      'cleaning',
      [p.raw],
      [p.clean],
      { unit_rule: rule, min_fare: 0, max_minutes: 240 },
      { rows_in: raw.ids.length, rows_out: cleaned.ids.length, ...prefixed('dropped_', cleaned.dropped) },
      [{ output: p.clean, input: p.raw, kind: 'keep', keys: cleaned.ids }],
      {
        keepKeys: true,
        profiles: [
          [
            p.clean,
            {
              km: cleaned.km,
              minutes: cleaned.minutes,
              fare: cleaned.fare,
              hour: cleaned.hour,
              passengers: cleaned.passengers,
            },
          ],
        ],
        ...(buggy ? { code: buggyCode, notes: ['refactor: normalise distance units in one place'] } : {}),
      },
    );

    const features = featuregen(cleaned);
    const featuregenId = await log(
      'featuregen',
      [p.clean],
      [p.features],
      { features: features.columns.length },
      { rows: features.ids.length },
      [{ output: p.features, input: p.clean, kind: 'pass' }],
      {
        profiles: [[p.features, Object.fromEntries(FEATURES.map((f, i) => [f, features.columns[i] as Float64Array]))]],
      },
    );

    const parts = split(features);
    const idsAt = (at: Int32Array) => Array.from(at, (i) => features.ids[i] as string);
    const splitId = await log(
      'split',
      [p.features],
      [p.train, p.holdout],
      { train_share: 0.8, by: 'ride_id' },
      { train_rows: parts.train.length, holdout_rows: parts.holdout.length },
      [
        { output: p.train, input: p.features, kind: 'keep', keys: idsAt(parts.train) },
        { output: p.holdout, input: p.features, kind: 'keep', keys: idsAt(parts.holdout) },
      ],
      {
        profiles: [
          [p.train, { fare: Float64Array.from(parts.train, (i) => features.fare[i] as number) }],
          [p.holdout, { fare: Float64Array.from(parts.holdout, (i) => features.fare[i] as number) }],
        ],
      },
    );

    const fitted = train(features, parts);
    const promoted = serving === undefined || fitted.holdoutMae <= MAX_HOLDOUT_MAE;
    if (promoted) serving = fitted.model;
    const trainId = await log(
      'train',
      [p.train, p.holdout],
      promoted ? [p.model, SERVING_MODEL] : [p.model],
      { model: 'linear', features: fitted.model.features, max_holdout_mae: MAX_HOLDOUT_MAE },
      {
        holdout_mae: round(fitted.holdoutMae),
        holdout_rmse: round(fitted.holdoutRmse),
        promoted: promoted ? 1 : 0,
        ...weights(fitted.model),
      },
      [],
      {
        profiles: [
          [
            p.model,
            {
              feature: ['intercept', ...fitted.model.features],
              weight: [fitted.model.intercept, ...fitted.model.weights],
            },
          ],
        ],
        ...(promoted
          ? {}
          : { notes: [`not promoted: holdout MAE ${formatNumber(fitted.holdoutMae, 3)} > ${MAX_HOLDOUT_MAE}`] }),
      },
    );

    const model = serving as LinearModel;
    const predicted = infer(model, features, date);
    const inferenceId = await log(
      'inference',
      [p.features, SERVING_MODEL],
      [p.predictions],
      { model: SERVING_MODEL },
      { predictions: predicted.ids.length },
      [{ output: p.predictions, input: p.features, kind: 'map', outputKeys: predicted.ids, inputKeys: features.ids }],
      { keepKeys: true, profiles: [[p.predictions, { predicted_fare: predicted.predicted }]] },
    );
    // The predictions go to the task now; their truth comes tomorrow. Ids are the row keys of p.predictions.
    await task.logOutputs(predicted.ids, predicted.predicted, {
      at: jobStart + slot * STEP_SLOT_MS,
      pointer: p.predictions,
    });
    await watchDrift(pt, result, date, servingDay, {
      ingest: ingestId,
      cleaning: cleaningId,
      featuregen: featuregenId,
    });
    if (promoted) servingDay = p;

    const runs = {
      ingest: ingestId,
      cleaning: cleaningId,
      featuregen: featuregenId,
      split: splitId,
      train: trainId,
      inference: inferenceId,
    };
    if (buggy) result.culprit = { run: cleaningId, date };
    result.predictionPointers.push(p.predictions);
    const today: DayResult = {
      date,
      runs,
      pointers: p,
      promoted,
      holdoutMae: fitted.holdoutMae,
      predictions: predicted.ids.length,
      flaggedRows: 0,
    };
    result.days.push(today);
    waiting = { day: today, ids: predicted.ids, fares: features.fare };
  }
  // The last day's fares arrive the morning after.
  if (waiting !== undefined) await feedback(waiting);
  result.signals.sort((a, b) => a.at - b.at);
  return result;
}

/**
 * The morning a day's true fares arrived: the MAE of that feedback, and the feedback rule
 * flagging the predictions that missed (a day with many is flagged whole).
 */
async function morning(pt: Pipetrace, result: PipelineResult, day: DayResult, at: number, lineage: boolean) {
  const task = pt.task(FARE_TASK);
  const mae = (await task.metrics({ metric: 'mae', window: '1d', since: at, until: at + 1 })).points[0]?.value;
  if (mae !== null && mae !== undefined) {
    day.feedbackMae = mae;
    if (mae > LIVE_MAE_ALERT)
      result.signals.push({
        kind: 'mae',
        at,
        date: day.date,
        text: `fare task: MAE of the feedback that arrived is ${formatNumber(mae, 2)} (alarm above ${formatNumber(LIVE_MAE_ALERT, 2)}) for the predictions of ${day.date}`,
      });
  }
  if (!lineage) return;
  // Re-running the demo into the same store replaces its flags rather than adding to them.
  await unflagRows(pt.store, day.pointers.predictions);
  const flagged = await task.flagMisses((predicted, fare) => isBadPrediction(predicted as number, fare as number), {
    since: at,
    until: at + 1,
  });
  day.flaggedRows = flagged.missed;
  const sample = flagged.missed === 0 ? undefined : (await pt.flaggedRows(day.pointers.predictions)).rows[0]?.key;
  if (typeof sample === 'string') day.sampleFlagged = sample;
  const alert = flagged.missed > DAY_ALERT_RATE * day.predictions;
  if (alert) {
    await pt.flag(day.pointers.predictions);
    result.flaggedPointers.push(day.pointers.predictions);
    result.signals.push({
      kind: 'flags',
      at,
      date: day.date,
      text: `feedback rule (missed by more than $6 and 30%) flagged ${flagged.missed} of ${flagged.checked} predictions of ${day.date} (${day.pointers.predictions})`,
    });
    // The flags are there: the row review can name the culprit now, with no person involved.
    const review = await reviewRows(pt.store, {
      pointers: result.predictionPointers,
      population: result.predictionPointers,
      limit: 3,
    });
    const top = review.candidates.filter((c) => c.group === 1 && c.kind === 'run');
    if (top.length > 0) {
      const dateOf = (id: string) => result.days.find((d) => Object.values(d.runs).includes(id))?.date ?? '?';
      const named = top.map(
        (c) =>
          `${c.run?.component ?? '?'} run ${c.id.slice(0, 8)} of ${dateOf(c.id)}${c.differences[0] === undefined ? '' : ` (${c.differences[0]})`}`,
      );
      result.signals.push({
        kind: 'review',
        at,
        date: day.date,
        text: `row review (${review.metric}) of the flagged predictions, top group: ${named.join('; ')}`,
      });
    }
  } else await pt.unflag(day.pointers.predictions);
}

/** Each watched step's output against the same step's output on the serving model's training day. */
async function watchDrift(
  pt: Pipetrace,
  result: PipelineResult,
  date: string,
  reference: DayResult['pointers'] | undefined,
  runs: Record<(typeof WATCHED)[number][0], string>,
): Promise<void> {
  if (reference === undefined) return;
  for (const [component, pointer] of WATCHED) {
    const report = await pt.drift({ run: runs[component] }, { reference: { pointer: reference[pointer] } });
    const drifted = report.outputs.filter((o) => o.drifted);
    if (drifted.length === 0) continue;
    const run = await pt.inspect(runs[component]);
    result.signals.push({
      kind: 'drift',
      at: run.endedAt,
      date,
      text: `drift in ${component} (run ${run.id.slice(0, 8)}), against the serving model's training day: ${drifted.flatMap((o) => o.sentences).join('; ')}`,
    });
  }
}

/**
 * A UUIDv7 (time-sortable) whose other bits come from the step and the time, not at random:
 * the same day's step always gets the same id, so running the demo again replaces its runs
 * instead of interleaving a second set with the first (dependencies are inferred by time).
 */
export function demoRunId(component: string, startedAt: number): string {
  let h = 2166136261;
  for (const c of `${component}@${startedAt}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const random = rng(h >>> 0);
  const hex = (n: number, digits: number) => Math.floor(n).toString(16).padStart(digits, '0');
  const bits = (digits: number) => hex(random() * 16 ** digits, digits);
  const time = hex(startedAt, 12);
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${bits(3)}-${variant}${bits(3)}-${bits(6)}${bits(6)}`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function prefixed(prefix: string, record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`${prefix}${k}`, v]));
}

function weights(model: LinearModel): Record<string, number> {
  const out: Record<string, number> = { w_intercept: round(model.intercept) };
  model.features.forEach((f, i) => {
    out[`w_${f}`] = round(model.weights[i] as number);
  });
  return out;
}
