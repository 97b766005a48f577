/**
 * A KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams",
 * 2016), the lazy variant of the authors' reference code. Level h holds items of weight 2^h;
 * a full level is sorted and every other item (from a random offset) moves up. Size stays
 * about 3k items whatever the row count; the rank error is O(1/k) (see KLL_RANK_ERROR), for
 * any values, negative ones included, and two sketches merge into one of the same guarantee.
 */
import { primeLoops } from './prime.js';
import { sortFloat64 } from './sort-f64.js';

/** The default k: about 2.6 KB of items at a million rows, rank error under KLL_RANK_ERROR. */
export const KLL_K = 128;
/**
 * The stated error: |estimated rank - true rank| <= KLL_RANK_ERROR * n at k = KLL_K, for every
 * quantile at once, with 99% confidence: about 3.3/k, the constant Apache DataSketches measures
 * for its KLL sketch (1.65% at k = 200). A stream's sampler adds a standard deviation of at
 * most 0.5/k. A whole column is sampled to at least k^2/2 values (standard deviation at most
 * 0.71/k; by Hoeffding's bound, as for independent draws, a rank is off by more than 1.8% with
 * probability under 1%) and then halved with no random error (under 0.6% of n, see
 * placeSorted): 2.4% in all. The tests hold the sketch to it, on random and on heavily tied
 * inputs.
 */
export const KLL_RANK_ERROR = 0.03;
const C = 2 / 3;
/** The sampler starts at SAMPLE_FROM * k^2 values and doubles its block as n doubles. */
const SAMPLE_FROM = 2;
/** A whole column keeps at least COLUMN_SAMPLE * k^2 values, one of each block of 2^s. */
const COLUMN_SAMPLE = 0.5;

// A whole column's sample is sorted and halved here, then copied out (placeSorted): one buffer
// of at most k^2 + 1 items serves every column instead of a fresh one each.
let scratch = new Float64Array(0);
function scratchFor(length: number): Float64Array {
  if (scratch.length < length) scratch = new Float64Array(length);
  return scratch;
}

// The loops over a whole column are free functions of typed arrays and numbers, with the
// sketch's xorshift32 state passed in and out. Optimised code that reads a sketch's fields
// depends on the sketch's hidden class, which dies with the last sketch (each profile's, at the
// next major GC); that code is then dropped and compiled again on the next profile.
const LOOP = new Int32Array(3);
const SEED = 0;
const POS = 1;
const PICK = 2;

/** xorshift32 on an int32 (the same bits as on the uint32 the sketch keeps). */
function xorshift(x: number): number {
  let y = x ^ (x << 13);
  y ^= y >>> 17;
  return y ^ (y << 5);
}

/** sample[b] = one value at random of block b (blocks of mask + 1); returns the state after. */
function pickBlocks(xs: Float64Array, sample: Float64Array, blocks: number, mask: number, seed: number): number {
  let x = seed | 0;
  for (let b = 0, at = 0; b < blocks; b++, at += mask + 1) {
    x = xorshift(x);
    sample[b] = xs[at + (x & mask)] as number;
  }
  return x;
}

/**
 * One finite value at random of each block of mask + 1 finite values; returns how many, and
 * leaves the state, the position in the last block and its pick in LOOP.
 */
function pickFinite(xs: Float64Array, sample: Float64Array, mask: number, seed: number): number {
  let x = xorshift(seed | 0);
  let pick = x & mask;
  let m = 0;
  let pos = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    if (v - v !== 0) continue;
    if (pos === pick) sample[m++] = v;
    if (pos++ === mask) {
      pos = 0;
      x = xorshift(x);
      pick = x & mask;
    }
  }
  LOOP[SEED] = x;
  LOOP[POS] = pos;
  LOOP[PICK] = pick;
  return m;
}

/** Keeps sorted[from], sorted[from + 2], ... below `length` at the front; returns how many. */
function everyOther(sorted: Float64Array, from: number, length: number): number {
  let at = 0;
  for (let i = from; i < length; i += 2) sorted[at++] = sorted[i] as number;
  return at;
}

