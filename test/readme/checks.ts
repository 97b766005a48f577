import { CheckFailedError, createPipetrace, fail, pass } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });

// A check is a named function (or { name, check, timeoutMs, onFail }) returning true or
// pass(message), false or fail(message); it may be async. Component checks run on every
// wrapped call of the component, before the wrap's own.
function noNullFares({ fares }: { fares: (number | null)[] }) {
  const nulls = fares.filter((f) => f === null).length;
  return nulls === 0 ? pass() : fail(`${nulls} null fares`);
}
await pt.component('train', { checks: { before: [noNullFares], onFail: 'fail' } });

const train = pt.wrap('train', async (_: { fares: (number | null)[] }) => ({ model: 'models/m.pkl', error: 7.2 }), {
  outputs: ['model'],
  checks: {
    onFail: 'flag', // a failing after-check flags the model, so review sees it
    after: [{ name: 'holdout error < 5', check: async ({ error }) => error < 5 || fail(`error ${error}`) }],
  },
});

await train({ fares: [12, 30] }); // runs; the model is flagged
try {
  await train({ fares: [12, null] }); // not called: the run is logged as failed
} catch (error) {
  if (!(error instanceof CheckFailedError)) throw error;
}

const { results } = await pt.checks({ component: 'train', outcome: 'fail' });
console.log(results.map((r) => `${r.phase} ${r.name}: ${r.message}`));
// [ 'after holdout error < 5: error 7.2', 'before noNullFares: 1 null fares' ]
console.log((await pt.flagged()).map((p) => p.name)); // [ 'models/m.pkl' ]
