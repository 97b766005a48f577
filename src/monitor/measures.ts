/**
 * Distances between two distributions, as effect sizes (how far apart), never as a test of
 * whether they differ at all: at millions of rows every difference is "significant".
 */
import { cdfOf, type QuantileView, quantileOf } from './kll.js';

/**
 * The Wasserstein-1 (earth mover's) distance between two weighted samples: the area between
 * their distribution functions, exact for the sketches' items.
 */
export function wasserstein(a: QuantileView, b: QuantileView): number {
  if (a.total === 0 || b.total === 0) return 0;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let x = Math.min(a.values[0] as number, b.values[0] as number);
  let area = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? (a.values[i] as number) : Number.POSITIVE_INFINITY;
    const vb = j < b.values.length ? (b.values[j] as number) : Number.POSITIVE_INFINITY;
    const next = Math.min(va, vb);
    area += Math.abs(fa - fb) * (next - x);
    x = next;
    while (i < a.values.length && (a.values[i] as number) === next) fa = (a.cum[i++] as number) / a.total;
    while (j < b.values.length && (b.values[j] as number) === next) fb = (b.cum[j++] as number) / b.total;
  }
  return area;
}

/** The Kolmogorov–Smirnov statistic: the largest gap between the distribution functions. */
export function ksStatistic(a: QuantileView, b: QuantileView): number {
  let d = 0;
  for (const view of [a, b]) for (const x of view.values) d = Math.max(d, Math.abs(cdfOf(a, x) - cdfOf(b, x)));
  return d;
}

/** The asymptotic two-sample KS p-value for statistic d and sample sizes n, m. */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const en = Math.sqrt((n * m) / (n + m));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

// Empty bins would make PSI infinite: shares are floored at this.
const PSI_FLOOR = 1e-4;

/** The population stability index of two share vectors (same bins). */
export function psi(reference: readonly number[], current: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(reference[i] as number, PSI_FLOOR);
    const c = Math.max(current[i] as number, PSI_FLOOR);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/** Numeric PSI over ten bins cut at the reference's deciles. */
export function numericPsi(reference: QuantileView, current: QuantileView): number {
  const cuts: number[] = [];
  for (let d = 1; d < 10; d++) {
    const cut = quantileOf(reference, d / 10);
    if (cuts.length === 0 || cut > (cuts[cuts.length - 1] as number)) cuts.push(cut);
  }
  const shares = (view: QuantileView) => {
    const out: number[] = [];
    let prev = 0;
    for (const cut of cuts) {
      const f = cdfOf(view, cut);
      out.push(f - prev);
      prev = f;
    }
    out.push(1 - prev);
    return out;
  };
  return psi(shares(reference), shares(current));
}

/** The Jensen–Shannon distance (base 2, so in [0, 1]) of two share vectors over the same categories. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  let div = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] as number;
    const b = q[i] as number;
    const m = (a + b) / 2;
    if (a > 0) div += 0.5 * a * Math.log2(a / m);
    if (b > 0) div += 0.5 * b * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, div));
}

/** Cohen's h: the effect size of a change between two proportions. */
export function cohenH(p1: number, p2: number): number {
  return Math.abs(2 * Math.asin(Math.sqrt(p2)) - 2 * Math.asin(Math.sqrt(p1)));
}
