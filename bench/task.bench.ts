/**
 * Task benchmark: feedback_join_ids_per_s. 1M outputs are logged (one day), then 1M feedback
 * values arrive a day later; the figure is the ids joined (outputs + feedback) per second of
 * logging that feedback (which reads the outputs and reports the unmatched ids) and computing
 * the daily MAE over the join, from a cold cache (a fresh store object over the same data).
 * Run: npm run bench -- task   (TASK_N overrides the 1M ids)
 */
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import type { Store } from '../src/store.js';
import { percentile, report, round } from './lib.js';

const N = Number(process.env.TASK_N ?? 1_000_000);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const ids = Array.from({ length: N }, (_, i) => `pred-20260301-${String(i).padStart(7, '0')}`);
const predicted = Float64Array.from({ length: N }, (_, i) => 10 + (i % 97) / 10);
const truth = Float64Array.from(predicted, (p, i) => p + ((i % 7) - 3) / 10);
// Feedback arrives in another order than the outputs: reversed.
const lateIds = ids.slice().reverse();
const lateTruth = truth.slice().reverse();

/** A store over the same blobs with no decoded-batch cache (the caches are per store object). */
const fresh = (store: Store): Store => Object.create(store) as Store;

const times: number[] = [];
let mae = 0;
for (let r = 0; r < 3; r++) {
  const store = memoryStore();
  await createPipetrace({ store }).task('fare').logOutputs(ids, predicted, { at: T0 });
  gc();
  const pt = createPipetrace({ store: fresh(store) });
  const t0 = performance.now();
  const logged = await pt.task('fare').logFeedback(lateIds, lateTruth, { at: T0 + DAY });
  const metrics = await pt.task('fare').metrics({ metric: 'mae', window: '1d' });
  times.push(performance.now() - t0);
  if (logged.unmatched !== 0 || metrics.points[0]?.count !== N) throw new Error('the join lost ids');
  mae = metrics.points[0]?.value ?? Number.NaN;
}
const ms = percentile(times, 50);
const figures = {
  feedback_join_ids_per_s: Math.round((2 * N) / (ms / 1000)),
  feedback_join_ms: round(ms, 1),
  feedback_join_ids: N,
  feedback_join_mae: round(mae, 4),
};
console.error(figures);
report(figures);
