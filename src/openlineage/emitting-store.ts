import { PipetraceError } from '../errors.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { type DeadLetter, type EmitReport, Emitter, type EmitterOptions } from './emitter.js';
import { type ExportEventsOptions, runsToEvents } from './export-store.js';
import type { Transport } from './transports.js';

export interface EmittingStoreOptions extends ExportEventsOptions, EmitterOptions {}

/**
 * A store that also emits OpenLineage events. `flush()` waits until everything queued is sent
 * and rejects (`unavailable`, `details.undelivered`) when some of it could not be since the last
 * flush; those events wait in `deadLetters()` for `redeliver()`.
 */
export interface EmittingStore extends Store {
  flush(): Promise<EmitReport>;
  deadLetters(): readonly DeadLetter[];
  redeliver(): Promise<EmitReport>;
}

/**
 * Wraps any store so every committed `putRuns` is also sent as OpenLineage events (START and
 * COMPLETE/FAIL per run) through `transport`, in commit order, in the background: logging
 * never waits for, or fails because of, the lineage server. Use it as the store of a Pipetrace:
 *
 *   const pt = createPipetrace({ store: emittingStore(memoryStore(), httpTransport({ url })) });
 *
 * `close()` flushes, then closes the transport and the inner store.
 */
export function emittingStore(inner: Store, transport: Transport, options: EmittingStoreOptions = {}): EmittingStore {
  const emitter = new Emitter(transport, (runs) => runsToEvents(inner, runs, options), options);
  const wrapper: EmittingStore = {
    kind: `openlineage(${inner.kind})`,
    capabilities: inner.capabilities,
    async putRuns(runs) {
      await inner.putRuns(runs);
      if (runs.length === 0) return;
      const copies = runs.slice();
      emitter.enqueue(async () => copies, copies.length);
    },
    getRuns: (ids) => inner.getRuns(ids),
    scanRuns: (scan) => inner.scanRuns(scan),
    latestWriters: (queries) => inner.latestWriters(queries),
    putComponents: (components) => inner.putComponents(components),
    getComponents: (names) => inner.getComponents(names),
    scanComponents: () => inner.scanComponents(),
    putPointers: (pointers) => inner.putPointers(pointers),
    getPointers: (names) => inner.getPointers(names),
    scanPointers: (filter) => inner.scanPointers(filter),
    putBlobs: (blobs) => inner.putBlobs(blobs),
    getBlobs: (keys) => inner.getBlobs(keys),
    listBlobs: (prefix) => inner.listBlobs(prefix),
    ...(inner.deleteBlobs === undefined ? {} : { deleteBlobs: (keys: readonly string[]) => inner.deleteBlobs!(keys) }),
    flush: () => emitter.flush(),
    deadLetters: () => emitter.deadLetters(),
    redeliver: () => emitter.redeliver(),
    async close() {
      await emitter.settled();
      await transport.close?.();
      await inner.close();
    },
  };
  if (inner.subscribe !== undefined) wrapper.subscribe = (listener) => inner.subscribe!(listener);
  return wrapper;
}

/**
 * For a live store (capabilities.live, e.g. memory, IndexedDB, Dexie): emits the events of every
 * run written to `source`'s store from now on, by whichever writer. Returns a function that
 * stops listening; `flush`, `deadLetters` and `redeliver` work as on `emittingStore`, which
 * works with any adapter and is preferred.
 */
export function emitOnLog(
  source: { store: Store } | Store,
  transport: Transport,
  options: EmittingStoreOptions = {},
): { stop(): void } & Pick<EmittingStore, 'flush' | 'deadLetters' | 'redeliver'> {
  const store = 'putRuns' in source ? source : source.store;
  if (store.subscribe === undefined) {
    throw new PipetraceError('invalid_input', `store ${store.kind} is not live; wrap it with emittingStore instead`, {
      field: 'store',
    });
  }
  const emitter = new Emitter(transport, (runs) => runsToEvents(store, runs, options), options);
  const stop = store.subscribe((change) => {
    if (change.kind !== 'runs') return;
    const ids = change.ids.slice();
    const load = async () => (await store.getRuns(ids)).filter((r): r is Run => r !== undefined);
    emitter.enqueue(load, ids.length);
  });
  return {
    stop,
    flush: () => emitter.flush(),
    deadLetters: () => emitter.deadLetters(),
    redeliver: () => emitter.redeliver(),
  };
}
