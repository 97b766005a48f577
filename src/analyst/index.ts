/**
 * pipetrace/analyst: run trace, staleness, review, history and row lineage off the main
 * thread (a Web Worker in browsers, worker_threads in Node, over comlink), or in-thread with
 * the same results. Browser-safe: no Node built-ins.
 *
 * How the worker gets the data: IndexedDB and fs-json stores are reopened in the worker by
 * name or folder (an HTTP store by url and token when you pass `source`); any other store is
 * copied once as a snapshot of a few transferred ArrayBuffers and copied again only after the
 * store reports a write (a store without `subscribe` is copied before every call).
 *
 * Snapshot semantics: a call in a worker reads the snapshot that was current when it started;
 * runs logged while it is in flight never change its answer, and the next call sees them. A
 * reopened store, and every in-thread call, reads the live store as it goes: each run is read
 * whole (runs are written atomically and never change their dependencies), but a run committed
 * mid-call may or may not be counted.
 */
export {
  type Analyst,
  type AnalystOptions,
  type AnalystQueries,
  type AnalystQuery,
  createAnalyst,
  type OrCall,
} from './analyst.js';
export type { NodeWorkerLike, WebWorkerLike, WorkerLike } from './connection.js';
export { decodeSnapshot, encodeSnapshot, loadSnapshot, type SnapshotRecords, snapshotBuffers } from './snapshot.js';
export { snapshotStore } from './snapshot-store.js';
export {
  ANALYST_METHODS,
  type AnalystDefaults,
  type AnalystMethod,
  type AnalystMethods,
  type AnalystProgress,
  type CallOptions,
  type JsonChunks,
  type StoreSnapshot,
  type StoreSource,
} from './types.js';
export { createWorkerApi, type WireError, type WireResult, type WorkerApi, type WorkerHost } from './worker-api.js';
