import { primeLoops } from './prime.js';

/**
 * Count, missing, min, max, zero and negative counts and the shifted sums of a numeric column:
 * one pass, the loops alone in their functions so the engine optimises each whole.
 */
export interface Moments {
  count: number;
  missing: number;
  min: number;
  max: number;
  zeros: number;
  negatives: number;
  /** The first finite value: sums are of x - shift, so values far from zero do not cancel. */
  shift: number;
  s1: number;
  s2: number;
}

/**
 * The column's moments. Most columns have no missing value: they take a loop with no test for
 * one, two values a round, that gives up (at the next chunk end) when a sum stops being finite,
 * and then the checked loop starts over. Both add in the same order, so the results are equal.
 */
export function moments(xs: Float64Array): Moments {
  const shift = xs.length === 0 ? 0 : (xs[0] as number);
  if (!allFinite(xs, shift)) return checkedMoments(xs);
  return {
    count: xs.length,
    missing: 0,
    min: FAST[MIN] as number,
    max: FAST[MAX] as number,
    zeros: FAST[ZEROS] as number,
    negatives: FAST[NEGATIVES] as number,
    shift,
    s1: FAST[S1] as number,
    s2: FAST[S2] as number,
  };
}

/** The checked loop: NaN and ±Infinity count as missing. */
export function checkedMoments(xs: Float64Array): Moments {
  const n = xs.length;
  let i = 0;
  while (i < n && (xs[i] as number) - (xs[i] as number) !== 0) i++;
  const shift = i < n ? (xs[i] as number) : 0;
  let missing = i;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let zeros = 0;
  let negatives = 0;
  let s1 = 0;
  let s2 = 0;
  for (; i < n; i++) {
    const x = xs[i] as number;
    if (x - x !== 0) {
      missing++;
      continue;
    }
    const d = x - shift;
    s1 += d;
    s2 += d * d;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x <= 0) {
      if (x === 0) zeros++;
      else negatives++;
    }
  }
  return { count: n - missing, missing, min, max, zeros, negatives, shift, s1, s2 };
}

const FAST = new Float64Array(6);
const MIN = 0;
const MAX = 1;
const ZEROS = 2;
const NEGATIVES = 3;
const S1 = 4;
const S2 = 5;
/** Values between checks that the sums are still finite: what a column with a NaN wastes. */
const CHUNK = 4096;

/**
 * The unchecked loop: a NaN or an infinity makes a sum NaN or infinite, which the check after
 * each chunk sees (false: start over checked). On true its results are in FAST.
 */
function allFinite(xs: Float64Array, shift: number): boolean {
  const n = xs.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let zeros = 0;
  let negatives = 0;
  let s1 = 0;
  let s2 = 0;
  let i = 0;
  while (i < n) {
    const end = Math.min(i + CHUNK, n);
    for (; i + 1 < end; i += 2) {
      const x = xs[i] as number;
      const y = xs[i + 1] as number;
      const d = x - shift;
      const e = y - shift;
      // (s1 + d) + e: the order the checked loop adds in.
      s1 = s1 + d + e;
      s2 = s2 + d * d + e * e;
      if (x < min) min = x;
      if (x > max) max = x;
      if (y < min) min = y;
      if (y > max) max = y;
      if (x <= 0) {
        if (x === 0) zeros++;
        else negatives++;
      }
      if (y <= 0) {
        if (y === 0) zeros++;
        else negatives++;
      }
    }
    if (i < end) {
      const x = xs[i++] as number;
      const d = x - shift;
      s1 += d;
      s2 += d * d;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x <= 0) {
        if (x === 0) zeros++;
        else negatives++;
      }
    }
    if (s1 - s1 !== 0 || s2 - s2 !== 0) return false;
  }
  FAST[MIN] = min;
  FAST[MAX] = max;
  FAST[ZEROS] = zeros;
  FAST[NEGATIVES] = negatives;
  FAST[S1] = s1;
  FAST[S2] = s2;
  return true;
}

primeLoops(() => {
  moments(Float64Array.of(1, Number.NaN, -2, 0));
  moments(Float64Array.of(1, -2, 0, 3, 5));
});
