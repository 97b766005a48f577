/**
 * A store for the monitoring view's tests and benchmark: four steps over three days with a
 * planted shift on the last day. Browser-safe.
 */
import type { Pipetrace } from '../../src/pipetrace.js';

/** A deterministic normal sample (Box–Muller over an LCG). */
function normal(n: number, mean: number, sd: number, seed: number): number[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/**
 * ingest -> clean -> features -> train, one run a day for three days. On the last day cleaning
 * writes distances in miles as if km (×1.6) and card payments double: clean and features drift,
 * ingest does not. Components are created in reverse, so no other order matches pipeline order.
 * Two tasks: `fares` (numbers, feedback a day late) and `surge` (classes). Returns each step's
 * newest run id.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function plantedShift(p: Pipetrace): Promise<Record<string, string>> {
  const newest: Record<string, string> = {};
  for (const c of ['train', 'features', 'clean', 'ingest']) await p.component(c);
  const n = 4000;
  for (let d = 0; d < 3; d++) {
    const t = Date.UTC(2026, 2, 1 + d, 2);
    const bug = d === 2;
    const km = normal(n, 5, 1.5, 10 + d);
    const pay = (cardShare: number) =>
      km.map((_, i) => ((i * 7) % 10 < cardShare ? 'card' : i % 2 === 0 ? 'cash' : 'app'));
    const step = async (component: string, at: number, inputs: string[], output: string, cols: object) => {
      const run = p.startRun(component, { startedAt: t + at, inputs }).profile(output, cols as never);
      newest[component] = (await run.end({ endedAt: t + at + 1000 })).id;
    };
    await step('ingest', 0, [], 'raw/rides.csv', { distance: km, payment: pay(3) });
    await step('clean', 60_000, ['raw/rides.csv'], 'clean/rides.parquet', {
      distance_km: bug ? km.map((x) => x * 1.6) : km,
      payment: pay(bug ? 6 : 3),
    });
    await step('features', 120_000, ['clean/rides.parquet'], 'features/rides.parquet', {
      log_km: km.map((x) => Math.log1p(Math.abs(bug ? x * 1.6 : x))),
    });
    await step('train', 180_000, ['features/rides.parquet'], 'models/fare.pkl', { loss: normal(n, 1, 0.1, 70 + d) });
    // Ten fares predicted a day, the true ones arriving the next morning: off by 1 (4 after the
    // bug); day 2's never arrive, so the window they would fill is a gap.
    const ids = Array.from({ length: 10 }, (_, i) => `ride-${d}-${i}`);
    const predicted = ids.map((_, i) => 10 + i);
    await p.task('fares').logOutputs(ids, predicted, { at: t + 240_000 });
    const off = d === 2 ? 4 : 1;
    const truth = predicted.map((x, i) => (i % 2 === 0 ? x + off : x - off));
    if (d !== 1) await p.task('fares').logFeedback(ids, truth, { at: t + DAY + 6 * HOUR });
    await p.task('surge').logOutputs(ids.slice(0, 4), [true, false, true, false], { at: t });
    await p.task('surge').logFeedback(ids.slice(0, 4), [true, true, true, d === 2], { at: t + HOUR });
  }
  // Feedback for rides never predicted: kept and counted.
  await p.task('fares').logFeedback(['ghost-1', 'ghost-2'], [5, 6], { at: Date.UTC(2026, 2, 4, 9) });
  return newest;
}
