import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { indexedDbStore } from '../adapters/indexeddb/index.js';
import { isPipetraceError } from '../src/errors.js';
import { sampleRun, storeConformance } from '../src/testing.js';
import { indexedDbSpecs, indexedDbTarget } from './browser/specs/indexeddb-specs.js';
import { freshName } from './browser/specs/raw-idb.js';

storeConformance({ describe, it, expect }, indexedDbTarget(indexedDbSpecs));

describe('indexedDbStore in Node (fake-indexeddb)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes a batch of 1,000 runs in a single transaction', async () => {
    const store = indexedDbStore({ name: freshName('pt-idb-tx') });
    try {
      await store.getRuns(['warm-up']);
      const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
      await store.putRuns(Array.from({ length: 1000 }, (_, i) => sampleRun({ outputs: [`o/${i}`] })));
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockClear();
      await store.latestWriters(Array.from({ length: 50 }, (_, i) => ({ pointer: `o/${i}` })));
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      await store.close();
    }
  });

  it('maps a quota error to code quota and stores nothing of the batch', async () => {
    const store = indexedDbStore({ name: freshName('pt-idb-quota') });
    try {
      const before = sampleRun();
      await store.putRuns([before]);
      const put = IDBObjectStore.prototype.put;
      let calls = 0;
      // The third record of the batch exceeds the (simulated) quota.
      vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
        calls += 1;
        if (calls === 3) throw new DOMException('quota exceeded', 'QuotaExceededError');
        return put.apply(this, args as Parameters<typeof put>);
      });
      const batch = Array.from({ length: 5 }, () => sampleRun());
      const error = await store.putRuns(batch).catch((e: unknown) => e);
      expect(isPipetraceError(error, 'quota')).toBe(true);
      vi.restoreAllMocks();
      expect((await store.getRuns(batch.map((r) => r.id))).every((r) => r === undefined)).toBe(true);
      expect((await store.getRuns([before.id]))[0]?.id).toBe(before.id);
    } finally {
      await store.close();
    }
  });
});
