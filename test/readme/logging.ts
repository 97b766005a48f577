import { createPipetrace } from 'pipetrace/node'; // Node: ./.pipetrace and the git commit

// import { createPipetrace } from 'pipetrace/browser'; // browsers: IndexedDB
// import { createPipetrace } from 'pipetrace'; import { memoryStore } from 'pipetrace/adapters/memory';
//   createPipetrace({ store: memoryStore() })          // anywhere, with an explicit store

const pt = createPipetrace();
await pt.component('clean', { description: 'drops invalid fares', owner: 'data-eng', tags: ['etl'] });

// An explicit run: nothing is stored until end() or fail(), so a run is stored whole or not at all.
const run = pt.startRun('clean', { inputs: 'data/rides.csv' });
run.param('min_fare', 0).note('first run after the refactor');
run.addOutputs(['data/clean.parquet']).metric('rows_dropped', 312);
await run.end(); // or: await run.fail(error)

// A wrapped function: the TypeScript counterpart of a decorator. Types are preserved.
const train = pt.wrap('train', async (_: { features: string; epochs: number }) => ({ model: 'models/m.pkl' }), {
  inputs: ['features'], // property of the first argument (or an index, or (…args) => names)
  outputs: ['model'], // property of the result (or an index, or (result, …args) => names)
  params: ({ epochs }) => ({ epochs }),
});
await train({ features: 'data/clean.parquet', epochs: 3 });
// A throw is logged as a failed run with its error, and rethrown. Async functions resolve after
// their run is stored; synchronous ones log in the background: `await pt.flush()`.

// A finished run in one call (importers, backfills), or many in one store write:
const startedAt = Date.now() - 60_000;
const endedAt = Date.now();
await pt.logRun({ component: 'infer', startedAt, endedAt, inputs: ['models/m.pkl'], outputs: ['pred/1'] });
await pt.logRuns([
  { component: 'infer', startedAt, endedAt, inputs: ['models/m.pkl'], outputs: ['pred/2'] },
  { component: 'infer', startedAt, endedAt, inputs: ['models/m.pkl'], outputs: ['pred/3'] },
]);
