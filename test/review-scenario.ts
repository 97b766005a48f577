/**
 * Review-quality scenarios: a 5-stage ride-fare pipeline over many days with row lineage and
 * one planted culprit, its damaged predictions flagged with noise. Used by
 * test/rows-review.test.ts and bench/review-quality.bench.ts (bench imports from test/, never the reverse).
 *
 * Stages per day d: ingest (writes raw/day-d, the origin rows) -> cleaning (keep: drops ~5%)
 * -> featuregen (map from clean rows, many from the static ref/zones table) -> inference
 * (map from features; the model at run level) -> predictions/day-d. train runs every 7 days
 * on the previous 7 days of features and rewrites models/fare. Predictions start on day 7.
 */
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/pipetrace.js';
import { flagRows, type RowReview, type RowReviewCandidate, rowHash, writeRowLineage } from '../src/rows/index.js';
import type { RunInput } from '../src/run-input.js';
import type { Store } from '../src/store.js';

export type CulpritKind = 'faulty-run' | 'bad-model' | 'bad-version' | 'raw-batch';
export const CULPRIT_KINDS: CulpritKind[] = ['faulty-run', 'bad-model', 'bad-version', 'raw-batch'];

export interface ScenarioOptions {
  seed: number;
  kind: CulpritKind;
  days?: number;
  rowsPerDay?: number;
  /** Share of damaged rows left unflagged. Default 0.1. */
  miss?: number;
  /** False flags, as a share of the damaged rows. Default 0.1. */
  falseFlags?: number;
}

export interface Scenario {
  store: Store;
  kind: CulpritKind;
  /** Candidate ids of the planted culprit: run ids, `component@version`, or `pointer#hash` rows. */
  culprit: string[];
  description: string;
  damaged: number;
  flagged: number;
  population: number;
}

