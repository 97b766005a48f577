import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const rides = ['r1', 'r2', 'r3', 'r4'];
// clean keeps every ride but r4; score makes one prediction per ride; train has no row lineage.
await pt
  .startRun('clean', { inputs: 'raw/rides.csv', outputs: 'clean.csv' })
  .rows({ output: 'clean.csv', input: 'raw/rides.csv', kind: 'keep', keys: rides.slice(0, 3) })
  .end();
await pt
  .startRun('score', { inputs: 'clean.csv', outputs: 'predictions.csv' })
  .rows({
    output: 'predictions.csv',
    input: 'clean.csv',
    kind: 'map',
    outputKeys: ['p1', 'p2', 'p3'],
    inputKeys: ['r1', 'r2', 'r3'],
  })
  .end();
await pt.startRun('train', { inputs: 'clean.csv', outputs: 'models/churn.pkl' }).end();

// Rides r2 and r4 belong to customer 42.
await pt.label('raw/rides.csv', 'customer:42', { rows: ['r2', 'r4'] });
const reached = await pt.labelled('customer:42');
for (const o of reached.outputs) console.log(o.pointer, o.rowLevel ? o.rowCount : o.note);
// clean.csv 1 / predictions.csv 1 / models/churn.pkl whole output (no row lineage at step train, ...)

const report = await pt.retract('customer:42', { reason: 'deletion request #118' });
console.log(
  report.models.map((m) => m.pointer),
  report.rebuild.map((s) => s.run.component),
);
// [ 'models/churn.pkl' ] [ 'clean', 'score', 'train' ]
