import { indexedDbStore } from 'pipetrace/adapters/indexeddb';
import { createAnalyst } from 'pipetrace/analyst';

// Browser (Vite): the worker file is bundled for you
const analyst = createAnalyst({
  store: indexedDbStore(),
  workerFactory: () => new Worker(new URL('pipetrace/worker', import.meta.url), { type: 'module' }),
});
const review = await analyst.review({ onProgress: (p) => console.log(p.records) });
console.log(review.runs);
