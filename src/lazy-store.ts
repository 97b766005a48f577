import { PipetraceError } from './errors.js';
import { Listeners } from './listeners.js';
import type { Store, StoreCapabilities, StoreChange } from './store.js';

/**
 * A store that opens on first use: lets a synchronous `createPipetrace()` take a default store
 * whose opening is asynchronous (a folder on disk, an IndexedDB database). Capabilities are
 * those declared up front until the real store is open.
 */
export function lazyStore(kind: string, capabilities: StoreCapabilities, open: () => Promise<Store>): Store {
  let opened: Promise<Store> | undefined;
  const get = () => (opened ??= open());
  const listeners = new Listeners<StoreChange>();
  let unsubscribe: (() => void) | undefined;
  return {
    kind,
    capabilities,
    putRuns: async (runs) => (await get()).putRuns(runs),
    getRuns: async (ids) => (await get()).getRuns(ids),
    scanRuns: async (scan) => (await get()).scanRuns(scan),
    latestWriters: async (q) => (await get()).latestWriters(q),
    putComponents: async (c) => (await get()).putComponents(c),
    getComponents: async (n) => (await get()).getComponents(n),
    scanComponents: async () => (await get()).scanComponents(),
    putPointers: async (p) => (await get()).putPointers(p),
    getPointers: async (n) => (await get()).getPointers(n),
    scanPointers: async (f) => (await get()).scanPointers(f),
    putBlobs: async (b) => (await get()).putBlobs(b),
    getBlobs: async (k) => (await get()).getBlobs(k),
    listBlobs: async (p) => (await get()).listBlobs(p),
    deleteBlobs: async (k) => {
      const store = await get();
      if (store.deleteBlobs === undefined) throw new PipetraceError('storage', `${store.kind} cannot delete blobs`);
      await store.deleteBlobs(k);
    },
    subscribe(listener) {
      const remove = listeners.add(listener);
      if (unsubscribe === undefined) {
        void get().then((store) => {
          unsubscribe ??= store.subscribe?.((change) => listeners.emit(change));
        });
      }
      return remove;
    },
    async close() {
      if (opened === undefined) return;
      unsubscribe?.();
      await (await opened).close();
    },
  };
}
