import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';
import { createAnalyst } from 'pipetrace/analyst';
import { nodeWorkerFactory } from 'pipetrace/worker'; // Node (ESM or CommonJS)

const pt = createPipetrace({ store: memoryStore() });
await pt.logRun({ component: 'infer', startedAt: 1, endedAt: 2, outputs: ['predictions.parquet'] });
await pt.flag('predictions.parquet');

const analyst = createAnalyst({ store: pt.store, workerFactory: nodeWorkerFactory() });
const controller = new AbortController();
const review = await analyst.review({ signal: controller.signal, onProgress: (p) => console.log(p.records) });
const rows = await analyst.traceRow('predictions.parquet', 'order-42');
console.log(review.F, rows.steps.length); // the script exits by itself: an idle worker holds nothing
