import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const rides = [
  { id: 'ride-00042', fare: 12.5 },
  { id: 'ride-00043', fare: -1 },
];
const out: typeof rides = [];

const clean = pt.startRun('cleaning', { inputs: 'rides.ndjson' }).addOutputs('clean.ndjson');
const rec = clean.rowRecorder('clean.ndjson', 'rides.ndjson', 'keep'); // a row at a time...
for (const r of rides)
  if (r.fare > 0) {
    out.push(r);
    rec.add(r.id);
  }
await clean.end(); // rows are stored with the run

const rideIds = out.map((r) => r.id);
const predIds = rideIds.map((_, i) => `p-${17 + i}`);
const infer = pt.startRun('inference', { inputs: 'clean.ndjson' }).addOutputs('predictions/2026-01-08');
infer.rows({
  output: 'predictions/2026-01-08',
  input: 'clean.ndjson',
  kind: 'map',
  outputKeys: predIds,
  inputKeys: rideIds,
});
await infer.end(); // ...or whole arrays at once

await pt.flagRows('predictions/2026-01-08', ['p-17']); // flag rows, not the whole output
const t = await pt.traceRow('predictions/2026-01-08', 'p-17'); // back to the raw records
const f = await pt.impact('rides.ndjson', 'ride-00042'); // every row derived from it
const r = await pt.review(); // r.rows: runs, versions and rows to blame
console.log(t.origins, f.steps.length, r.rows);
