/**
 * Sorts finite doubles ascending, in place. The quantile sketch sorts one sample per profiled
 * column, and this is several times faster than TypedArray.prototype.sort there: a radix sort
 * (three passes of 11, 11 and 10 bits, a pass skipped when every value shares its digit) on the
 * high word of each double (sign, exponent, 20 bits of mantissa), then runs that share a high
 * word, rare unless values repeat, ordered by value.
 */

import { primeLoops } from './prime.js';

// The bit trick reads a double as two u32 words, low word first: true on every engine in use.
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
/** Below this, the native sort wins (the radix passes have fixed costs). */
const RADIX_FROM = 512;
const BINS = 2048;
/** Runs of equal high words up to this length are ordered by insertion, longer ones natively. */
const INSERTION_MAX = 32;
/** The other half of the passes, kept for the next sort: a column sample is at most k^2 + 1 items. */
let scratch = new Float64Array(0);

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_FROM || !LITTLE_ENDIAN) return values.sort();
  if (scratch.length < n) scratch = new Float64Array(n);
  const counts = new Int32Array(3 * BINS);
  countDigits(new Uint32Array(values.buffer, values.byteOffset, 2 * n), counts);
  let from: Float64Array = values;
  let to: Float64Array = scratch.subarray(0, n);
  for (let pass = 0; pass < 3; pass++) {
    if (!scatter(from, to, counts, pass)) continue;
    [from, to] = [to, from];
  }
  if (from !== values) values.set(from);
  orderRuns(values, new Uint32Array(values.buffer, values.byteOffset, 2 * n));
  return values;
}

// Each loop sits in its own function, so the engine optimises each whole from the first call.

/**
 * The high word as a key that orders as an unsigned integer like the doubles do: negatives
 * flipped whole, the sign bit set on the rest.
 */
const key = (h: number): number => (h ^ ((h >> 31) | 0x80000000)) >>> 0;

/** How many values have each digit, for the three passes. */
function countDigits(words: Uint32Array, counts: Int32Array): void {
  for (let i = 1; i < words.length; i += 2) {
    const k = key(words[i] as number);
    counts[k & 2047] = (counts[k & 2047] as number) + 1;
    counts[BINS + ((k >>> 11) & 2047)] = (counts[BINS + ((k >>> 11) & 2047)] as number) + 1;
    counts[2 * BINS + (k >>> 22)] = (counts[2 * BINS + (k >>> 22)] as number) + 1;
  }
}

/** One stable pass on digit `pass` of the keys, from `from` into `to`; false when every value shares it. */
function scatter(from: Float64Array, to: Float64Array, counts: Int32Array, pass: number): boolean {
  const n = from.length;
  const words = new Uint32Array(from.buffer, from.byteOffset, 2 * n);
  const base = pass * BINS;
  const shift = 11 * pass;
  const mask = pass === 2 ? 1023 : 2047;
  if (counts[base + ((key(words[1] as number) >>> shift) & mask)] === n) return false;
  let sum = 0;
  for (let b = 0; b <= mask; b++) {
    const c = counts[base + b] as number;
    counts[base + b] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const bin = base + ((key(words[2 * i + 1] as number) >>> shift) & mask);
    const at = counts[bin] as number;
    counts[bin] = at + 1;
    to[at] = from[i] as number;
  }
  return true;
}

/** Orders each run of values sharing a high word (runs of one value are left as they are). */
function orderRuns(values: Float64Array, words: Uint32Array): void {
  const n = values.length;
  let start = 0;
  while (start < n) {
    const h = words[2 * start + 1] as number;
    const l = words[2 * start] as number;
    let end = start + 1;
    let mixed = false;
    for (; end < n && words[2 * end + 1] === h; end++) if (words[2 * end] !== l) mixed = true;
    if (mixed) {
      if (end - start > INSERTION_MAX) values.subarray(start, end).sort();
      else insertionSort(values, start, end);
    }
    start = end;
  }
}

function insertionSort(values: Float64Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const x = values[i] as number;
    let j = i - 1;
    while (j >= from && (values[j] as number) > x) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = x;
  }
}

// The radix path from 512 values: its loops on a few tiny runs (ordered as the sort would).
const primeCounts = new Int32Array(3 * BINS);
primeLoops(() => {
  const xs = Float64Array.of(2, -1, 2.5, 0, -0, 2 + 2 ** -40, 2, 1e9);
  const counts = primeCounts.fill(0);
  countDigits(new Uint32Array(xs.buffer), counts);
  for (let pass = 0; pass < 3; pass++) scatter(xs, new Float64Array(xs.length), counts, pass);
  orderRuns(xs.sort(), new Uint32Array(xs.buffer));
});
