import type { Component, Millis, PointerRecord, Run } from './model.js';
import type { RunColumns } from './run-columns.js';

/**
 * The position of a write in time, compared lexicographically as
 * (endedAt, startedAt, id). A run W can be an upstream dependency of a run R exactly when
 * writeKey(W) < (R.startedAt, R.startedAt, R.id): W finished no later than R started, and on
 * a tie of times the run ids decide. Since every such W also starts before R in
 * (startedAt, id) order, the dependency graph is a DAG by construction.
 */
export interface WriteKey {
  endedAt: Millis;
  startedAt: Millis;
  id: string;
}

/** A run that wrote a pointer, with the times that order it. */
export interface WriterRef extends WriteKey {
  component: string;
}

export interface WriterQuery {
  pointer: string;
  /** Exclusive upper bound; omit for the latest writer of all. */
  before?: WriteKey;
}

/**
 * The scan fields that keep the runs with a given value. Each has its check and its test of a
 * run in RUN_FILTERS (src/scan-plan.ts), which the compiler keeps in step with this list.
 */
export interface RunFilters {
  /** Only runs of this component. */
  component?: string;
  /** Only runs that read this pointer. */
  input?: string;
  /** Only runs that wrote this pointer. */
  output?: string;
}

/** Which runs to list. Results are ordered by (startedAt, id). Checked and planned by planRunScan. */
export interface RunScan extends RunFilters {
  /** Only runs with startedAt >= since. */
  since?: Millis;
  /** Only runs with startedAt < until. */
  until?: Millis;
  /** 'desc' (newest first, the default) or 'asc'. */
  order?: 'asc' | 'desc';
  /** Page size; adapters may cap it at MAX_SCAN_LIMIT. Default DEFAULT_SCAN_LIMIT. */
  limit?: number;
  /** The cursor a previous page returned; continues strictly after its last run. */
  cursor?: string;
}

export interface RunPage {
  runs: Run[];
  /** Present when more runs may follow; pass it back as `cursor` for the next page. */
  cursor?: string;
}

export const DEFAULT_SCAN_LIMIT = 100;
export const MAX_SCAN_LIMIT = 10_000;

/** A binary value under a key (row-lineage chunks and their manifests). */
export interface BlobRecord {
  key: string;
  data: Uint8Array;
}

export const MAX_BLOB_KEY_LENGTH = 1024;

/** What an adapter can do beyond the required contract. */
export interface StoreCapabilities {
  /** Survives the process ending (fs-json, IndexedDB, HTTP to a durable store). */
  durable: boolean;
  /** Several processes, tabs or clients may write at once without losing data. */
  concurrent: boolean;
  /** `subscribe` is implemented: listeners hear about writes as they happen. */
  live: boolean;
  /** Binary values (ArrayBuffer) are stored natively rather than encoded. */
  binary: boolean;
}

/** The synchronous twin of a store's run writes (see Store.sync). */
export interface SyncRunWrites {
  /**
   * The store these belong to. The core uses them only when `store.sync.store === store`, so a
   * wrapper that overrides putRuns or latestWriters (a spread copy, or Object.create) is never
   * bypassed: it gets the async calls.
   */
  readonly store: Store;
  putRuns(runs: readonly Run[]): void;
  latestWriters(queries: readonly WriterQuery[]): (WriterRef | undefined)[];
}

/** A write the store has committed, for live listeners. */
export type StoreChange =
  | { kind: 'runs'; ids: string[] }
  | { kind: 'components'; names: string[] }
  | { kind: 'pointers'; names: string[] }
  /** Changes may have been missed (a reconnect, a listener that fell behind): re-read what you show. */
  | { kind: 'resync' };

/**
 * The storage contract every adapter implements. It is batch-first: every write takes many
 * records and is atomic (all are stored or none), because the cost of a store is the number of
 * transactions or round trips, not the number of records. Records passed in have already been
 * validated by the core; adapters store them faithfully and return equal copies (mutating a
 * returned record must never change the store).
 */
export interface Store {
  /** A short name for messages, e.g. 'memory' or 'fs-json:/path'. */
  readonly kind: string;
  readonly capabilities: StoreCapabilities;

