/**
 * Labels benchmarks.
 * - labelled_rows_ms: labelled(label) for 1,000 raw rows through 5 stages of 1M rows (a keep,
 *   then four 1:1 maps; bench/row-stages.ts), warm (chunks cached), median of 5.
 * - retract_report_ms: retract() over a 10k-run history with row lineage: 2,000 days of 5 steps,
 *   every day's join reading one customers table; the label is 10 customers' rows, so it reaches
 *   every day. Warm: median of 3 after a first (cold) one, each closed again before the next (not timed).
 * Run: npm run bench -- labels   (LABELS_N overrides the 1M rows a stage)
 */
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import type { Run } from '../src/model.js';
import { writeRowLineage } from '../src/rows/index.js';
import { percentile, report, round } from './lib.js';
import { fiveStages, key, STAGES } from './row-stages.js';

const N = Number(process.env.LABELS_N ?? 1_000_000);
const median = (xs: number[]) => percentile(xs, 50);

// ---- labelled_rows_ms ----------------------------------------------------------------------
const stages = memoryStore();
await fiveStages(stages, N);
const pt = createPipetrace({ store: stages });
const rows = Array.from({ length: 1000 }, (_, i) => key(0, (i * 997) % N));
await pt.label('data/0', 'customer:42', { rows });
const first = await pt.labelled('customer:42');
if (first.outputs.length !== STAGES || first.outputs.some((o) => o.rowCount !== 1000))
  throw new Error(`labelled answered ${first.outputs.map((o) => o.rowCount).join(', ')}`);
const warm: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  await pt.labelled('customer:42');
  warm.push(performance.now() - t0);
}

// ---- retract_report_ms ---------------------------------------------------------------------
const DAYS = 2000;
const PER_DAY = 50;
const T0 = Date.UTC(2026, 0, 1);
const history = memoryStore();
const runs: Run[] = [];
const lineage: [string, Parameters<typeof writeRowLineage>[2]][] = [];
const run = (id: string, at: number, inputs: string[], outputs: string[]): Run => ({
  id,
  component: id.split('-')[0] as string,
  startedAt: at,
  endedAt: at + 1,
  status: 'succeeded',
  inputs,
  outputs,
  dependencies: [],
  notes: [],
  params: {},
  metrics: {},
});
const customers = Array.from({ length: 1000 }, (_, c) => `c${c}`);
for (let d = 0; d < DAYS; d++) {
  const at = T0 + d * 60_000;
  const ids = Array.from({ length: PER_DAY }, (_, i) => `d${d}-${i}`);
  const customerOf = (i: number) => customers[(d * 7 + i * 13) % customers.length] as string;
  runs.push(
    run(`clean-${d}`, at, [`raw/${d}`], [`clean/${d}`]),
    run(`join-${d}`, at + 10, [`clean/${d}`, 'raw/customers'], [`joined/${d}`]),
    run(`features-${d}`, at + 20, [`joined/${d}`], [`features/${d}`]),
    run(`predict-${d}`, at + 30, [`features/${d}`], [`predictions/${d}`]),
    run(`agg-${d}`, at + 40, [`predictions/${d}`], [`daily/${d}`]),
  );
  lineage.push(
    [`clean-${d}`, [{ output: `clean/${d}`, input: `raw/${d}`, kind: 'keep', keys: ids }]],
    [
      `join-${d}`,
      [
        { output: `joined/${d}`, input: `clean/${d}`, kind: 'many', outputKeys: ids, inputKeys: ids },
        {
          output: `joined/${d}`,
          input: 'raw/customers',
          kind: 'many',
          outputKeys: ids,
          inputKeys: ids.map((_, i) => customerOf(i)),
        },
      ],
    ],
    [
      `features-${d}`,
      [
        {
          output: `features/${d}`,
          input: `joined/${d}`,
          kind: 'map',
          outputKeys: ids.map((k) => `f${k}`),
          inputKeys: ids,
        },
      ],
    ],
    [
      `predict-${d}`,
      [
        {
          output: `predictions/${d}`,
          input: `features/${d}`,
          kind: 'map',
          outputKeys: ids.map((k) => `p${k}`),
          inputKeys: ids.map((k) => `f${k}`),
        },
      ],
    ],
    [
      `agg-${d}`,
      [
        {
          output: `daily/${d}`,
          input: `predictions/${d}`,
          kind: 'many',
          outputKeys: ids.map((_, i) => `h${i % 5}`),
          inputKeys: ids.map((k) => `p${k}`),
        },
      ],
    ],
  );
}
await history.putRuns(runs);
for (const [id, pairs] of lineage) await writeRowLineage(history, id, pairs);
let clock = T0 + DAYS * 60_000;
const hpt = createPipetrace({ store: history, now: () => clock++ });
await hpt.label('raw/customers', 'source:crm-batch-7', { rows: customers.slice(0, 10) });
const retracts: number[] = [];
let reached = 0;
// The first retraction reads every chunk it follows (cold); the figure is warm, like labelled's.
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const result = await hpt.retract('source:crm-batch-7', { reason: 'contaminated' });
  retracts.push(performance.now() - t0);
  reached = result.files.length + result.predictions.length;
  await hpt.closeRetraction('source:crm-batch-7');
}

report({
  labelled_rows_ms: round(median(warm), 1),
  labelled_rows_stage_rows: N,
  retract_report_ms: round(median(retracts.slice(1)), 1),
  retract_report_cold_ms: round(retracts[0] as number, 1),
  retract_report_runs: runs.length,
  retract_report_outputs: reached,
});
