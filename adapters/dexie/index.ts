import Dexie, { liveQuery, type Observable, type Table } from 'dexie';
import { PipetraceError } from '../../src/errors.js';
import { Listeners } from '../../src/listeners.js';
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
import { indexedDbError } from '../indexeddb/errors.js';
import { planScan, writerRange } from '../indexeddb/scan.js';
import {
  blobBuffer,
  fromStoredPointer,
  fromStoredRun,
  prefixEnd,
  type StoredPointer,
  type StoredRun,
  toStoredPointer,
  toStoredRun,
} from '../indexeddb/schema.js';
import { changesIn } from './changes.js';
import {
  DEFAULT_PREFIX,
  DEXIE_INDEX,
  pipetraceTables,
  pipetraceTablesV1,
  type TableNames,
  tableNames,
  upgradePipetraceTables,
} from './schema.js';

export {
  DEXIE_SCHEMA_VERSION,
  pipetraceTables,
  pipetraceTablesV1,
  upgradePipetraceTables,
} from './schema.js';

export interface DexieStoreOptions {
  /**
   * Your app's Dexie instance. Its version declaration must include `...pipetraceTables(prefix)`;
   * pipetrace never changes your schema and never closes your database.
   */
  db?: Dexie;
  /** Without `db`: the name of a database of pipetrace's own. Default 'pipetrace-dexie'. */
  name?: string;
  /** With `db`: the prefix of pipetrace's table names. Default 'pipetrace_'. */
  prefix?: string;
  /** Without `db`: the IndexedDB factory, e.g. a storage bucket's `indexedDB`. Default: the global one. */
  indexedDB?: IDBFactory;
  /**
   * Without `db`: how long an upgrade waits for other connections (an older tab that does not
   * close) before failing with code 'unavailable'. Default 5000 ms. With `db`, your app decides.
   */
  blockedTimeout?: number;
}

/** A Dexie-backed store, plus Dexie live queries over it. */
export interface DexieStore extends Store {
  /** The Dexie database the store uses (yours, or its own). */
  readonly db: Dexie;
  /**
   * Re-runs `query` whenever a write (from this tab or another) touches what it read, as a Dexie
   * liveQuery observable: `store.live((s) => s.scanRuns({ limit: 20 })).subscribe(render)`.
   */
  live<T>(query: (store: Store) => Promise<T>): Observable<T>;
}

/**
 * A store in Dexie, for apps that already use it: either tables inside the app's own database
 * (declared with pipetraceTables()) or a separate database by name. Live: listeners hear about
 * committed writes from every tab, through Dexie's storage-mutation events.
 */
export function dexieStore(options: DexieStoreOptions = {}): DexieStore {
  if (options.db !== undefined) {
    if (!(options.db instanceof Dexie)) {
      throw new PipetraceError('invalid_input', 'db: must be a Dexie instance', { field: 'db' });
    }
    return new DexieBackedStore(options.db, tableNames(options.prefix ?? DEFAULT_PREFIX), false);
  }
  const name = options.name ?? 'pipetrace-dexie';
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    throw new PipetraceError('invalid_input', 'name: must be a non-empty string of at most 256 characters', {
      field: 'name',
    });
  }
  const db =
    options.indexedDB === undefined
      ? new Dexie(name)
      : new Dexie(name, { indexedDB: options.indexedDB, IDBKeyRange: globalThis.IDBKeyRange });
  db.version(1).stores(pipetraceTablesV1(''));
  db.version(2)
    .stores(pipetraceTables(''))
    .upgrade((tx) => upgradePipetraceTables(tx, ''));
  const store = new DexieBackedStore(db, tableNames(''), true);
  store.giveUpWhenBlocked(options.blockedTimeout ?? 5000);
  return store;
}

class DexieBackedStore implements DexieStore {
  readonly kind: string;
  readonly capabilities: StoreCapabilities = { durable: true, concurrent: true, live: true, binary: true };
  private closed = false;
  private verified = false;
  private gate: { promise: Promise<never>; reject(error: unknown): void } | undefined;
  private readonly listeners = new Listeners<StoreChange>();
  private readonly onMutated = (parts: Record<string, unknown>) => {
    if (this.closed) return;
    for (const change of changesIn(parts, this.db.name, this.t)) this.listeners.emit(change);
  };