primeLoops(() => {
  const xs = Float64Array.of(3, Number.NaN, 1, 2, 5, 4, 0, -1);
  const out = new Float64Array(8);
  pickBlocks(xs, out, 4, 1, 7);
  pickFinite(xs, out, 1, 7);
  everyOther(out, 1, 8);
});

export class KllSketch {
  readonly k: number;
  /** Items by level; level h holds sizes[h] items at weight 2^h. */
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private caps: number[] = [];
  private maxSize = 0;
  private size = 0;
  /** Total weight: the number of values seen. */
  n = 0;
  private seed: number;
  /** The sampler: values go to this level, one per block of 2^sampleLevel. */
  private sampleLevel = 0;
  private blockPos = 0;
  private pick = 0;
  private nextSampleAt: number;
  private readonly one = new Float64Array(1);

  constructor(k = KLL_K, seed = 0x9e3779b9) {
    this.k = k;
    this.seed = seed >>> 0 || 1;
    this.nextSampleAt = SAMPLE_FROM * k * k;
    this.grow();
  }

  /** Items retained (what the sketch costs). */
  get retained(): number {
    return this.size;
  }

  private grow(): void {
    this.levels.push(new Float64Array(0));
    this.sizes.push(0);
    const H = this.levels.length;
    this.caps = [];
    let max = 0;
    for (let h = 0; h < H; h++) {
      const cap = Math.ceil(this.k * C ** (H - h - 1)) + 1;
      this.caps.push(cap);
      max += cap;
    }
    this.maxSize = max;
  }

  private ensure(h: number, length: number): void {
    const level = this.levels[h] as Float64Array;
    if (level.length >= length) return;
    const bigger = new Float64Array(length);
    bigger.set(level.subarray(0, this.sizes[h]));
    this.levels[h] = bigger;
  }