/** mulberry32: a small seeded PRNG, so every scenario is reproducible. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const ZONES = 40;
const STAGES = ['cleaning', 'featuregen', 'inference'] as const;

export async function buildScenario(options: ScenarioOptions): Promise<Scenario> {
  const rand = prng(options.seed * 7919 + 17);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const days = options.days ?? 35;
  const R = options.rowsPerDay ?? 300;
  const store = memoryStore();
  const pt = createPipetrace({ store, codeVersion: { commit: 'v1' } });

  // The plant.
  const kind = options.kind;
  const faultyDay = int(7, days - 1);
  const faultyStage = STAGES[int(0, 2)] as (typeof STAGES)[number];
  const trainDays: number[] = [];
  for (let d = 7; d < days; d += 7) trainDays.push(d);
  const badTrain = trainDays[int(0, trainDays.length - 1)] as number;
  const badComponent = STAGES[int(0, 2)] as (typeof STAGES)[number];
  const badFrom = int(7, days - 4);
  const badTo = Math.min(days - 1, badFrom + int(2, 5));
  const batchDay = int(7, days - 1);
  const batchSize = int(20, 50);
  const batchStart = int(0, R - batchSize);
  const share = 0.15 + rand() * 0.25;
  // A benign change: one component moves to v1.1 for good on some day.
  const benignComponent = ['ingest', 'cleaning', 'featuregen', 'train', 'inference'][int(0, 4)] as string;
  const benignFrom = int(10, days - 1);

  const version = (component: string, d: number): string => {
    if (kind === 'bad-version' && component === badComponent && d >= badFrom && d <= badTo) return 'v2';
    if (component === benignComponent && d >= benignFrom) return 'v1.1';
    return 'v1';
  };
  const runs: RunInput[] = [];
  const lineage: { id: string; fn: () => Promise<unknown> }[] = [];
  const damaged = new Map<number, Set<number>>();
  const damage = (d: number, i: number) => {
    let set = damaged.get(d);
    if (set === undefined) damaged.set(d, (set = new Set()));
    set.add(i);
  };
  let culprit: string[] = [];
  const keptByDay: number[][] = [];
  const modelOfDay = (d: number) => trainDays.filter((t) => t <= d).pop();

  for (let d = 0; d < days; d++) {
    const base = T0 + d * DAY;
    const ids = Array.from({ length: R }, (_, i) => `ride-${d}-${i}`);
    const kept: number[] = [];
    for (let i = 0; i < R; i++) {
      const planted = kind === 'raw-batch' && d === batchDay && i >= batchStart && i < batchStart + batchSize;
      if (planted || rand() > 0.05) kept.push(i);
    }
    keptByDay.push(kept);
    const run = (
      component: string,
      hour: number,
      inputs: string[],
      outputs: string[],
      extra: Partial<RunInput> = {},
    ) => {
      const id = `${component}-${String(d).padStart(3, '0')}`;
      const startedAt = base + hour * HOUR;
      const duration = Math.round(60_000 * (1 + (rand() - 0.5) * 0.4));
      const params: Record<string, string | number> = { batch: int(1, 1e6), unit: 'dollars' };
      // Benign noise: a few runs use another thread count.
      if (rand() < 0.05) params.threads = 8;
      runs.push({
        id,
        component,
        startedAt,
        endedAt: startedAt + duration,
        inputs,
        outputs,
        params,
        code: { commit: version(component, d) },
        ...extra,
      });
      return id;
    };
    const isFaulty = (stage: string) => kind === 'faulty-run' && d === faultyDay && stage === faultyStage;
    const faultyParams = { batch: int(1, 1e6), unit: 'cents' };
    const ingest = run('ingest', 0, [], [`raw/day-${d}`]);
    const cleaning = run(
      'cleaning',
      1,
      [`raw/day-${d}`],
      [`clean/day-${d}`],
      isFaulty('cleaning') ? { params: faultyParams } : {},
    );
    lineage.push({
      id: cleaning,
      fn: () =>
        writeRowLineage(store, cleaning, [
          { output: `clean/day-${d}`, input: `raw/day-${d}`, kind: 'keep', keys: kept.map((i) => ids[i] as string) },
        ]),
    });
    const featuregen = run(
      'featuregen',
      2,
      [`clean/day-${d}`, 'ref/zones'],
      [`features/day-${d}`],
      isFaulty('featuregen') ? { params: faultyParams } : {},
    );
    const fkeys = kept.map((i) => [d, i]);
    lineage.push({
      id: featuregen,
      fn: () =>
        writeRowLineage(store, featuregen, [
          {
            output: `features/day-${d}`,
            input: `clean/day-${d}`,
            kind: 'map',
            outputKeys: fkeys,
            inputKeys: kept.map((i) => ids[i] as string),
          },
          {
            output: `features/day-${d}`,
            input: 'ref/zones',
            kind: 'many',
            outputKeys: fkeys,
            inputKeys: kept.map((i) => `zone-${i % ZONES}`),
          },
        ]),
    });
    if (trainDays.includes(d)) {
      const inputs = Array.from({ length: 7 }, (_, k) => `features/day-${d - 7 + k}`);
      const train = run('train', 3, inputs, ['models/fare']);
      if (kind === 'bad-model' && d === badTrain) culprit = [train];
    }
    if (d >= 7) {
      const inference = run(
        'inference',
        4,
        [`features/day-${d}`, 'models/fare'],
        [`predictions/day-${d}`],
        isFaulty('inference') ? { params: faultyParams } : {},
      );
      lineage.push({
        id: inference,
        fn: () =>
          writeRowLineage(store, inference, [
            {
              output: `predictions/day-${d}`,
              input: `features/day-${d}`,
              kind: 'map',
              outputKeys: kept.map((i) => `p-${d}-${i}`),
              inputKeys: fkeys,
            },
          ]),
      });
      // Which predictions the plant damaged.
      for (const i of kept) {
        if (kind === 'faulty-run' && d === faultyDay && rand() < share) damage(d, i);
        if (kind === 'bad-model' && modelOfDay(d) === badTrain && rand() < share) damage(d, i);
        if (kind === 'bad-version' && d >= badFrom && d <= badTo && rand() < share) damage(d, i);
        if (kind === 'raw-batch' && d === batchDay && i >= batchStart && i < batchStart + batchSize) damage(d, i);
      }
    }
    if (kind === 'faulty-run' && d === faultyDay)
      culprit = [
        isFaulty('cleaning')
          ? cleaning
          : isFaulty('featuregen')
            ? featuregen
            : `inference-${String(d).padStart(3, '0')}`,
      ];
    void ingest;
  }
  if (kind === 'bad-version') culprit = [`${badComponent}@v2`];
  if (kind === 'raw-batch') {
    culprit = Array.from(
      { length: batchSize },
      (_, k) => `raw/day-${batchDay}#${rowHash(`ride-${batchDay}-${batchStart + k}`)}`,
    );
  }
  await pt.logRuns(runs);
  for (const l of lineage) await l.fn();

  // Flags: each damaged prediction w.p. 1 - miss, plus false flags on undamaged rows.
  const miss = options.miss ?? 0.1;
  const falseShare = options.falseFlags ?? 0.1;
  const flags = new Map<number, number[]>();
  let damagedCount = 0;
  let flaggedCount = 0;
  for (const [d, set] of damaged) {
    damagedCount += set.size;
    for (const i of set) {
      if (rand() < miss) continue;
      const list = flags.get(d) ?? [];
      list.push(i);
      flags.set(d, list);
      flaggedCount++;
    }
  }
  const wantFalse = Math.round(falseShare * damagedCount);
  let population = 0;
  for (let d = 7; d < days; d++) population += (keptByDay[d] as number[]).length;
  for (let added = 0, guard = 0; added < wantFalse && guard < 100_000; guard++) {
    const d = int(7, days - 1);
    const kept = keptByDay[d] as number[];
    const i = kept[int(0, kept.length - 1)] as number;
    if (damaged.get(d)?.has(i)) continue;
    const list = flags.get(d) ?? [];
    if (list.includes(i)) continue;
    list.push(i);
    flags.set(d, list);
    added++;
    flaggedCount++;
  }
  for (const [d, list] of flags)
    await flagRows(
      store,
      `predictions/day-${d}`,
      list.map((i) => `p-${d}-${i}`),
    );
  const description =
    kind === 'faulty-run'
      ? `run ${culprit[0]} corrupted ${Math.round(share * 100)}% of day ${faultyDay}`
      : kind === 'bad-model'
        ? `model trained on day ${badTrain} damaged ${Math.round(share * 100)}% of its predictions`
        : kind === 'bad-version'
          ? `${badComponent}@v2 on days ${badFrom}-${badTo} damaged ${Math.round(share * 100)}% of rows`
          : `${batchSize} raw records of day ${batchDay} corrupted`;
  return { store, kind, culprit, description, damaged: damagedCount, flagged: flaggedCount, population };
}

/**
 * Credit for ranking the culprit first: candidates sharing the first rank (equal score and
 * equal evidence) split it, as a random tie-break would on average.
 */
