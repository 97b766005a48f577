import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';
import { consoleTransport, emittingStore, exportEvents, ingestEvents } from 'pipetrace/openlineage';

// Live: every logged run is also sent on, in the background (to Marquez: httpTransport({ url: 'http://localhost:5000' })).
const store = emittingStore(memoryStore(), consoleTransport(), { jobNamespace: 'ml' });
const pt = createPipetrace({ store });
const startedAt = Date.now() - 1000;
const endedAt = Date.now();
await pt.logRun({
  component: 'clean',
  startedAt,
  endedAt,
  inputs: ['s3://raw/events.csv'],
  outputs: ['/data/clean.parquet'],
});
await store.flush();

const events = [];
for await (const event of exportEvents(pt)) events.push(event); // START + COMPLETE/FAIL per run
const copy = createPipetrace({ store: memoryStore() });
const result = await ingestEvents(copy, events); // { runs, pending, components, … }
console.log(result);
