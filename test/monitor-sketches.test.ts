/** The sketches behind profiles: stated error bounds, and merging equals sketching both inputs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HLL_ERROR, HyperLogLog } from '../src/monitor/hyperloglog.js';
import { cdfOf, KLL_RANK_ERROR, KllSketch, quantileOf, quantileView } from '../src/monitor/kll.js';
import { sortFloat64 } from '../src/monitor/sort-f64.js';
import { SpaceSaving } from '../src/monitor/space-saving.js';

function countBelow(sorted: Float64Array, x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v < x || (orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The largest |estimated rank - true rank| / n over a grid of quantiles. */
function worstRankError(sketch: KllSketch, values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const view = quantileView(sketch);
  let worst = 0;
  for (let q = 0.01; q < 1; q += 0.01) {
    const x = quantileOf(view, q);
    // With ties, x's true rank is any share from (values < x) to (values <= x).
    const below = countBelow(sorted, x, false) / sorted.length;
    const upTo = countBelow(sorted, x, true) / sorted.length;
    const off = q < below ? below - q : q > upTo ? q - upTo : 0;
    worst = Math.max(worst, off, Math.abs(cdfOf(view, x) - upTo));
  }
  return worst;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('KLL quantile sketch', () => {
  it('keeps every quantile within the stated rank error at a million values, negatives included', () => {
    const rnd = lcg(7);
    const values = Float64Array.from({ length: 1_000_000 }, () => (rnd() - 0.7) * 1000 * rnd());
    const sketch = new KllSketch();
    sketch.updateFinite(values, 0, values.length);
    expect(sketch.n).toBe(values.length);
    expect(worstRankError(sketch, values)).toBeLessThanOrEqual(KLL_RANK_ERROR);
    // Size does not grow with the row count.
    expect(sketch.retained * 8).toBeLessThan(4096);
  });

  it('keeps the bound when a whole column arrives at once, with and without missing values', () => {
    const rnd = lcg(11);
    for (const size of [40_000, 300_000, 1_000_000]) {
      const values = Float64Array.from({ length: size }, () => Math.exp(3 * rnd()) - 5 * rnd());
      const holed = values.map((x, i) => (i % 97 === 0 ? Number.NaN : x));
      const finite = holed.filter((x) => !Number.isNaN(x));
      for (const [column, kept] of [
        [values, values],
        [holed, finite],
      ] as const) {
        const sketch = new KllSketch();
        sketch.updateColumn(column, kept.length);
        expect(sketch.n).toBe(kept.length);
        expect(worstRankError(sketch, kept)).toBeLessThanOrEqual(KLL_RANK_ERROR);
        expect(sketch.retained * 8).toBeLessThan(4096);
        // It goes on as a stream, and merges, within the same bound.
        const more = Float64Array.from({ length: 50_000 }, () => 10 * rnd());
        sketch.updateFinite(more, 0, more.length);
        const other = new KllSketch();
        other.updateColumn(more, more.length);
        sketch.merge(other);
        expect(sketch.n).toBe(kept.length + 2 * more.length);
        expect(worstRankError(sketch, [...kept, ...more, ...more])).toBeLessThanOrEqual(KLL_RANK_ERROR);
      }
    }
  });

  it('sorts a whole column once: within one retained item of weight, deterministically, below the sampler', () => {
    const rnd = lcg(5);
    for (const size of [1_000, 10_000, 16_000]) {
      const values = Float64Array.from({ length: size }, () => Math.exp(4 * rnd()) * (rnd() < 0.3 ? -1 : 1));
      const sketch = new KllSketch();
      sketch.updateColumn(values, size);
      const { sizes } = sketch.toParts();
      const heaviest = 2 ** (sizes.length - 1);
      expect(sketch.n).toBe(size);
      expect(worstRankError(sketch, values)).toBeLessThan(heaviest / size);
      // The column is not reordered by the sort.
      expect(values[0]).not.toBe(Math.min(...values));
    }
  });

  it('samples a column as it did at 4bd9843: the same items, with and without missing values', () => {
    // Checksums of the retained items from the sampler of 4bd9843 (methods on the sketch), so
    // the free-function loops that replaced it change no stored profile.
    const fnv = (xs: Float64Array) => {
      let h = 2166136261;
      for (const b of new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength)) h = Math.imul(h ^ b, 16777619);
      return (h >>> 0).toString(16);
    };
    const seen: string[] = [];
    for (const size of [20_000, 70_001, 300_000]) {
      const rnd = lcg(size);
      const values = Float64Array.from({ length: size }, () => Math.exp(3 * rnd()) - 5 * rnd());
      const holed = values.map((x, i) =>
        i % 97 === 0 ? Number.NaN : i % 101 === 0 ? -0 : i % 89 === 0 ? Number.POSITIVE_INFINITY : x,
      );
      for (const column of [values, holed]) {
        const sketch = new KllSketch();
        sketch.updateColumn(column, column.filter(Number.isFinite).length);
        const { sizes, items } = sketch.toParts();
        // Going on as a stream reads the partial last block's state.
        sketch.updateFinite(values, 0, 5000);
        seen.push(`${size} ${sizes.join(',')} ${fnv(items)} ${fnv(sketch.toParts().items)}`);
      }
    }
    expect(seen).toEqual([
      '20000 0,0,0,0,0,1,312 cf03fa04 962e0ed8',
      '20000 0,0,1,0,1,1,305 243b0635 eed94204',
      '70001 0,0,0,0,1,1,1,0,273 cd009a7d 71883ddf',
      '70001 0,0,0,1,1,0,0,1,267 7df04da4 ebaaff07',
      '300000 0,0,0,0,0,1,1,1,1,1,292 52826ad1 f440b27c',
      '300000 0,0,0,0,0,0,0,0,1,1,286 795ae6eb 307d57cf',
    ]);
  });

  it('holds a small-integer histogram exactly, and picks every 2^s ranks when its digits do not fit', () => {
    const exact = new KllSketch();
    exact.updateCounts([-2, 0, 7], [3, 100_000, 12_345]);
    const view = quantileView(exact);
    expect(view.total).toBe(112_348);
    expect(cdfOf(view, -2)).toBe(3 / 112_348);
    expect(cdfOf(view, 0)).toBe(100_003 / 112_348);
    const many = Array.from({ length: 3000 }, (_, i) => i);
    const counts = many.map((i) => 1 + ((i * 7919) % 613));
    const wide = new KllSketch();
    wide.updateCounts(many, counts);
    const all = Float64Array.from(many.flatMap((v, i) => Array<number>(counts[i] as number).fill(v)));
    expect(wide.n).toBe(all.length);
    expect(worstRankError(wide, all)).toBeLessThanOrEqual(KLL_RANK_ERROR);
    expect(wide.retained * 8).toBeLessThan(4096);
  });

  it('is exact while it holds every value', () => {
    const sketch = new KllSketch();
    for (const x of [5, -1, 3, 3, 0]) sketch.update(x);
    const view = quantileView(sketch);
    expect(Array.from(view.values)).toEqual([-1, 0, 3, 3, 5]);
    expect(quantileOf(view, 0.5)).toBe(3);
    expect(cdfOf(view, 0)).toBeCloseTo(0.4, 12);
  });

  it('skips NaN and infinities', () => {
    const sketch = new KllSketch();
    sketch.updateFinite([1, Number.NaN, Number.POSITIVE_INFINITY, 2], 0, 4);
    expect(sketch.n).toBe(2);
  });

  it('merged, stays within the bound of the concatenation (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 40 }),
        (a, b, repeat) => {
          const big = (xs: number[]) =>
            Float64Array.from({ length: xs.length * repeat }, (_, i) => xs[i % xs.length] as number);
          const av = big(a);
          const bv = big(b);
          const sa = new KllSketch();
          sa.updateFinite(av, 0, av.length);
          const sb = new KllSketch();
          sb.updateFinite(bv, 0, bv.length);
          sa.merge(sb);
          const both = new Float64Array([...av, ...bv]);
          expect(sa.n).toBe(both.length);
          expect(worstRankError(sa, both)).toBeLessThanOrEqual(KLL_RANK_ERROR);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('survives its stored parts unchanged', () => {
    const sketch = new KllSketch();
    sketch.updateFinite(
      Float64Array.from({ length: 50_000 }, (_, i) => Math.sin(i)),
      0,
      50_000,
    );
    const { sizes, items } = sketch.toParts();
    const again = KllSketch.fromParts(sketch.k, sketch.n, sizes, items);
    expect(quantileView(again)).toEqual(quantileView(sketch));
  });
});

describe('sorting a column sample', () => {
  it('orders doubles as the native sort does: negatives, zeros, ties and infinities (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ noNaN: true }),
            fc.integer({ min: -3, max: 3 }),
            // Values that share their high word: long runs (near 1e9) and short ones (near -1).
            fc.integer({ min: 0, max: 5000 }).map((i) => 1e9 + i / 1000),
            fc.integer({ min: 0, max: 40 }).map((i) => -1 - i * 2 ** -40),
          ),
          {
            minLength: 512,
            maxLength: 4000,
          },
        ),
        (xs) => {
          const expected = Float64Array.from(xs).sort();
          const sorted = sortFloat64(Float64Array.from(xs));
          expect(Array.from(sorted, (x) => Object.is(x, -0))).toEqual(Array.from(expected, (x) => Object.is(x, -0)));
          expect(sorted).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('space-saving heavy hitters', () => {
  it('bounds every count from both sides and keeps every value above n / capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 4000 }), (xs) => {
        const ss = new SpaceSaving(16);
        const truth = new Map<string, number>();
        for (const x of xs) {
          // Skewed: small numbers are frequent.
          const v = String(Math.floor(Math.sqrt(x)));
          ss.add(v);
          truth.set(v, (truth.get(v) ?? 0) + 1);
        }
        for (const h of ss.top()) {
          const t = truth.get(h.value) ?? 0;
          expect(h.count).toBeGreaterThanOrEqual(t);
          expect(h.count - h.error).toBeLessThanOrEqual(t);
        }
        const kept = new Set(ss.top().map((h) => h.value));
        for (const [v, t] of truth) if (t > xs.length / 16) expect(kept.has(v)).toBe(true);
      }),
    );
  });

  it('merges into bounds that hold for the union', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 2000 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 2000 }),
        (a, b) => {
          const truth = new Map<string, number>();
          const sketch = (xs: number[]) => {
            const ss = new SpaceSaving(12);
            for (const x of xs) {
              const v = String(x % 7 === 0 ? 0 : x);
              ss.add(v);
              truth.set(v, (truth.get(v) ?? 0) + 1);
            }
            return ss;
          };
          const merged = SpaceSaving.merge(sketch(a), sketch(b));
          expect(merged.n).toBe(a.length + b.length);
          for (const h of merged.top()) {
            const t = truth.get(h.value) ?? 0;
            expect(h.count).toBeGreaterThanOrEqual(t);
            expect(h.count - h.error).toBeLessThanOrEqual(t);
          }
        },
      ),
    );
  });

  it('is exact below its capacity', () => {
    const ss = new SpaceSaving(4);
    for (const v of ['a', 'b', 'a', 'c', 'a', 'b']) ss.add(v);
    expect(ss.top()).toEqual([
      { value: 'a', count: 3, error: 0 },
      { value: 'b', count: 2, error: 0 },
      { value: 'c', count: 1, error: 0 },
    ]);
  });
});

describe('HyperLogLog', () => {
  it('estimates distinct counts within three standard errors', () => {
    for (const n of [10, 1000, 200_000]) {
      const hll = new HyperLogLog();
      for (let i = 0; i < n; i++) {
        hll.add(`v${i}`);
        hll.add(`v${i}`);
      }
      expect(Math.abs(hll.estimate() - n) / n).toBeLessThanOrEqual(3 * HLL_ERROR);
    }
  });

  it('merged, equals the sketch of both inputs exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.array(fc.string()), (a, b) => {
        const ha = new HyperLogLog();
        const hb = new HyperLogLog();
        const both = new HyperLogLog();
        for (const v of a) {
          ha.add(v);
          both.add(v);
        }
        for (const v of b) {
          hb.add(v);
          both.add(v);
        }
        ha.merge(hb);
        expect(ha.registers).toEqual(both.registers);
      }),
    );
  });
});