  private random(): number {
    // xorshift32: deterministic for a given input order, so profiles are reproducible.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /**
   * Adds a whole column at once into a fresh sketch (else as a stream), `finite` being how many
   * of its values are finite. It keeps one value at random of each block of 2^s, with s set so
   * that at least k^2/2 values are kept (no sampling below k^2 values; see KLL_RANK_ERROR), then
   * the sample is sorted once and halved as a sorted level is compacted (every other item from
   * a random offset) until it fits: no repeated sorts, and the halving adds a rank error under
   * one item's weight, below 0.6% of n at KLL_K (see placeSorted). A stream that goes on after
   * the column keeps its block.
   */
  updateColumn(xs: Float64Array, finite: number): void {
    if (this.n !== 0 || finite < this.maxSize) {
      this.updateFinite(xs, 0, xs.length);
      return;
    }
    const s = this.startSampler(finite);
    const sample = scratchFor(Math.ceil(finite / 2 ** s));
    let m: number;
    if (finite !== xs.length) m = this.sampleFinite(xs, sample, s);
    else if (s === 0) {
      sample.set(xs);
      m = xs.length;
    } else m = this.sampleBlocks(xs, sample, s);
    this.n = finite;
    this.placeSorted(sortFloat64(sample.subarray(0, m)), s);
  }

  /**
   * One value at random from each block of 2^s (s > 0) of a column with no missing values, read
   * at that position only; returns how many. The last, partial block goes on as the stream's:
   * its pick is kept if it is reached later.
   */
  private sampleBlocks(xs: Float64Array, sample: Float64Array, s: number): number {
    const block = 1 << s;
    const whole = Math.floor(xs.length / block);
    this.seed = pickBlocks(xs, sample, whole, block - 1, this.seed) >>> 0;
    let m = whole;
    this.blockPos = xs.length - whole * block;
    this.pick = this.random() & (block - 1);
    if (this.pick < this.blockPos) sample[m++] = xs[whole * block + this.pick] as number;
    return m;
  }

  /** As sampleBlocks, for a column with missing values: blocks of 2^s finite values. */
  private sampleFinite(xs: Float64Array, sample: Float64Array, s: number): number {
    const m = pickFinite(xs, sample, (1 << s) - 1, this.seed);
    this.seed = (LOOP[SEED] as number) >>> 0;
    this.blockPos = LOOP[POS] as number;
    this.pick = LOOP[PICK] as number;
    return m;
  }

  /**
   * Adds distinct values in ascending order with their counts (what a histogram of a small
   * integer column gives). Exact while the binary digits of the counts fit the budget (value v
   * seen c times sits at each level h where bit h of c is set); otherwise a sorted pick every
   * 2^s ranks, from a random offset, with 2^s as the column sampler sets it (no random error:
   * under one item's weight) and halved as in updateColumn.
   */
  updateCounts(values: ArrayLike<number>, counts: ArrayLike<number>): void {
    if (this.n !== 0) {
      const fresh = new KllSketch(this.k, this.random());
      fresh.updateCounts(values, counts);
      this.merge(fresh);
      return;
    }
    // Counts are below 2^32 (they count an array's values), so their bits read with >>>.
    let total = 0;
    const perLevel: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const c = counts[i] as number;
      total += c;
      for (let h = 0; c >>> h !== 0; h++) if (((c >>> h) & 1) === 1) perLevel[h] = (perLevel[h] ?? 0) + 1;
    }
    if (total === 0) return;
    while (this.levels.length < perLevel.length) this.grow();
    const items = perLevel.reduce((sum, x) => sum + (x ?? 0), 0);
    if (items < this.maxSize) {
      for (let h = 0; h < perLevel.length; h++) {
        const level = new Float64Array((perLevel[h] ?? 0) + 1);
        let at = 0;
        for (let i = 0; i < values.length; i++) {
          if ((((counts[i] as number) >>> h) & 1) === 1) level[at++] = values[i] as number;
        }
        this.levels[h] = level;
        this.sizes[h] = at;
      }
      this.size = items;
      this.n = total;
      this.pick = this.random() & ((1 << this.startSampler(total)) - 1);
      return;
    }
    const s = this.startSampler(total);
    const block = 1 << s;
    const sample = scratchFor(Math.ceil(total / block));
    let m = 0;
    let rank = this.random() & (block - 1);
    let below = 0;
    for (let i = 0; i < values.length; i++) {
      below += counts[i] as number;
      for (; rank < below; rank += block) sample[m++] = values[i] as number;
    }
    this.n = total;
    this.pick = this.random() & (block - 1);
    this.placeSorted(sample.subarray(0, m), s);
  }

  /**
   * Sets the sampler of a fresh sketch about to hold a column of n values: blocks of 2^s with
   * n / 2^s >= COLUMN_SAMPLE * k^2 (none below twice that), and when the block next doubles.
   */
  private startSampler(n: number): number {
    const kept = COLUMN_SAMPLE * this.k * this.k;
    const s = n < 2 * kept ? 0 : Math.floor(Math.log2(n / kept));
    this.sampleLevel = s;
    this.nextSampleAt = 2 * kept * 2 ** s;
    while (this.nextSampleAt <= n) this.nextSampleAt *= 2;
    this.blockPos = 0;
    return s;
  }

  /**
   * Puts sorted items of weight 2^s into an empty sketch, then halves them as compact() would a
   * sorted level (the odd smallest item stays; every other item from a random offset moves up)
   * until the budget holds. On sorted items the halvings together are one pick every 2^j items,
   * so any rank is off by less than one final item's weight (2^(s+j)), with no sort but the one.
   */
  private placeSorted(sorted: Float64Array, s: number): void {
    while (this.levels.length <= s) this.grow();
    let length = sorted.length;
    let h = s;
    this.size = length;
    while (this.size >= this.maxSize) {
      if (h + 1 >= this.levels.length) this.grow();
      const odd = length & 1;
      if (odd === 1) {
        this.levels[h] = Float64Array.of(sorted[0] as number);
        this.sizes[h] = 1;
      }
      const at = everyOther(sorted, odd + (this.random() & 1), length);
      this.size -= length - odd - at;
      length = at;
      h++;
    }
    this.levels[h] = sorted.slice(0, length);
    this.sizes[h] = length;
  }

