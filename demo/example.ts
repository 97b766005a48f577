/**
 * The quick-start example: a four-step pipeline (ingest → clean → train → infer) run over five
 * simulated days into its own store (.pipetrace-example beside the project's), with a bug planted in one
 * day's cleaning run. It flags the predictions that came out wrong, then prints the trace of the
 * latest prediction and the review that names the culprit.
 */
import { createPipetrace, defaultStore } from '../node/index.js';
import { besideProjectStore, EXAMPLE_STORE_DIR } from './folders.js';

const DAY = 86_400_000;
// Five days ending now, so running the example again logs five more days of runs.
const start = Math.floor(Date.now() / 60_000) * 60_000 - 5 * DAY;
const buggyDay = 2;
let clock = start;
// Its own folder: the example never touches the demo's runs and flags, nor the project's.
const pt = createPipetrace({ store: defaultStore(besideProjectStore(EXAMPLE_STORE_DIR)), now: () => clock });

await pt.component('ingest', { description: 'loads raw ride records', owner: 'data-eng', tags: ['etl'] });
await pt.component('clean', { description: 'drops invalid fares', owner: 'data-eng', tags: ['etl'] });
await pt.component('train', { description: 'fits the fare model', owner: 'ml', tags: ['ml'] });
await pt.component('infer', { description: 'predicts fares', owner: 'ml', tags: ['ml', 'serving'] });
await pt.unflagAll();

const wrong: string[] = [];
for (let day = 0; day < 5; day++) {
  clock = start + day * DAY;
  const date = new Date(clock).toISOString().slice(0, 10);
  const raw = `data/rides-${date}.csv`;
  const clean = `data/clean-${date}.parquet`;
  const model = `models/fare-${date}.pkl`;

  // Explicit run objects...
  const ingest = pt.startRun('ingest');
  clock += 60_000;
  await ingest.addOutputs(raw).metric('rows', 100_000).end();

  const cleaning = pt.startRun('clean', { inputs: raw });
  cleaning.param('drop_zero_fares', day !== buggyDay);
  if (day === buggyDay) cleaning.note('refactored the fare filter');
  clock += 120_000;
  await cleaning.addOutputs(clean).end();

  // ...or wrapped functions: inputs from the arguments, outputs from the result.
  const train = pt.wrap(
    'train',
    async (features: string) => ({ model: `${features}`.replace(/.*clean-(.*)\.parquet/, 'models/fare-$1.pkl') }),
    {
      inputs: [0],
      outputs: ['model'],
    },
  );
  clock += 300_000;
  await train(clean);

  for (let batch = 0; batch < 4; batch++) {
    clock += 30_000;
    const preds = Array.from({ length: 25 }, (_, i) => `predictions/${date}/${batch * 25 + i}`);
    await pt.logRun({ component: 'infer', startedAt: clock, endedAt: clock + 20_000, inputs: [model], outputs: preds });
    // The buggy day's model is wrong for 80% of rides; other days have a little noise.
    preds.forEach((p, i) => {
      if ((day === buggyDay && i % 5 !== 0) || (day !== buggyDay && (i * 7 + batch + day) % 97 === 0)) wrong.push(p);
    });
  }
}
for (const p of wrong) await pt.flag(p);

const latest = `predictions/${new Date(start + 4 * DAY).toISOString().slice(0, 10)}/99`;
const trace = await pt.trace(latest);
console.log(`\nTrace of ${latest}:`);
for (const node of trace.nodes) {
  const r = node.run;
  console.log(
    `${'  '.repeat(node.depth)}└─ ${r.component} ${r.id.slice(0, 13)}…  ${new Date(r.startedAt).toISOString()}  ${r.status}  reads ${r.inputs.length > 2 ? `${r.inputs.length} pointers` : r.inputs.join(', ') || '-'}`,
  );
}

const review = await pt.review({ limit: 3 });
console.log(
  `\nReview (${review.method}): ${review.F} flagged outputs, ${review.P} unflagged outputs of the same components`,
);
for (const group of review.runs) {
  for (const c of group.candidates) {
    const run = await pt.inspect(c.id);
    const e = c.evidence;
    console.log(
      `  #${group.rank}${group.candidates.length > 1 ? ' (tied)' : ''}  ${c.component.padEnd(6)} ${new Date(c.startedAt).toISOString().slice(0, 10)}  score ${e.score.toFixed(3)}  ef=${e.ef} ep=${e.ep} F=${e.F} P=${e.P}${run.notes.length ? `  note: "${run.notes[0]?.text}"` : ''}`,
    );
  }
}
const staleness = await pt.staleness(latest, { now: start + 45 * DAY });
console.log(`\nIn 45 days, is ${latest} stale? ${staleness.stale ? 'yes' : 'no'}`);
for (const reason of staleness.reasons) console.log(`  - ${reason.message}`);
console.log(`\nStore: ${pt.store.kind}. Runs are kept there; run the example again to log five more days.`);
await pt.store.close();
