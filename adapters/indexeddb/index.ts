import { type IDBPDatabase, type IDBPTransaction, unwrap } from 'idb';
import { PipetraceError } from '../../src/errors.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import { pageOf } from '../../src/scan-plan.js';
import type {
  BlobRecord,
  RunPage,
  RunScan,
  Store,
  StoreCapabilities,
  StoreChange,
  WriterQuery,
  WriterRef,
} from '../../src/store.js';
import { indexedDbError } from './errors.js';
import { ChangeFeed } from './live.js';
import { openDatabase } from './open.js';
import { planScan, writerRange } from './scan.js';
import {
  BLOBS,
  BY_WRITE,
  blobBuffer,
  COMPONENTS,
  FLAGGED,
  fromStoredPointer,
  fromStoredRun,
  POINTERS,
  prefixEnd,
  RUNS,
  SCHEMA_VERSION,
  type StoredPointer,
  type StoredRun,
  toStoredPointer,
  toStoredRun,
} from './schema.js';

export { SCHEMA_VERSION } from './schema.js';

export interface IndexedDbStoreOptions {
  /** The database name. Default 'pipetrace'. */
  name?: string;
  /**
   * How long an upgrade waits for other connections (an older tab that does not close) before
   * failing with code 'unavailable'. Default 5000 ms.
   */
  blockedTimeout?: number;
  /**
   * The IndexedDB factory to use. Default: the global `indexedDB`. Pass a storage bucket's
   * (`(await navigator.storageBuckets.open('pipetrace', { quota })).indexedDB`) to give
   * pipetrace its own quota and eviction policy.
   */
  indexedDB?: IDBFactory;
}

/**
 * The browser's embedded store: IndexedDB through idb. Every batch is one transaction; runs are
 * indexed by start, component, input, output and write order, so scans and dependency lookups
 * read only what they return. Live: listeners hear about writes from this tab and, through a
 * BroadcastChannel, from other tabs and workers.
 */
export function indexedDbStore(options: IndexedDbStoreOptions = {}): Store {
  const name = options.name ?? 'pipetrace';
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    throw new PipetraceError('invalid_input', 'name: must be a non-empty string of at most 256 characters', {
      field: 'name',
    });
  }
  const factory = options.indexedDB ?? (typeof indexedDB === 'undefined' ? undefined : indexedDB);
  if (factory === undefined) {
    throw new PipetraceError('unavailable', 'indexedDbStore: this environment has no IndexedDB');
  }
  return new IndexedDbStore(name, options.blockedTimeout ?? 5000, factory);
}

type Db = IDBPDatabase<unknown>;
type Tx = IDBPTransaction<unknown, string[], IDBTransactionMode>;

class IndexedDbStore implements Store {
  readonly kind: string;
  readonly capabilities: StoreCapabilities = { durable: true, concurrent: true, live: true, binary: true };
  private connection: Promise<Db> | undefined;
  private closed = false;
  private readonly feed: ChangeFeed;

  constructor(
    private readonly name: string,
    private readonly blockedTimeout: number,
    private readonly factory: IDBFactory,
  ) {
    this.kind = `indexeddb:${name}`;
    this.feed = new ChangeFeed(`pipetrace:${name}`);
  }

  /** The open connection, opening (or reopening after another tab's upgrade) on first use. */
  private database(): Promise<Db> {
    if (this.closed) return Promise.reject(new PipetraceError('unavailable', `${this.kind}: the store is closed`));
    this.connection ??= this.open();
    return this.connection;
  }

  private open(): Promise<Db> {
    let gaveUp = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forget = () => {
      if (this.connection === attempt) this.connection = undefined;
    };
    const attempt = new Promise<Db>((resolve, reject) => {
      openDatabase(this.factory, this.name, SCHEMA_VERSION, {
        blocked: () => {
          timer ??= setTimeout(() => {
            gaveUp = true;
            forget();
            reject(
              new PipetraceError(
                'unavailable',
                `${this.kind}: upgrading the database is blocked by another connection (an older tab?) that does not close; close other tabs and retry`,
              ),
            );
          }, this.blockedTimeout);
        },
        // Another tab upgrades or deletes the database: step aside and reopen on next use.
        blocking: (opened) => {
          opened.close();
          forget();
        },
        terminated: forget,
      }).then(
        (opened) => {
          clearTimeout(timer);
          if (gaveUp || this.closed) opened.close();
          else resolve(opened);
        },
        (error: unknown) => {
          clearTimeout(timer);
          forget();
          reject(indexedDbError(error, this.kind, 'opening the database'));
        },
      );
    });
    return attempt;
  }

