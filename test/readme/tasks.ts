import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const day = Date.UTC(2026, 2, 1);

// Inference wrote predictions/2026-03-01 with row lineage; its row keys are the output ids.
const keys = ['ride-1', 'ride-2', 'ride-3'];
await pt
  .startRun('inference', { startedAt: day, inputs: ['features/2026-03-01'], outputs: ['predictions/2026-03-01'] })
  .rows({
    output: 'predictions/2026-03-01',
    input: 'features/2026-03-01',
    kind: 'map',
    outputKeys: keys,
    inputKeys: keys,
  })
  .end({ endedAt: day + 60_000 });

const fare = pt.task('fare');
await fare.logOutputs(keys, [12.5, 30.1, 8.2], { at: day, pointer: 'predictions/2026-03-01' });

// The true fares arrive a day later; one is for a ride whose prediction is not logged yet.
const late = await fare.logFeedback(['ride-1', 'ride-2', 'ride-9'], [12.0, 41.0, 7.0], { at: day + 86_400_000 });
console.log(late.unmatched, late.unmatchedIds); // 1 [ 'ride-9' ]: kept, it joins when its output arrives

const mae = await fare.metrics({ metric: 'mae', window: '1d' });
console.log(mae.points); // [{ start: '2026-03-02T00:00:00.000Z', end: …, value: 5.7, count: 2 }]

// A feedback rule flags the predictions that missed as rows of their pointer; review takes it from there.
const flagged = await fare.flagMisses({ absError: 5 });
console.log(flagged.pointers); // [{ pointer: 'predictions/2026-03-01', missed: 1, flaggedRows: 1 }]
console.log(await pt.tasks()); // [{ name: 'fare', outputs: 3, feedback: 3, outputBatches: 1, feedbackBatches: 1 }]