  /** Adds one value (finite; the caller filters missing values). */
  update(x: number): void {
    this.one[0] = x;
    this.updateFinite(this.one, 0, 1);
  }

  /**
   * Adds the finite values of values[from..to) (the profiler's hot path). Past SAMPLE_FROM * k^2
   * values, a sampler keeps one value at random from each block of 2^s at weight 2^s, with s
   * grown so that its rank error (standard deviation at most sqrt(2^s / n) / 2) stays below
   * 1 / (2k): the bottom of the KLL paper, which spares most sorting at millions of rows.
   */
  updateFinite(values: ArrayLike<number>, from: number, to: number): void {
    let s = this.sampleLevel;
    let block = 1 << s;
    let pos = this.blockPos;
    let pick = this.pick;
    // The sampled level is written without bounds checks: room for the whole budget.
    this.ensure(s, this.maxSize + 1);
    let level = this.levels[s] as Float64Array;
    let at = this.sizes[s] as number;
    let n = this.n;
    for (let i = from; i < to; i++) {
      const x = values[i] as number;
      if (x - x !== 0) continue;
      n++;
      if (pos === pick) {
        level[at++] = x;
        if (++this.size >= this.maxSize) {
          this.makeRoom(s, at);
          level = this.levels[s] as Float64Array;
          at = this.sizes[s] as number;
        }
      }
      if (++pos === block) {
        pos = 0;
        if (n >= this.nextSampleAt) {
          this.sizes[s] = at;
          s = ++this.sampleLevel;
          block = 1 << s;
          this.nextSampleAt *= 2;
          while (this.levels.length <= s) this.grow();
          this.ensure(s, this.maxSize + 1);
          level = this.levels[s] as Float64Array;
          at = this.sizes[s] as number;
        }
        pick = block === 1 ? 0 : this.random() & (block - 1);
      }
    }
    this.sizes[s] = at;
    this.n = n;
    this.blockPos = pos;
    this.pick = pick;
  }