  constructor(
    readonly db: Dexie,
    private readonly t: TableNames,
    private readonly owned: boolean,
  ) {
    this.kind = `dexie:${db.name}`;
  }

  /**
   * Fails the calls waiting for an open that other connections block for longer than `timeout`
   * ms (own database only). The open itself goes on, so a later call succeeds once they close.
   */
  giveUpWhenBlocked(timeout: number): void {
    this.db.on('blocked', () => {
      setTimeout(() => {
        if (this.db.isOpen() || this.closed) return;
        const gate = this.gate;
        this.gate = undefined;
        gate?.reject(
          new PipetraceError(
            'unavailable',
            `${this.kind}: upgrading the database is blocked by another connection (an older tab?) that does not close; close other tabs and retry`,
          ),
        );
      }, timeout);
    });
  }

  /** A Dexie promise that only ever rejects, when a blocked open is given up (Dexie keeps liveQuery zones). */
  private blockedGate(): Promise<never> {
    if (this.gate === undefined) {
      let reject: (error: unknown) => void = () => undefined;
      const promise = new Dexie.Promise<never>((_, r) => {
        reject = r;
      });
      promise.catch(() => undefined);
      this.gate = { promise, reject };
    }
    return this.gate.promise;
  }

  private table<T = unknown>(name: string): Table<T, IDBValidKey> {
    return this.db.table(name);
  }

  /** Throws when the (open) database lacks one of our tables. */
  private verify(): void {
    const present = new Set(this.db.tables.map((table) => table.name));
    const missing = Object.values(this.t).filter((name) => !present.has(name));
    if (missing.length > 0) {
      throw new PipetraceError(
        'invalid_input',
        `${this.kind}: the database has no table ${missing.join(', ')}; add ...pipetraceTables() to your db.version(n).stores({...}) declaration`,
        { field: 'db' },
      );
    }
    this.verified = true;
  }

  /**
   * One Dexie transaction; `body` issues only requests on its tables (no unrelated await). It
   * stays on Dexie promises until the reads are issued, so liveQuery sees what a query read.
   */
  private transact<T>(action: string, mode: 'r' | 'rw', tables: string[], body: () => PromiseLike<T>): Promise<T> {
    if (this.closed) return Promise.reject(new PipetraceError('unavailable', `${this.kind}: the store is closed`));
    const run = () => this.db.transaction(mode, tables, body);
    const pending = this.verified
      ? run()
      : Dexie.Promise.race([this.db.open(), this.blockedGate()]).then(() => {
          this.verify();
          return run();
        });
    return pending.catch((error: unknown) => {
      throw indexedDbError(error, this.kind, action);
    }) as Promise<T>;
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    if (runs.length === 0) return;
    const stored = runs.map(toStoredRun);
    await this.transact('putRuns', 'rw', [this.t.runs], () => this.table(this.t.runs).bulkPut(stored));
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    if (ids.length === 0) return [];
    const found = await this.transact('getRuns', 'r', [this.t.runs], () =>
      this.table<StoredRun>(this.t.runs).bulkGet(ids as string[]),
    );
    return found.map((r) => (r === undefined ? undefined : fromStoredRun(r)));
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    const plan = planScan(scan);
    const limit = plan.limit;
    if (plan.empty) return { runs: [] };
    const index = DEXIE_INDEX[plan.index] ?? '[startedAt+id]';
    const picked = await this.transact('scanRuns', 'r', [this.t.runs], () => {
      let collection = this.table<StoredRun>(this.t.runs)
        .where(index)
        .between(plan.lower, plan.upper, !plan.lowerOpen, !plan.upperOpen);
      if (plan.desc) collection = collection.reverse();
      const filter = plan.filter;
      if (filter !== undefined) collection = collection.filter((run) => filter(run));
      return collection.limit(limit + 1).toArray();
    });
    const runs = picked.slice(0, limit).map(fromStoredRun);
    return pageOf(runs, runs[runs.length - 1], picked.length > limit);
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    if (queries.length === 0) return [];
    const runs = this.table(this.t.runs);
    const found = await this.transact('latestWriters', 'r', [this.t.runs], () =>
      Promise.all(
        queries.map((query) => {
          const { lower, upper } = writerRange(query);
          return runs.where('_w').between(lower, upper, true, false).reverse().limit(1).keys();
        }),
      ),
    );
    return found.map((keys) => {
      const key = keys[0] as [string, number, number, string, string] | undefined;
      if (key === undefined) return undefined;
      const [, endedAt, startedAt, id, component] = key;
      return { id, component, startedAt, endedAt };
    });
  }

