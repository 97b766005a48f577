import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dexieStore } from '../adapters/dexie/index.js';
import { isPipetraceError } from '../src/errors.js';
import { sampleRun, storeConformance } from '../src/testing.js';
import { dexieAppTarget, dexieSpecs, dexieTarget } from './browser/specs/dexie-specs.js';
import { freshName } from './browser/specs/raw-idb.js';

storeConformance({ describe, it, expect }, dexieTarget(dexieSpecs));
storeConformance({ describe, it, expect }, dexieAppTarget());

describe('dexieStore in Node (fake-indexeddb)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps a quota error to code quota and stores nothing of the batch', async () => {
    const store = dexieStore({ name: freshName('pt-dexie-quota') });
    try {
      const before = sampleRun();
      await store.putRuns([before]);
      const put = IDBObjectStore.prototype.put;
      let calls = 0;
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
      await Dexie.delete(store.db.name);
    }
  });

  it('rejects a db that is not a Dexie instance', () => {
    expect(() => dexieStore({ db: {} as Dexie })).toThrow(/Dexie instance/);
  });
});
