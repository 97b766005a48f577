/**
 * pipetrace/analyst: run trace, staleness, review, history and row lineage off the main
 * thread (a Web Worker in browsers, worker_threads in Node, over comlink), or in-thread with
 * the same results. Browser-safe: no Node built-ins.
 */
export { type Analyst, type AnalystOptions, createAnalyst } from './analyst.js';
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
