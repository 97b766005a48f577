import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import type { Run } from '../src/model.js';
import type { BlobRecord, Store } from '../src/store.js';

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

/** A finished run `id` that read data/in and wrote data/out: a run to hang row lineage on. */
export const pairRun = (id: string): Run => ({
  id,
  component: 'c',
  startedAt: 1,
  endedAt: 2,
  status: 'succeeded',
  inputs: ['data/in'],
  outputs: ['data/out'],
  dependencies: [],
  notes: [],
  params: {},
  metrics: {},
});

/**
 * The store with its putBlobs replaced by `put`, which may call the real one (passed as `real`);
 * every other member reads from the store itself.
 */
export function withPutBlobs(
  store: Store,
  put: (blobs: BlobRecord[], real: (blobs: BlobRecord[]) => Promise<void>) => Promise<void>,
): Store {
  const real = (blobs: BlobRecord[]) => store.putBlobs(blobs);
  return new Proxy(store, {
    get(target, name) {
      if (name === 'putBlobs') return (blobs: BlobRecord[]) => put(blobs, real);
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
