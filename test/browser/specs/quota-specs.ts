/**
 * Browser-only: a real QuotaExceededError from Chromium. A storage bucket with an 8 MB quota
 * gives the store a limit it reaches quickly (navigator.storageBuckets, Chromium 122+).
 */
import { dexieStore } from '../../../adapters/dexie/index.js';
import { indexedDbStore } from '../../../adapters/indexeddb/index.js';
import { isPipetraceError } from '../../../src/errors.js';
import type { Store } from '../../../src/store.js';
import type { TestApi } from '../../../src/testing.js';
import { freshName } from './raw-idb.js';

interface Bucket {
  indexedDB: IDBFactory;
}
interface BucketManager {
  open(name: string, options: { quota: number }): Promise<Bucket>;
  delete(name: string): Promise<void>;
}

/** Bytes that do not compress, so the store really needs the space. */
function noise(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65_536)));
  return out;
}

export function quotaSpecs(t: TestApi): void {
  const cases: [string, (factory: IDBFactory) => Store][] = [
    ['indexedDbStore', (factory) => indexedDbStore({ name: 'quota', indexedDB: factory })],
    ['dexieStore', (factory) => dexieStore({ name: 'quota', indexedDB: factory })],
  ];
  for (const [label, open] of cases) {
    t.it(`${label} reports an exhausted quota as code quota and stores nothing of the batch`, async () => {
      const buckets = (navigator as unknown as { storageBuckets?: BucketManager }).storageBuckets;
      if (buckets === undefined) throw new Error('this Chromium has no navigator.storageBuckets');
      const bucketName = freshName('quota')
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, '-');
      // Room for the first megabyte with IndexedDB's own overhead (a 2 MB bucket sometimes refused even that).
      const bucket = await buckets.open(bucketName, { quota: 8 * 1024 * 1024 });
      const store = open(bucket.indexedDB);
      try {
        await store.putBlobs([{ key: 'first', data: noise(1024 * 1024) }]);
        const error = await store
          .putBlobs([
            { key: 'a', data: noise(16 * 1024) },
            { key: 'b', data: noise(8 * 1024 * 1024) },
          ])
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        t.expect(isPipetraceError(error, 'quota')).toBe(true);
        t.expect(String((error as Error).message)).toContain('quota');
        const [a, b, first] = await store.getBlobs(['a', 'b', 'first']);
        t.expect([a, b]).toEqual([undefined, undefined]);
        t.expect(first?.length).toBe(1024 * 1024);
      } finally {
        await store.close();
        await buckets.delete(bucketName);
      }
    });
  }
}
