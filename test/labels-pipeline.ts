/**
 * The labels' known-answer pipeline. 96 raw rides r0..r95, ride i belongs to customer
 * c<40 + i % 8>, so `customer:42` is the 12 rides with i % 8 = 2.
 *   clean     keeps rides with i % 5 != 0 (filter: drops r10, r50, r90 of the 12)
 *   join      joined j<i> from clean r<i> and customer c<40 + i % 8> (join: two `many` pairs)
 *   agg       groups g<i % 4> from joined rows (aggregation: the 12 all land in g2)
 *   score     ride predictions s<i> from j<i>, with a model trained on other data
 *   forecast  group predictions p<g> from g<g>
 *   train     churn.pkl from joined rows, no row lineage
 *   churn     churn predictions k<c> from customers, and from churn.pkl without row lineage
 */
import { createPipetrace } from '../src/pipetrace.js';
import type { RowLineageSpec } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { setup } from './helpers.js';

export const RIDES = 96;
/** The steps the label on customer 42's rides reaches, in pipeline order (what a retraction rebuilds). */
export const STAGES_IN_ORDER = ['clean', 'join', 'agg', 'score', 'forecast', 'train', 'churn'];
export const customerOf = (i: number) => `c${40 + (i % 8)}`;
export const labelled = Array.from({ length: RIDES }, (_, i) => i).filter((i) => i % 8 === 2);
export const kept = Array.from({ length: RIDES }, (_, i) => i).filter((i) => i % 5 !== 0);

export async function labelsPipeline(store?: Store) {
  const ctx = setup();
  if (store !== undefined) {
    ctx.store = store as typeof ctx.store;
    ctx.pt = createPipetrace({ store, now: () => ctx.clock.t });
  }
  const { pt, clock } = ctx;
  const step = async (component: string, inputs: string[], outputs: string[], rows: RowLineageSpec[]) => {
    clock.t += 1000;
    const run = pt.startRun(component, { inputs, outputs });
    if (rows.length > 0) run.rows(rows, { keepKeys: true });
    clock.t += 1000;
    return run.end();
  };
  // A model trained before, on other data: scoring with it is not derived from the rides.
  const base = await step('train-base', ['raw/history.csv'], ['models/base.pkl'], []);
  const clean = await step(
    'clean',
    ['raw/rides.csv'],
    ['data/clean.csv'],
    [{ output: 'data/clean.csv', input: 'raw/rides.csv', kind: 'keep', keys: kept.map((i) => `r${i}`) }],
  );
  const join = await step(
    'join',
    ['data/clean.csv', 'raw/customers.csv'],
    ['data/joined.csv'],
    [
      {
        output: 'data/joined.csv',
        input: 'data/clean.csv',
        kind: 'many',
        outputKeys: kept.map((i) => `j${i}`),
        inputKeys: kept.map((i) => `r${i}`),
      },
      {
        output: 'data/joined.csv',
        input: 'raw/customers.csv',
        kind: 'many',
        outputKeys: kept.map((i) => `j${i}`),
        inputKeys: kept.map(customerOf),
      },
    ],
  );
  const agg = await step(
    'agg',
    ['data/joined.csv'],
    ['data/groups.csv'],
    [
      {
        output: 'data/groups.csv',
        input: 'data/joined.csv',
        kind: 'many',
        outputKeys: kept.map((i) => `g${i % 4}`),
        inputKeys: kept.map((i) => `j${i}`),
      },
    ],
  );
  const score = await step(
    'score',
    ['data/joined.csv', 'models/base.pkl'],
    ['data/ride-predictions.csv'],
    [
      {
        output: 'data/ride-predictions.csv',
        input: 'data/joined.csv',
        kind: 'map',
        outputKeys: kept.map((i) => `s${i}`),
        inputKeys: kept.map((i) => `j${i}`),
      },
    ],
  );
  const forecast = await step(
    'forecast',
    ['data/groups.csv'],
    ['data/group-predictions.csv'],
    [
      {
        output: 'data/group-predictions.csv',
        input: 'data/groups.csv',
        kind: 'map',
        outputKeys: [0, 1, 2, 3].map((g) => `p${g}`),
        inputKeys: [0, 1, 2, 3].map((g) => `g${g}`),
      },
    ],
  );
  const train = await step('train', ['data/joined.csv'], ['models/churn.pkl'], []);
  const customers = Array.from({ length: 8 }, (_, c) => `c${40 + c}`);
  const churn = await step(
    'churn',
    ['raw/customers.csv', 'models/churn.pkl'],
    ['data/churn-predictions.csv'],
    [
      {
        output: 'data/churn-predictions.csv',
        input: 'raw/customers.csv',
        kind: 'map',
        outputKeys: customers.map((c) => `k${c}`),
        inputKeys: customers,
      },
    ],
  );
  return { ...ctx, runs: { base, clean, join, agg, score, forecast, train, churn } };
}

/** Every record and blob of a store, to prove a call changed nothing (or only what it said). */
export async function everything(store: ReturnType<typeof setup>['store']) {
  const keys = await store.listBlobs('');
  const blobs = await store.getBlobs(keys);
  return {
    runs: (await store.scanRuns({ limit: 10_000 })).runs,
    components: await store.scanComponents(),
    pointers: await store.scanPointers(),
    blobs: keys.map((k, i) => [k, Array.from(blobs[i] ?? [])]),
  };
}