  async putComponents(components: readonly Component[]): Promise<void> {
    if (components.length === 0) return;
    await this.transact('putComponents', 'rw', [this.t.components], () =>
      this.table(this.t.components).bulkPut(components as Component[]),
    );
  }

  getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.transact('getComponents', 'r', [this.t.components], () =>
      this.table<Component>(this.t.components).bulkGet(names as string[]),
    );
  }

  scanComponents(): Promise<Component[]> {
    return this.transact('scanComponents', 'r', [this.t.components], () =>
      this.table<Component>(this.t.components).toArray(),
    );
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    if (pointers.length === 0) return;
    const stored = pointers.map(toStoredPointer);
    await this.transact('putPointers', 'rw', [this.t.pointers], () => this.table(this.t.pointers).bulkPut(stored));
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    if (names.length === 0) return [];
    const found = await this.transact('getPointers', 'r', [this.t.pointers], () =>
      this.table<StoredPointer>(this.t.pointers).bulkGet(names as string[]),
    );
    return found.map((p) => (p === undefined ? undefined : fromStoredPointer(p)));
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    const table = this.table<StoredPointer>(this.t.pointers);
    const all = await this.transact('scanPointers', 'r', [this.t.pointers], () =>
      filter.flagged === true ? table.where('_f').equals(1).toArray() : table.toArray(),
    );
    return (filter.flagged === false ? all.filter((p) => !p.flagged) : all).map(fromStoredPointer);
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    if (blobs.length === 0) return;
    const values = blobs.map((b) => blobBuffer(b.data));
    const keys = blobs.map((b) => b.key);
    await this.transact('putBlobs', 'rw', [this.t.blobs], () => this.table(this.t.blobs).bulkPut(values, keys));
  }

  async deleteBlobs(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.transact('deleteBlobs', 'rw', [this.t.blobs], () =>
      this.table(this.t.blobs).bulkDelete(keys as string[]),
    );
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const found = await this.transact('getBlobs', 'r', [this.t.blobs], () =>
      this.table<ArrayBuffer>(this.t.blobs).bulkGet(keys as string[]),
    );
    return found.map((b) => (b === undefined ? undefined : new Uint8Array(b)));
  }

  async listBlobs(prefix: string): Promise<string[]> {
    const end = prefixEnd(prefix);
    const keys = await this.transact('listBlobs', 'r', [this.t.blobs], () => {
      const where = this.table(this.t.blobs).where(':id');
      return (end === undefined ? where.aboveOrEqual(prefix) : where.between(prefix, end, true, false)).primaryKeys();
    });
    return keys as string[];
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    const first = this.listeners.size === 0;
    const remove = this.listeners.add(listener);
    if (first) Dexie.on('storagemutated', this.onMutated);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      if (this.listeners.size === 0) Dexie.on('storagemutated').unsubscribe(this.onMutated);
    };
  }

  live<T>(query: (store: Store) => Promise<T>): Observable<T> {
    return liveQuery(() => query(this));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.listeners.size > 0) Dexie.on('storagemutated').unsubscribe(this.onMutated);
    this.listeners.clear();
    // An app's own database stays open for the app.
    if (this.owned) this.db.close();
  }
}