  /** Insert or replace runs by id, all in one atomic write. Replacing with an equal run is a no-op. */
  putRuns(runs: readonly Run[]): Promise<void>;
  /** Runs by id, in the order asked; undefined where there is none. */
  getRuns(ids: readonly string[]): Promise<(Run | undefined)[]>;
  /** A page of runs matching the filters, ordered by (startedAt, id), with stable cursors. */
  scanRuns(scan: RunScan): Promise<RunPage>;
  /**
   * For each query, the writer of `pointer` with the greatest WriteKey strictly below
   * `before` (or the greatest of all when `before` is omitted); undefined where none.
   */
  latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]>;

  /** Insert or replace components by name, atomically. */
  putComponents(components: readonly Component[]): Promise<void>;
  getComponents(names: readonly string[]): Promise<(Component | undefined)[]>;
  /** Every component, ordered by name. */
  scanComponents(): Promise<Component[]>;

  /** Insert or replace pointer records by name, atomically. */
  putPointers(pointers: readonly PointerRecord[]): Promise<void>;
  getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]>;
  /** Pointer records ordered by name; `flagged` filters on the flag. */
  scanPointers(filter?: { flagged?: boolean }): Promise<PointerRecord[]>;

  /**
   * Insert or replace binary blobs by key, atomically. Row lineage lives here, in compact
   * chunks. Keys are data, never paths: adapters must map any key safely (`../x`, `a/b`, NUL-free
   * unicode up to 1024 characters). The store keeps no reference to a blob's `data` once the
   * call has settled: row capture reuses those buffers for the next chunks.
   */
  putBlobs(blobs: readonly BlobRecord[]): Promise<void>;
  /** Blob contents by key, in the order asked; undefined where there is none. */
  getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * Optional: blob contents by key, one at a time in the order asked (undefined where there is
   * none), in memory the store may reuse: each is valid only until the next is asked for, and
   * must not be changed. For reads that keep nothing of what they read (a bulk row lookup over
   * a pair bigger than the chunk cache): no new buffer per blob. The core uses getBlobs where a
   * store has no readBlobs.
   */
  readBlobs?(keys: readonly string[]): AsyncIterable<Uint8Array | undefined>;
  /** Every key that starts with `prefix`, sorted. */
  listBlobs(prefix: string): Promise<string[]>;
  /**
   * Removes blobs by key, atomically; keys with no blob are ignored. Optional: the core uses it
   * where present to drop state it no longer needs (OpenLineage runs once they completed), and
   * otherwise leaves that state in place. Every adapter in pipetrace has it.
   */
  deleteBlobs?(keys: readonly string[]): Promise<void>;

  /**
   * Optional, for stores that answer within the same tick (the memory store): synchronous
   * versions of latestWriters and putRuns with exactly the same behaviour, results and errors
   * (thrown instead of rejected). The core logs runs through them without a promise per step,
   * which is most of what logging a run would otherwise cost.
   */
  readonly sync?: SyncRunWrites;

  /**
   * Optional, for stores that hold their runs in columns in this process (the memory store):
   * the runs read in place, so the run-level review at a million runs makes no Run object per
   * run. Reviews over other stores build the same columns from the runs they read.
   */
  readonly columns?: RunColumns;

  /** Present when capabilities.live: call listener after each committed write. Returns unsubscribe. */
  subscribe?(listener: (change: StoreChange) => void): () => void;

  /** Release files, connections and handles. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Compare two write keys: negative, zero or positive. */
export function compareWriteKeys(a: WriteKey, b: WriteKey): number {
  if (a.endedAt !== b.endedAt) return a.endedAt < b.endedAt ? -1 : 1;
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The bound under which a run's upstream writers lie (see WriteKey). */
export function dependencyBound(run: { startedAt: Millis; id: string }): WriteKey {
  return { endedAt: run.startedAt, startedAt: run.startedAt, id: run.id };
}

/** Compare runs in scan order, (startedAt, id) ascending. */
export function compareRunOrder(a: { startedAt: Millis; id: string }, b: { startedAt: Millis; id: string }): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
