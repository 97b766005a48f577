import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const day = 86_400_000;
const t0 = Date.now() - 45 * day;
await pt.logRun({ component: 'clean', startedAt: t0, endedAt: t0 + 1000, outputs: ['data/clean.parquet'] });
await pt.logRun({
  component: 'train',
  startedAt: t0 + day,
  endedAt: t0 + day + 1000,
  inputs: ['data/clean.parquet'],
  outputs: ['models/m.pkl'],
});
await pt.flag('models/m.pkl');

const trace = await pt.trace('models/m.pkl'); // or a run id, { pointer }, { run }; { depth: 2 }
// { root, nodes: [{ depth, run }], edges: [{ from, to, via: [pointers] }], truncated }

const s = await pt.staleness('models/m.pkl', { maxAgeDays: 30, maxFresherRuns: 1 });
// { stale: true, reasons: [{ kind: 'old_dependency', message: 'upstream clean run … finished 45 days ago (threshold 30 days)' }] }

const review = await pt.review(); // { method: 'ochiai' | 'tarantula' | 'risk_ratio' | 'coverage' }
// { F, P, flagged, runs: [{ rank, score, ef, ep, candidates: [{ id, component, evidence }] }], components: [...] }
// review.candidates: runs and component versions ranked one by one, each with { evidence, group, rank, reach, hops, differences }
const rows = await pt.reviewRows({ limit: 10 }); // flagged rows only: runs, versions and upstream rows

const graph = await pt.graph(); // a graphology Graph: runs and pointers, reads and writes
console.log(trace.nodes.length, s.stale, review.F, rows.F, graph.order);
