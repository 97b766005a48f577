/**
 * Review quality, measured: 100 seeded scenarios (25 of each planted culprit kind, see
 * test/review-scenario.ts), each reviewed with Ochiai and with the coverage baseline, from
 * flagged rows (row review) and from pointer flags alone (run-level review, no row lineage).
 */
import { reviewRuns } from '../src/analysis/review.js';
import type { ReviewMethod } from '../src/analysis/spectrum.js';
import { reviewRows } from '../src/rows/index.js';
import { buildScenario, CULPRIT_KINDS, judge, judgeRunLevel, pointerFlags } from '../test/review-scenario.js';
import { report, round } from './lib.js';

const PER_KIND = Number(process.env.SCENARIOS_PER_KIND ?? 25);
let hits = 0;
let top1 = 0;
let coverageTop1 = 0;
let precision = 0;
let precisionN = 0;
const byKind: Record<string, number> = {};
let n = 0;
// Run-level figures per method: top-group hits, bad versions ranked first outright, how many
// candidates tie at rank 1 (the top group a user sees) and how many share the top score.
const runLevel = (['ochiai', 'coverage'] as ReviewMethod[]).map((method) => ({
  method,
  hits: 0,
  versionFirst: 0,
  versionN: 0,
  size: 0,
  scoreGroupSize: 0,
  top1: {} as Record<string, number>,
}));
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
    const pointers = pointerFlags(scenario);
    for (const r of runLevel) {
      const rj = judgeRunLevel(await reviewRuns(scenario.store, pointers, { method: r.method, limit: 500 }), scenario);
      if (rj.topGroupHit) r.hits++;
      r.size += rj.topGroupSize;
      r.scoreGroupSize += rj.topScoreGroupSize;
      r.top1[kind] = (r.top1[kind] ?? 0) + rj.top1 / PER_KIND;
      if (kind === 'bad-version') {
        r.versionN++;
        if (rj.first) r.versionFirst++;
      }
      if (!rj.topGroupHit && process.env.VERBOSE)
        console.error('run-level', r.method, kind, seed, scenario.description);
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
  ...Object.fromEntries(
    runLevel.flatMap((r) => {
      const suffix = r.method === 'ochiai' ? '' : `_${r.method}`;
      return [
        [`review_runlevel_top_group_hit${suffix}`, round(r.hits / n)],
        [`review_runlevel_version_first${suffix}`, round(r.versionFirst / r.versionN)],
        [`review_runlevel_top_group_size${suffix}`, round(r.size / n, 2)],
        [`review_runlevel_top_score_group_size${suffix}`, round(r.scoreGroupSize / n, 2)],
        [
          `review_runlevel_top1_by_kind${suffix}`,
          JSON.stringify(Object.fromEntries(Object.entries(r.top1).map(([k, v]) => [k, round(v)]))),
        ],
      ];
    }),
  ),
  review_quality_seconds: round((performance.now() - started) / 1000, 1),
});
