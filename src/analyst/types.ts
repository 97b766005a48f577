import type { StalenessOptions } from '../analysis/staleness.js';
import { QUERY_NAMES, type Queries, type QueryName } from '../queries.js';

/**
 * A store described so a worker can open it itself, without copying records across the
 * boundary. Everything here is structured-cloneable; a snapshot's buffers are transferred.
 */
export type StoreSource =
  /** An IndexedDB store (adapters/indexeddb) by database name, in the worker's own origin. */
  | { kind: 'indexeddb'; name: string }
  /** An fs-json store (adapters/fs-json) by folder; Node workers only. */
  | { kind: 'fs-json'; dir: string }
  /** An HTTP store (adapters/http) by base URL and token. */
  | { kind: 'http'; url: string; token?: string }
  /** A PostgreSQL store (adapters/postgres) by connection URL and schema; Node workers only. */
  | { kind: 'postgres'; url: string; schema?: string }
  /** A copy of any store as transferable buffers, rebuilt into a memory store in the worker. */
  | { kind: 'snapshot'; snapshot: StoreSnapshot };

/** JSON records in chunks: UTF-8 bytes, and where each chunk (one JSON array) ends. */
export interface JsonChunks {
  data: ArrayBuffer;
  /** Uint32 end offsets into `data`, one per chunk. */
  ends: ArrayBuffer;
}

/** A whole store as a handful of ArrayBuffers (transferred, never structured-cloned record by record). */
export interface StoreSnapshot {
  version: 1;
  runs: JsonChunks;
  components: JsonChunks;
  pointers: JsonChunks;
  /** Blob keys as JSON chunks; blob i is blobData[blobEnds[i-1] .. blobEnds[i]). */
  blobKeys: JsonChunks;
  /** Float64 end offsets into blobData. */
  blobEnds: ArrayBuffer;
  blobData: ArrayBuffer;
}

/** Progress of one analysis, as reads from the store so far. */
export interface AnalystProgress {
  method: AnalystMethod;
  /** 'reading' while the analysis reads the store; 'done' once, at the end. */
  phase: 'reading' | 'done';
  /** Store calls made so far. */
  reads: number;
  /** Records (runs, pointers, components, blobs) returned so far. */
  records: number;
  elapsedMs: number;
  where: 'worker' | 'in-thread';
}

/** Options every analyst method accepts beside its own. Neither crosses into the worker. */
export interface CallOptions {
  /** Abort: the call rejects with PipetraceError 'aborted' at once; a worker busy with it is stopped. */
  signal?: AbortSignal;
  /** Called with progress now and then (at most every 100 ms), and once when done. */
  onProgress?: (progress: AnalystProgress) => void;
}

/** The read-only analyses an analyst runs, in a worker or in-thread, with the same results: the facade's queries. */
export type AnalystMethods = Queries;

export type AnalystMethod = QueryName;

/** Every analysis an analyst runs (the query table's names). */
export const ANALYST_METHODS: readonly AnalystMethod[] = QUERY_NAMES;

/** Defaults the analyses use, the same in-thread and in the worker. */
export interface AnalystDefaults {
  staleness?: Omit<StalenessOptions, 'now'>;
}
