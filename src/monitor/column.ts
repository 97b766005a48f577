import { invalid, PipetraceError } from '../errors.js';
import { describe } from '../validate.js';
import { HyperLogLog } from './hyperloglog.js';
import { KllSketch } from './kll.js';
import { moments } from './moments.js';
import { primeLoops } from './prime.js';
import { SpaceSaving } from './space-saving.js';

/** A column's type: numbers, strings or booleans; `empty` when every value is missing. */
export type ColumnType = 'number' | 'string' | 'boolean' | 'empty';

/** A summary of a numeric column; its size does not grow with the row count. */
export interface NumericColumn {
  type: 'number';
  /** Values present (not null, undefined, NaN or ±Infinity). */
  count: number;
  missing: number;
  min: number;
  max: number;
  mean: number;
  /** Sum of squared deviations from the mean (variance = m2 / (count - 1)). */
  m2: number;
  zeros: number;
  negatives: number;
  sketch: KllSketch;
}

/** A summary of a string or boolean column: heavy hitters and a distinct-count estimate. */
export interface CategoricalColumn {
  type: 'string' | 'boolean';
  count: number;
  missing: number;
  top: SpaceSaving;
  distinct: HyperLogLog;
}

export interface EmptyColumn {
  type: 'empty';
  count: 0;
  missing: number;
}

export type ColumnProfile = NumericColumn | CategoricalColumn | EmptyColumn;

/** Category values longer than this are kept cut to it (their distinct count uses the whole value). */
export const MAX_CATEGORY_LENGTH = 256;

function isNumericView(values: unknown): values is ArrayLike<number> {
  return ArrayBuffer.isView(values) && !(values instanceof DataView) && !isBigView(values);
}

function isBigView(values: unknown): boolean {
  return (
    (typeof BigInt64Array !== 'undefined' && values instanceof BigInt64Array) ||
    (typeof BigUint64Array !== 'undefined' && values instanceof BigUint64Array)
  );
}

/** Profiles one column of values; throws invalid_input naming `field` on a value of no column type. */
export function profileColumn(field: string, values: ArrayLike<unknown>): ColumnProfile {
  if (isNumericView(values)) {
    if (values instanceof Float64Array) return summarise(values, 0);
    return smallIntRange(values) ? summariseCounts(values) : summarise(Float64Array.from(values), 0);
  }
  if (isBigView(values)) throw invalid(field, 'bigint columns are not profiled; convert them to numbers');
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    // The first value present decides the type; the summary checks the rest.
    if (typeof v === 'number') return numeric(values, n, i, field);
    if (typeof v === 'string' || typeof v === 'boolean') return categorical(typeof v as 'string', values, n, i, field);
    throw invalid(`${field}[${i}]`, `must be a number, string, boolean or null, got ${describe(v)}`);
  }
  return { type: 'empty', count: 0, missing: n };
}

function mixed(field: string, first: string, from: number, v: unknown, i: number): PipetraceError {
  const t = typeof v;
  return t === 'number' || t === 'string' || t === 'boolean'
    ? new PipetraceError(
        'invalid_input',
        `${field}: mixed types, ${first} at [${from}] and ${t} at [${i}]; profile one type per column`,
        { field: `${field}[${i}]` },
      )
    : invalid(`${field}[${i}]`, `must be a number, string, boolean or null, got ${describe(v)}`);
}

/** A numeric column from an array: its numbers into a Float64Array, null/undefined counted missing. */
function numeric(values: ArrayLike<unknown>, n: number, from: number, field: string): NumericColumn {
  const xs = new Float64Array(n - from);
  let at = 0;
  for (let i = from; i < n; i++) {
    const x = values[i];
    if (typeof x === 'number') xs[at++] = x;
    else if (x !== null && x !== undefined) throw mixed(field, 'number', from, x, i);
  }
  return summarise(at === xs.length ? xs : xs.subarray(0, at), n - at);
}

/**
 * Moments and the quantile sketch of the values in a Float64Array (every numeric column is
 * read through one, so this loop sees one element kind and stays fast); NaN and ±Infinity count
 * as missing, on top of `missing` already counted.
 */
function summarise(xs: Float64Array, missingBefore: number): NumericColumn {
  const m = moments(xs);
  const { count, zeros, negatives } = m;
  const sketch = new KllSketch();
  sketch.updateColumn(xs, count);
  if (count === 0) {
    return {
      type: 'number',
      count,
      missing: missingBefore + m.missing,
      min: 0,
      max: 0,
      mean: 0,
      m2: 0,
      zeros,
      negatives,
      sketch,
    };
  }
  const mean = m.shift + m.s1 / count;
  const m2 = Math.max(0, m.s2 - (m.s1 * m.s1) / count);
  return {
    type: 'number',
    count,
    missing: missingBefore + m.missing,
    min: m.min,
    max: m.max,
    mean,
    m2,
    zeros,
    negatives,
    sketch,
  };
}

/** 8- and 16-bit integer columns (16-bit ones long enough to fill their histogram), profiled by counts. */
function smallIntRange(values: ArrayLike<number>): boolean {
  if (values instanceof Uint8Array || values instanceof Int8Array || values instanceof Uint8ClampedArray) return true;
  return (values instanceof Uint16Array || values instanceof Int16Array) && values.length >= SHORT_HISTOGRAM_FROM;
}
const SHORT_HISTOGRAM_FROM = 1 << 14;

/**
 * A small-integer column summarised from its histogram: one counting pass, exact moments, and a
 * quantile sketch that is exact when the distinct values are few (hours, passenger counts).
 */