  /**
   * Runs `body` in one transaction. `body` must only issue requests on `tx` (no unrelated await:
   * the transaction would commit under it). A connection closed by another tab is reopened once.
   */
  private async transact<T>(
    action: string,
    stores: string[],
    mode: IDBTransactionMode,
    body: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const db = await this.database();
      let tx: Tx;
      try {
        tx = db.transaction(stores, mode);
      } catch (error) {
        if (attempt === 0 && (error as { name?: string }).name === 'InvalidStateError' && !this.closed) {
          if (this.connection !== undefined && (await this.connection) === db) this.connection = undefined;
          continue;
        }
        throw indexedDbError(error, this.kind, action);
      }
      // The outcome reaches the caller through body; this only keeps an abort from going unhandled.
      tx.done.catch(() => undefined);
      try {
        return await body(tx);
      } catch (error) {
        try {
          tx.abort();
        } catch {
          // Already finished or aborted.
        }
        throw indexedDbError(error, this.kind, action);
      }
    }
  }

  /** Puts every value with plain requests (no promise per record), then waits for the commit. */
  private async write<V>(
    action: string,
    store: string,
    values: readonly V[],
    put: (raw: IDBObjectStore, value: V) => void,
    change: StoreChange | undefined,
  ): Promise<void> {
    if (values.length === 0) return;
    await this.transact(action, [store], 'readwrite', async (tx) => {
      const raw = unwrap(tx.objectStore(store));
      for (const value of values) put(raw, value);
      await tx.done;
    });
    if (change !== undefined) this.feed.emit(change);
  }

  putRuns(runs: readonly Run[]): Promise<void> {
    return this.write('putRuns', RUNS, runs, (s, r) => s.put(toStoredRun(r)), {
      kind: 'runs',
      ids: runs.map((r) => r.id),
    });
  }

  getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.transact('getRuns', [RUNS], 'readonly', async (tx) => {
      const store = tx.objectStore(RUNS);
      const found = (await Promise.all(ids.map((id) => store.get(id)))) as (StoredRun | undefined)[];
      return found.map((r) => (r === undefined ? undefined : fromStoredRun(r)));
    });
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    const plan = planScan(scan);
    const limit = plan.limit;
    if (plan.empty) return { runs: [] };
    // The plan checked the bounds and ruled out an empty range, so bound() cannot throw.
    const range = IDBKeyRange.bound(plan.lower, plan.upper, plan.lowerOpen, plan.upperOpen);
    return this.transact('scanRuns', [RUNS], 'readonly', async (tx) => {
      const index = tx.objectStore(RUNS).index(plan.index);
      let picked: StoredRun[];
      if (!plan.desc && plan.filter === undefined) {
        picked = (await index.getAll(range, limit + 1)) as StoredRun[];
      } else {
        picked = [];
        let cursor = await index.openCursor(range, plan.desc ? 'prev' : 'next');
        while (cursor !== null && picked.length <= limit) {
          const run = cursor.value as StoredRun;
          if (plan.filter === undefined || plan.filter(run)) picked.push(run);
          if (picked.length > limit) break;
          cursor = await cursor.continue();
        }
      }
      const runs = picked.slice(0, limit).map(fromStoredRun);
      return pageOf(runs, runs[runs.length - 1], picked.length > limit);
    });
  }

  latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    if (queries.length === 0) return Promise.resolve([]);
    return this.transact('latestWriters', [RUNS], 'readonly', async (tx) => {
      const index = tx.objectStore(RUNS).index(BY_WRITE);
      return Promise.all(
        queries.map(async (query) => {
          const { lower, upper } = writerRange(query);
          const cursor = await index.openKeyCursor(IDBKeyRange.bound(lower, upper, false, true), 'prev');
          if (cursor === null) return undefined;
          const [, endedAt, startedAt, id, component] = cursor.key as [string, number, number, string, string];
          return { id, component, startedAt, endedAt };
        }),
      );
    });
  }

  putComponents(components: readonly Component[]): Promise<void> {
    return this.write('putComponents', COMPONENTS, components, (s, c) => s.put(c), {
      kind: 'components',
      names: components.map((c) => c.name),
    });
  }

  getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    return this.getMany('getComponents', COMPONENTS, names) as Promise<(Component | undefined)[]>;
  }

  scanComponents(): Promise<Component[]> {
    return this.transact('scanComponents', [COMPONENTS], 'readonly', (tx) => tx.objectStore(COMPONENTS).getAll());
  }

  putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    return this.write('putPointers', POINTERS, pointers, (s, p) => s.put(toStoredPointer(p)), {
      kind: 'pointers',
      names: pointers.map((p) => p.name),
    });
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    const found = (await this.getMany('getPointers', POINTERS, names)) as (StoredPointer | undefined)[];
    return found.map((p) => (p === undefined ? undefined : fromStoredPointer(p)));
  }

  scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    return this.transact('scanPointers', [POINTERS], 'readonly', async (tx) => {
      const store = tx.objectStore(POINTERS);
      // Flagged pointers are few: the sparse index reads only them.
      const all = (await (filter.flagged === true ? store.index(FLAGGED).getAll() : store.getAll())) as StoredPointer[];
      const kept = filter.flagged === false ? all.filter((p) => !p.flagged) : all;
      return kept.map(fromStoredPointer);
    });
  }

  putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    return this.write('putBlobs', BLOBS, blobs, (s, b) => s.put(blobBuffer(b.data), b.key), undefined);
  }

  deleteBlobs(keys: readonly string[]): Promise<void> {
    return this.write('deleteBlobs', BLOBS, keys, (s, key) => s.delete(key), undefined);
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const found = (await this.getMany('getBlobs', BLOBS, keys)) as (ArrayBuffer | undefined)[];
    return found.map((b) => (b === undefined ? undefined : new Uint8Array(b)));
  }

  listBlobs(prefix: string): Promise<string[]> {
    const end = prefixEnd(prefix);
    const range = end === undefined ? IDBKeyRange.lowerBound(prefix) : IDBKeyRange.bound(prefix, end, false, true);
    return this.transact('listBlobs', [BLOBS], 'readonly', async (tx) => {
      return (await tx.objectStore(BLOBS).getAllKeys(range)) as string[];
    });
  }

  private getMany(action: string, store: string, keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.transact(action, [store], 'readonly', (tx) => {
      const s = tx.objectStore(store);
      return Promise.all(keys.map((k) => s.get(k)));
    });
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.feed.close();
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) (await connection.catch(() => undefined))?.close();
  }
}
