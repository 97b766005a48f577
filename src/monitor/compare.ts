import { formatPercent, formatSignificant } from '../render/format.js';
import type { CategoricalColumn, ColumnProfile, ColumnType } from './column.js';
import { type QuantileView, quantileOf, quantileView } from './kll.js';
import { cohenH, jensenShannon, ksPValue, ksStatistic, numericPsi, psi, wasserstein } from './measures.js';
import type { Profile } from './profile.js';

/** How a column's distribution is compared. `ks` gives a p-value and is only used when named. */
export type DriftMeasure = 'wasserstein' | 'jensen_shannon' | 'psi' | 'ks';

/**
 * The default thresholds, above which a column has drifted (for `ks`: below which its p-value
 * is). Wasserstein (normalized by the reference's standard deviation) and Jensen–Shannon
 * distance at 0.1, PSI at 0.1, as Evidently uses them; a missing share's change as Cohen's h at
 * 0.2, Cohen's "small" effect; KS at p < 0.05.
 */
export const DRIFT_THRESHOLDS: Readonly<Record<DriftMeasure | 'missing', number>> = {
  wasserstein: 0.1,
  jensen_shannon: 0.1,
  psi: 0.1,
  ks: 0.05,
  missing: 0.2,
};

/** Quantiles every numeric summary carries (enough to draw a distribution). */
export const SUMMARY_QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;
const TOP_SHOWN = 10;

/** One side of a column, as plain data. */
export interface ColumnSummary {
  type: ColumnType;
  /** Values present, and missing (null, undefined, NaN, ±Infinity). */
  count: number;
  missing: number;
  missingShare: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  zeros?: number;
  negatives?: number;
  /** Numbers: the value at each of SUMMARY_QUANTILES (rank error within KLL_RANK_ERROR). */
  quantiles?: { q: number; value: number }[];
  /** Strings and booleans: the most frequent values, with their share of values present. */
  top?: { value: string; share: number }[];
  /** Strings and booleans: distinct values, estimated (HyperLogLog). */
  distinct?: number;
}

export type ColumnStatus = 'ok' | 'drifted' | 'type_changed' | 'added' | 'removed';

/** One column compared with its reference: a value, its threshold, both sides, and a sentence. */
export interface ColumnDrift {
  pointer: string;
  column: string;
  status: ColumnStatus;
  drifted: boolean;
  /** The distribution measure, its value and threshold (absent when only one side has values). */
  measure?: DriftMeasure;
  value?: number;
  threshold?: number;
  /** `ks` only. */
  pValue?: number;
  /** The change of the missing share, as Cohen's h. */
  missing: { reference: number; current: number; value: number; threshold: number; drifted: boolean };
  current?: ColumnSummary;
  reference?: ColumnSummary;
  sentence: string;
}

export interface CompareOptions {
  numeric?: 'wasserstein' | 'psi' | 'ks';
  categorical?: 'jensen_shannon' | 'psi';
  /** Per column: the threshold of its measure. */
  thresholds?: Readonly<Record<string, number>>;
  /** The Cohen's h above which a change of the missing share is drift. */
  missingThreshold?: number;
}

export function summarize(c: ColumnProfile): ColumnSummary {
  const total = c.count + c.missing;
  const base: ColumnSummary = {
    type: c.type,
    count: c.count,
    missing: c.missing,
    missingShare: total === 0 ? 0 : c.missing / total,
  };
  if (c.type === 'number') {
    if (c.count === 0) return base;
    const view = quantileView(c.sketch);
    return {
      ...base,
      mean: c.mean,
      std: c.count > 1 ? Math.sqrt(c.m2 / (c.count - 1)) : 0,
      min: c.min,
      max: c.max,
      zeros: c.zeros,
      negatives: c.negatives,
      // The extremes are known exactly; the sketch answers in between.
      quantiles: SUMMARY_QUANTILES.map((q) => ({ q, value: Math.min(c.max, Math.max(c.min, quantileOf(view, q))) })),
    };
  }
  if (c.type === 'empty') return base;
  return {
    ...base,
    top: c.top
      .top()
      .slice(0, TOP_SHOWN)
      .map((h) => ({ value: h.value, share: c.count === 0 ? 0 : h.count / c.count })),
    distinct: c.distinct.estimate(),
  };
}

