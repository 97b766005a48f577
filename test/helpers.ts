import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';

export const T0 = Date.UTC(2026, 0, 1);
export const DAY = 86_400_000;

/** A pipetrace on a fresh memory store with a clock the test moves. */
export function setup(start = T0) {
  const clock = { t: start };
  const store = memoryStore();
  const pt = createPipetrace({ store, now: () => clock.t });
  return { pt, store, clock };
}

/** Counts every record a store holds, to prove a rejected call changed nothing. */
export async function storeSnapshot(store: ReturnType<typeof memoryStore>) {
  const runs = await store.scanRuns({ limit: 10_000 });
  return {
    runs: runs.runs,
    components: await store.scanComponents(),
    pointers: await store.scanPointers(),
  };
}
