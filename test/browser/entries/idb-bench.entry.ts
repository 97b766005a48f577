/**
 * Browser entry for bench/idb.bench.ts: puts the same runs through indexedDbStore, dexieStore
 * and the raw IndexedDB API (same records, same indexes, one transaction per batch).
 */
import { dexieStore } from '../../../adapters/dexie/index.js';
import { indexedDbStore } from '../../../adapters/indexeddb/index.js';
import { RUNS, SCHEMA_VERSION, toStoredRun, upgradeSchema } from '../../../adapters/indexeddb/schema.js';
import type { Run } from '../../../src/model.js';
import type { Store } from '../../../src/store.js';
import { deleteRaw, openRaw, transactionDone } from '../specs/raw-idb.js';

const COMPONENTS = ['load', 'clean', 'features', 'train', 'predict'];

/** Deterministic runs shaped like a pipeline's: two inputs, one or two outputs, params, metrics. */
function makeRuns(count: number, offset: number): Run[] {
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const component = COMPONENTS[i % COMPONENTS.length] as string;
    const startedAt = 1_700_000_000_000 + i * 1000;
    return {
      id: `run-${String(i).padStart(8, '0')}`,
      component,
      startedAt,
      endedAt: startedAt + 500 + (i % 7) * 10,
      status: i % 50 === 0 ? 'failed' : 'succeeded',
      inputs: [`s3://lake/${component}/in-${i % 97}.parquet`, `config/${component}.yaml`],
      outputs: i % 3 === 0 ? [`s3://lake/${component}/out-${i}.parquet`, `metrics/${i}.json`] : [`out/${i}`],
      dependencies: i > 0 ? [`run-${String(i - 1).padStart(8, '0')}`] : [],
      code: { commit: 'a1b2c3d4e5f6', branch: 'main', dirty: false },
      notes: [],
      params: { lr: 0.01, depth: i % 10, features: ['a', 'b', 'c'] },
      metrics: { rows: 1000 + i, rmse: (i % 100) / 100 },
    };
  });
}

type Kind = 'raw' | 'idb' | 'dexie';
type Put = (runs: Run[]) => Promise<void>;

/** The raw API: one transaction per batch, the same stored records and indexes as the adapter. */
async function rawPut(name: string): Promise<{ put: Put; close(): Promise<void> }> {
  const db = await openRaw(name, SCHEMA_VERSION, (d, tx, oldVersion) => upgradeSchema(d, tx, oldVersion));
  return {
    put: (runs) => {
      const tx = db.transaction(RUNS, 'readwrite');
      const store = tx.objectStore(RUNS);
      for (const run of runs) store.put(toStoredRun(run));
      return transactionDone(tx);
    },
    close: async () => db.close(),
  };
}

async function storePut(store: Store): Promise<{ put: Put; close(): Promise<void> }> {
  await store.getRuns(['open-first']);
  return { put: (runs) => store.putRuns(runs), close: () => store.close() };
}

let round = 0;

/**
 * Puts `total` runs in batches into a fresh database per kind, interleaving the kinds batch by
 * batch (rotating who goes first) so that noise from a busy machine hits all of them alike.
 * Returns runs per second for each kind, counting only the time inside its own puts.
 */
async function measure(total: number, batch: number): Promise<Record<Kind, number>> {
  round += 1;
  const names: Record<Kind, string> = {
    raw: `bench-raw-${round}`,
    idb: `bench-idb-${round}`,
    dexie: `bench-dexie-${round}`,
  };
  const targets: Record<Kind, { put: Put; close(): Promise<void> }> = {
    raw: await rawPut(names.raw),
    idb: await storePut(indexedDbStore({ name: names.idb })),
    dexie: await storePut(dexieStore({ name: names.dexie })),
  };
  const spent: Record<Kind, number> = { raw: 0, idb: 0, dexie: 0 };
  const kinds: Kind[] = ['raw', 'idb', 'dexie'];
  try {
    for (let b = 0; b * batch < total; b++) {
      const runs = makeRuns(batch, b * batch);
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(b + k) % kinds.length] as Kind;
        // Each kind gets its own copy, so no kind benefits from objects another already cloned.
        const copy = runs.map((r) => structuredClone(r));
        const started = performance.now();
        await targets[kind].put(copy);
        spent[kind] += performance.now() - started;
      }
    }
  } finally {
    for (const kind of kinds) {
      await targets[kind].close();
      await deleteRaw(names[kind]);
    }
  }
  return { raw: total / (spent.raw / 1000), idb: total / (spent.idb / 1000), dexie: total / (spent.dexie / 1000) };
}

(globalThis as Record<string, unknown>).bench = { measure };