/** Shares over the categories both sides know well, plus one bucket for all others. */
function categoryShares(ref: CategoricalColumn, cur: CategoricalColumn): { p: number[]; q: number[] } {
  // A counter is trusted when exact, or when its lower bound clears the sketch's floor: with
  // many distinct values the rest are noise, and go to "other" on both sides alike.
  const reliable = (c: CategoricalColumn) => {
    const out = new Map<string, number>();
    const floor = c.top.floor;
    for (const h of c.top.top()) if (h.error === 0 || h.count - h.error > floor) out.set(h.value, h.count - h.error);
    return out;
  };
  const a = reliable(ref);
  const b = reliable(cur);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const shares = (m: Map<string, number>, count: number) => {
    const out = keys.map((k) => (count === 0 ? 0 : (m.get(k) ?? 0) / count));
    const known = out.reduce((s, x) => s + x, 0);
    out.push(Math.max(0, 1 - known));
    return out;
  };
  return { p: shares(a, ref.count), q: shares(b, cur.count) };
}

function thresholdOf(options: CompareOptions, column: string, measure: DriftMeasure): number {
  const t = options.thresholds;
  return t !== undefined && Object.hasOwn(t, column) ? (t[column] as number) : DRIFT_THRESHOLDS[measure];
}

const NAMES: Record<DriftMeasure, string> = {
  wasserstein: 'normalized Wasserstein',
  jensen_shannon: 'Jensen–Shannon',
  psi: 'PSI',
  ks: 'KS',
};

/** Compares every column of two profiles of `pointer`, in the current profile's column order. */
export function compareProfiles(
  pointer: string,
  current: Profile,
  reference: Profile,
  options: CompareOptions = {},
  columns?: readonly string[],
): ColumnDrift[] {
  const names = columns ?? [...new Set([...current.columns.keys(), ...reference.columns.keys()])];
  const out: ColumnDrift[] = [];
  for (const column of names) {
    const cur = current.columns.get(column);
    const ref = reference.columns.get(column);
    if (cur === undefined && ref === undefined) continue;
    out.push(compareColumn(pointer, column, cur, ref, options));
  }
  return out;
}

