/**
 * Review quality, measured: 100 seeded scenarios (25 of each planted culprit kind, see
 * test/review-scenario.ts), each reviewed with Ochiai and with the coverage baseline.
 */
import { reviewRows } from '../src/rows/index.js';
import { buildScenario, CULPRIT_KINDS, judge } from '../test/review-scenario.js';
import { report, round } from './lib.js';

const PER_KIND = Number(process.env.SCENARIOS_PER_KIND ?? 25);
let hits = 0;
let top1 = 0;
let coverageTop1 = 0;
let precision = 0;
let precisionN = 0;
const byKind: Record<string, number> = {};
let n = 0;
const started = performance.now();
for (const kind of CULPRIT_KINDS) {
  let kindTop1 = 0;
  for (let seed = 1; seed <= PER_KIND; seed++) {
    const scenario = await buildScenario({ seed, kind });
    const review = await reviewRows(scenario.store, { limit: 500 });
    const j = judge(review, scenario);
    const coverage = judge(await reviewRows(scenario.store, { limit: 500, metric: 'coverage' }), scenario);
    n++;
    if (j.topGroupHit) hits++;
    top1 += j.top1;
    kindTop1 += j.top1;
    coverageTop1 += coverage.top1;
    if (j.rowPrecision !== undefined) {
      precision += j.rowPrecision;
      precisionN++;
    }
    if (j.top1 < 1 && process.env.VERBOSE) console.error(kind, seed, scenario.description, JSON.stringify(j));
    await scenario.store.close();
  }
  byKind[kind] = round(kindTop1 / PER_KIND);
}
report({
  review_scenarios: n,
  review_top_group_hit: round(hits / n),
  review_top1_accuracy: round(top1 / n),
  review_top1_accuracy_coverage: round(coverageTop1 / n),
  review_row_precision: round(precision / precisionN),
  review_top1_by_kind: JSON.stringify(byKind),
  review_quality_seconds: round((performance.now() - started) / 1000, 1),
});