function summariseCounts(values: ArrayLike<number>): NumericColumn {
  const signed = values instanceof Int8Array || values instanceof Int16Array;
  const range = (values as Uint8Array).BYTES_PER_ELEMENT === 1 ? 256 : 65536;
  const offset = signed ? range / 2 : 0;
  const bins = histogram(values, offset, range);
  let distinct = 0;
  let sum = 0;
  for (let b = 0; b < range; b++) {
    const c = bins[b] as number;
    if (c === 0) continue;
    distinct++;
    sum += c * (b - offset);
  }
  const count = values.length;
  const present = new Float64Array(distinct);
  const counts = new Int32Array(distinct);
  const mean = count === 0 ? 0 : sum / count;
  let m2 = 0;
  let negatives = 0;
  for (let b = 0, j = 0; b < range; b++) {
    const c = bins[b] as number;
    if (c === 0) continue;
    const x = b - offset;
    present[j] = x;
    counts[j++] = c;
    m2 += c * (x - mean) * (x - mean);
    if (x < 0) negatives += c;
  }
  const sketch = new KllSketch();
  sketch.updateCounts(present, counts);
  return {
    type: 'number',
    count,
    missing: 0,
    min: distinct === 0 ? 0 : (present[0] as number),
    max: distinct === 0 ? 0 : (present[distinct - 1] as number),
    mean,
    m2,
    zeros: bins[offset] as number,
    negatives,
    sketch,
  };
}

/**
 * Counts of each value (plus offset): the loop alone in its function, as in moments(). Four
 * interleaved tables, summed at the end, so runs of one value do not wait on one counter.
 */
function histogram(values: ArrayLike<number>, offset: number, range: number): Int32Array {
  const bins = new Int32Array(4 * range);
  const n = values.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = (values[i] as number) + offset;
    const b = range + (values[i + 1] as number) + offset;
    const c = 2 * range + (values[i + 2] as number) + offset;
    const d = 3 * range + (values[i + 3] as number) + offset;
    bins[a] = (bins[a] as number) + 1;
    bins[b] = (bins[b] as number) + 1;
    bins[c] = (bins[c] as number) + 1;
    bins[d] = (bins[d] as number) + 1;
  }
  for (; i < n; i++) {
    const a = (values[i] as number) + offset;
    bins[a] = (bins[a] as number) + 1;
  }
  for (let v = 0; v < range; v++) {
    bins[v] =
      (bins[v] as number) +
      (bins[range + v] as number) +
      (bins[2 * range + v] as number) +
      (bins[3 * range + v] as number);
  }
  return bins.subarray(0, range);
}

function categorical(
  type: 'string' | 'boolean',
  values: ArrayLike<unknown>,
  n: number,
  from: number,
  field: string,
): CategoricalColumn {
  const top = new SpaceSaving();
  const distinct = new HyperLogLog();
  let missing = from;
  for (let i = from; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      missing++;
      continue;
    }
    if (typeof v !== type) throw mixed(field, type, from, v, i);
    const s = type === 'boolean' ? String(v) : (v as string);
    distinct.add(s);
    top.add(s.length > MAX_CATEGORY_LENGTH ? s.slice(0, MAX_CATEGORY_LENGTH) : s);
  }
  return { type, count: n - missing, missing, top, distinct };
}

/**
 * One column's summary for both inputs. Types must agree (or one side be empty): a column whose
 * type changes is refused here, and reported by drift between runs.
 */
export function mergeColumns(field: string, a: ColumnProfile, b: ColumnProfile): ColumnProfile {
  if (a.type === 'empty') return withMissing(b, a.missing);
  if (b.type === 'empty') return withMissing(a, b.missing);
  if (a.type !== b.type) {
    throw new PipetraceError('invalid_input', `${field}: mixed types, ${a.type} and then ${b.type}`, { field });
  }
  if (a.type === 'number' && b.type === 'number') {
    const count = a.count + b.count;
    const delta = b.mean - a.mean;
    const sketch = a.sketch.clone();
    sketch.merge(b.sketch);
    if (a.count === 0) return { ...b, missing: a.missing + b.missing, sketch };
    if (b.count === 0) return { ...a, missing: a.missing + b.missing, sketch };
    return {
      type: 'number',
      count,
      missing: a.missing + b.missing,
      min: Math.min(a.min, b.min),
      max: Math.max(a.max, b.max),
      // Chan et al.'s pairwise update: exact up to rounding, in any merge order.
      mean: a.mean + (delta * b.count) / count,
      m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
      zeros: a.zeros + b.zeros,
      negatives: a.negatives + b.negatives,
      sketch,
    };
  }
  const ca = a as CategoricalColumn;
  const cb = b as CategoricalColumn;
  const distinct = new HyperLogLog(ca.distinct.p, ca.distinct.registers.slice());
  distinct.merge(cb.distinct);
  return {
    type: ca.type,
    count: ca.count + cb.count,
    missing: ca.missing + cb.missing,
    top: SpaceSaving.merge(ca.top, cb.top),
    distinct,
  };
}

function withMissing(c: ColumnProfile, missing: number): ColumnProfile {
  if (c.type === 'number') {
    return { ...c, missing: c.missing + missing, sketch: c.sketch.clone() };
  }
  if (c.type === 'empty') return { ...c, missing: c.missing + missing };
  return {
    ...c,
    missing: c.missing + missing,
    top: SpaceSaving.merge(c.top, new SpaceSaving(c.top.capacity)),
    distinct: new HyperLogLog(c.distinct.p, c.distinct.registers.slice()),
  };
}

primeLoops(() => {
  summariseCounts(Uint8Array.of(1, 2, 2, 0, 7));
  // Signed, and 8-bit: a 16-bit table would be 1 MB a round.
  summariseCounts(Int8Array.of(-1, 2, 2, 0, 7));
});