export function top1(list: readonly RowReviewCandidate[], culprit: readonly string[]): number {
  const first = list.filter((c) => c.rank === 1);
  if (first.length === 0) return 0;
  return first.filter((c) => culprit.includes(c.id)).length / first.length;
}

/** The culprit is in the top tie group. */
export function topGroupHit(list: readonly RowReviewCandidate[], culprit: readonly string[]): boolean {
  return list.some((c) => c.group === 1 && culprit.includes(c.id));
}

/** Share of the top-k rows that were planted (k = planted count); a tied rank straddling k counts its expected share. */
export function rowPrecision(list: readonly RowReviewCandidate[], culprit: readonly string[]): number {
  const k = culprit.length;
  let taken = 0;
  let hits = 0;
  let i = 0;
  while (i < list.length && taken < k) {
    const rank = (list[i] as RowReviewCandidate).rank;
    const same = [];
    while (i < list.length && (list[i] as RowReviewCandidate).rank === rank) same.push(list[i++] as RowReviewCandidate);
    const planted = same.filter((c) => culprit.includes(c.id)).length;
    const take = Math.min(same.length, k - taken);
    hits += (planted * take) / same.length;
    taken += take;
  }
  return hits / k;
}

/** Scores one review against its scenario's culprit (rows for raw-batch, runs and versions otherwise). */
export function judge(
  review: RowReview,
  scenario: Scenario,
): { top1: number; topGroupHit: boolean; rowPrecision?: number } {
  const list = scenario.kind === 'raw-batch' ? review.rows : review.candidates;
  const out: { top1: number; topGroupHit: boolean; rowPrecision?: number } = {
    top1: top1(list, scenario.culprit),
    topGroupHit: topGroupHit(list, scenario.culprit),
  };
  if (scenario.kind === 'raw-batch') out.rowPrecision = rowPrecision(review.rows, scenario.culprit);
  return out;
}
