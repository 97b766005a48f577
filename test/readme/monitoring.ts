import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const day = (shift: number) => {
  const distance_km = Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7919) % 100) / 20 + shift);
  const fare = distance_km.map((d) => 2.5 + 1.8 * d);
  const vendor = distance_km.map((_, i) => (i % 3 === 0 ? 'A' : 'B'));
  return { distance_km, fare, vendor };
};

for (const [date, shift] of [
  ['2026-03-01', 0],
  ['2026-03-02', 2],
] as const) {
  const run = pt.startRun('cleaning', { inputs: [`raw/${date}.csv`] });
  run.profile('clean/rides.parquet', day(shift)); // columns of one length
  // or rows: run.profile(output, [{ distance_km: 3.1, fare: 12, vendor: 'A' }, ...])
  await run.end();
}

const report = await pt.drift('clean/rides.parquet'); // its newest writer against the previous one
console.log(report.sentences);
// ['clean/rides.parquet distance_km: mean 3.48 → 5.47, normalized Wasserstein 1.1 (threshold 0.1)', …]
const watch = await pt.monitor(); // every step's newest output, upstream first
console.log(watch.drifted); // ['cleaning']: the first drifted step is where to look