  /** The sampled level s holds `at` items and the budget is spent: compact, and keep room at s. */
  private makeRoom(s: number, at: number): void {
    this.sizes[s] = at;
    this.compress();
    this.ensure(s, this.maxSize + 1);
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      if ((this.sizes[h] as number) < (this.caps[h] as number)) continue;
      if (h + 1 >= this.levels.length) this.grow();
      this.compact(h);
      if (this.size < this.maxSize) return;
    }
  }

  /** Sorts level h and moves every other item up; an odd one out (the smallest) stays. */
  private compact(h: number): void {
    const n = this.sizes[h] as number;
    const level = (this.levels[h] as Float64Array).subarray(0, n);
    level.sort();
    const odd = n & 1;
    // After a merge a level can hold more than the budget: make room before moving items up.
    this.ensure(h + 1, (this.sizes[h + 1] as number) + (n >> 1) + 1);
    const up = this.levels[h + 1] as Float64Array;
    let at = this.sizes[h + 1] as number;
    for (let i = odd + (this.random() & 1); i < n; i += 2) up[at++] = level[i] as number;
    const moved = at - (this.sizes[h + 1] as number);
    this.sizes[h + 1] = at;
    this.sizes[h] = odd;
    this.size -= n - odd - moved;
  }

  /** Adds another sketch's values (same k); the other is unchanged. */
  merge(other: KllSketch): void {
    while (this.levels.length < other.levels.length) this.grow();
    for (let h = 0; h < other.levels.length; h++) {
      const add = other.sizes[h] as number;
      if (add === 0) continue;
      const at = this.sizes[h] as number;
      this.ensure(h, at + add + 1);
      (this.levels[h] as Float64Array).set((other.levels[h] as Float64Array).subarray(0, add), at);
      this.sizes[h] = at + add;
      this.size += add;
    }
    this.n += other.n;
    while (this.size >= this.maxSize) {
      const before = this.size;
      this.compress();
      if (this.size === before) break;
    }
  }

  /** The retained items with their weights, sorted by value: what quantiles and distances read. */
  sorted(): { values: Float64Array; weights: Float64Array } {
    // Each level sorted on its own (natively), then merged: levels are few.
    const levels = this.levels.map((level, h) => level.slice(0, this.sizes[h]).sort());
    const at = new Array<number>(levels.length).fill(0);
    const values = new Float64Array(this.size);
    const weights = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      let best = -1;
      let min = Number.POSITIVE_INFINITY;
      for (let h = 0; h < levels.length; h++) {
        const level = levels[h] as Float64Array;
        const j = at[h] as number;
        if (j < level.length && (best === -1 || (level[j] as number) < min)) {
          best = h;
          min = level[j] as number;
        }
      }
      values[i] = min;
      weights[i] = 2 ** best;
      at[best] = (at[best] as number) + 1;
    }
    return { values, weights };
  }

  /** An independent copy. */
  clone(): KllSketch {
    const { sizes, items } = this.toParts();
    return KllSketch.fromParts(this.k, this.n, sizes, items);
  }

  /** The levels as stored: sizes per level and the items, level after level. */
  toParts(): { sizes: number[]; items: Float64Array } {
    const items = new Float64Array(this.size);
    let at = 0;
    for (let h = 0; h < this.levels.length; h++) {
      items.set((this.levels[h] as Float64Array).subarray(0, this.sizes[h]), at);
      at += this.sizes[h] as number;
    }
    return { sizes: [...this.sizes], items };
  }

  /** A sketch from toParts() output; `n` is the total weight. */
  static fromParts(k: number, n: number, sizes: readonly number[], items: Float64Array): KllSketch {
    const sketch = new KllSketch(k, (n ^ 0x9e3779b9) >>> 0);
    while (sketch.levels.length < sizes.length) sketch.grow();
    let at = 0;
    for (let h = 0; h < sizes.length; h++) {
      const s = sizes[h] as number;
      sketch.ensure(h, s + 1);
      (sketch.levels[h] as Float64Array).set(items.subarray(at, at + s));
      sketch.sizes[h] = s;
      at += s;
    }
    sketch.size = at;
    sketch.n = n;
    return sketch;
  }
}

/** Sorted weighted items, with the cumulative weight up to and including each. */
export interface QuantileView {
  values: Float64Array;
  /** cum[i] = total weight of values[0..i]. */
  cum: Float64Array;
  total: number;
}

// Views of sketches that no longer change (read from a store), computed once.
const views = new WeakMap<KllSketch, { n: number; size: number; view: QuantileView }>();

/** The sketch's sorted view (cached while the sketch is unchanged). */
export function quantileView(sketch: KllSketch): QuantileView {
  const hit = views.get(sketch);
  if (hit !== undefined && hit.n === sketch.n && hit.size === sketch.retained) return hit.view;
  const view = buildView(sketch);
  views.set(sketch, { n: sketch.n, size: sketch.retained, view });
  return view;
}

function buildView(sketch: KllSketch): QuantileView {
  const { values, weights } = sketch.sorted();
  const cum = new Float64Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += weights[i] as number;
    cum[i] = total;
  }
  return { values, cum, total };
}

/** The value at quantile q in [0, 1] (NaN for an empty sketch). */
export function quantileOf(view: QuantileView, q: number): number {
  if (view.values.length === 0) return Number.NaN;
  const want = q * view.total;
  let lo = 0;
  let hi = view.values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((view.cum[mid] as number) < want) lo = mid + 1;
    else hi = mid;
  }
  return view.values[lo] as number;
}

/** The share of values <= x. */
export function cdfOf(view: QuantileView, x: number): number {
  if (view.total === 0) return 0;
  let lo = 0;
  let hi = view.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((view.values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : (view.cum[lo - 1] as number) / view.total;
}