function compareColumn(
  pointer: string,
  column: string,
  cur: ColumnProfile | undefined,
  ref: ColumnProfile | undefined,
  options: CompareOptions,
): ColumnDrift {
  const at = `${pointer} ${column}`;
  const current = cur === undefined ? undefined : summarize(cur);
  const reference = ref === undefined ? undefined : summarize(ref);
  const missingThreshold = options.missingThreshold ?? DRIFT_THRESHOLDS.missing;
  const mr = reference?.missingShare ?? 0;
  const mc = current?.missingShare ?? 0;
  const h = cohenH(mr, mc);
  const missing = { reference: mr, current: mc, value: h, threshold: missingThreshold, drifted: h > missingThreshold };
  const base = { pointer, column, missing, ...(current ? { current } : {}), ...(reference ? { reference } : {}) };
  if (cur === undefined || ref === undefined) {
    const added = ref === undefined;
    const type = (added ? current : reference)?.type;
    return {
      ...base,
      status: added ? 'added' : 'removed',
      drifted: true,
      sentence: `${at}: ${added ? 'new column' : 'column gone'} (${added ? '' : 'was '}${type})`,
    };
  }
  if (cur.type !== ref.type && cur.type !== 'empty' && ref.type !== 'empty') {
    return { ...base, status: 'type_changed', drifted: true, sentence: `${at}: type ${ref.type} → ${cur.type}` };
  }
  const missingText = `missing ${formatPercent(mr, 1)} → ${formatPercent(mc, 1)}, Cohen's h ${formatSignificant(h, 2)} (threshold ${missingThreshold})`;
  if (cur.type === 'empty' || ref.type === 'empty' || cur.count === 0 || ref.count === 0) {
    return {
      ...base,
      status: missing.drifted ? 'drifted' : 'ok',
      drifted: missing.drifted,
      sentence: `${at}: ${missingText}`,
    };
  }
  let measure: DriftMeasure;
  let value: number;
  let pValue: number | undefined;
  let change: string;
  if (cur.type === 'number' && ref.type === 'number') {
    measure = options.numeric ?? 'wasserstein';
    const a = quantileView(ref.sketch);
    const b = quantileView(cur.sketch);
    if (measure === 'wasserstein') value = normalizedWasserstein(a, b, ref, cur);
    else if (measure === 'psi') value = numericPsi(a, b);
    else {
      value = ksStatistic(a, b);
      pValue = ksPValue(value, ref.count, cur.count);
    }
    change = `mean ${formatSignificant(ref.mean)} → ${formatSignificant(cur.mean)}`;
  } else {
    measure = options.categorical ?? 'jensen_shannon';
    const { p, q } = categoryShares(ref as CategoricalColumn, cur as CategoricalColumn);
    value = measure === 'psi' ? psi(p, q) : jensenShannon(p, q);
    change = topChange(reference as ColumnSummary, current as ColumnSummary);
  }
  const threshold = thresholdOf(options, column, measure);
  const byMeasure = measure === 'ks' ? (pValue as number) < threshold : value > threshold;
  const drifted = byMeasure || missing.drifted;
  const measured =
    measure === 'ks'
      ? `KS D ${formatSignificant(value, 2)}, p ${formatSignificant(pValue as number, 2)} (threshold p < ${threshold})`
      : `${NAMES[measure]} ${formatSignificant(value, 2)} (threshold ${threshold})`;
  const parts = [change, measured];
  if (missing.drifted) parts.push(missingText);
  return {
    ...base,
    status: drifted ? 'drifted' : 'ok',
    drifted,
    measure,
    value,
    threshold,
    ...(pValue === undefined ? {} : { pValue }),
    sentence: `${at}: ${parts.join(', ')}`,
  };
}

const CLIP = 0.005;

function clipped(view: QuantileView, lo: number, hi: number): QuantileView {
  const values = view.values.map((x) => Math.min(Math.max(x, lo), hi));
  return { values, cum: view.cum, total: view.total };
}

/**
 * W1 over the reference's standard deviation (the current one's when the reference is
 * constant; a constant that changes counts 1). Below the sketch's resolution it reads 0.
 */
function normalizedWasserstein(
  a: QuantileView,
  b: QuantileView,
  ref: { count: number; m2: number; min: number; max: number },
  cur: { count: number; m2: number; min: number; max: number },
): number {
  const std = (c: { count: number; m2: number }) => (c.count > 1 ? Math.sqrt(c.m2 / (c.count - 1)) : 0);
  const scale = std(ref) > 0 ? std(ref) : std(cur);
  // Both sides clipped to the reference's 0.5th-99.5th percentiles: beyond them a sketch item
  // stands for many values spread far apart, and its noise alone would read as drift.
  const lo = quantileOf(a, CLIP);
  const hi = quantileOf(a, 1 - CLIP);
  const w = wasserstein(clipped(a, lo, hi), clipped(b, lo, hi));
  if (scale === 0) return ref.min === cur.min && ref.max === cur.max ? 0 : 1;
  return w / scale;
}

/** The category whose share changed most, both shares. */
function topChange(reference: ColumnSummary, current: ColumnSummary): string {
  const share = (s: ColumnSummary, value: string) => s.top?.find((t) => t.value === value)?.share ?? 0;
  let best: string | undefined;
  let gap = -1;
  for (const t of [...(reference.top ?? []), ...(current.top ?? [])]) {
    const g = Math.abs(share(reference, t.value) - share(current, t.value));
    if (g > gap) {
      gap = g;
      best = t.value;
    }
  }
  if (best === undefined) return 'no values';
  return `${JSON.stringify(best)} ${formatPercent(share(reference, best))} → ${formatPercent(share(current, best))}`;
}
