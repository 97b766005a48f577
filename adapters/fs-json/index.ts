/**
 * pipetrace/adapters/fs-json: a store in a folder of human-readable JSON, for Node.
 *
 *   import { fsJsonStore } from 'pipetrace/adapters/fs-json';
 *   const store = await fsJsonStore({ dir: '.pipetrace' });
 *
 * Layout (all paths relative to `dir`):
 *   pipetrace.json            format marker: {"format":"pipetrace-fs-json","version":1}
 *   segments/<name>.ndjson    append-only logs, one per writing process at a time; one JSON
 *                             record per line and a commit line after each write
 *   segments/<name>.lock      held by the process appending to that segment
 *   blobs/<xx>/<sha256(key)>.<nonce>.bin   blob bytes; the key lives only in the segment line
 *                             (<xx>: the hash's first two digits, of the first key a putBlobs writes)
 *   index.ndjson              a rebuildable cache of the segments, so that opening is fast
 *   changes                   one byte appended per commit: a cheap "anything new?" check
 */
import { invalid } from '../../src/errors.js';
import type { Store } from '../../src/store.js';
import type { Problem } from './format.js';

export type { Problem } from './format.js';

import type { CompactOptions, CompactReport } from './compact.js';
import { FsJsonStoreImpl } from './store.js';

export {
  type CompactOptions,
  type CompactReport,
  type CompactStep,
  compactFsStore,
  DEFAULT_COMPACT_GRACE_MS,
} from './compact.js';
export { DEFAULT_COMPACT_MIN_BYTES, DEFAULT_COMPACT_RATIO } from './compact-auto.js';

/** A record that could not be read: which file, which line (1-based; 0 for a whole file), why. */
export type FsJsonProblem = Problem;

export interface FsJsonOptions {
  /** The store folder; created when missing. */
  dir: string;
  /**
   * Called for each torn or corrupt record found (it is skipped, the rest loads).
   * Default: console.warn with file and line.
   */
  onCorrupt?: (problem: FsJsonProblem) => void;
  /** fsync every write before it is acknowledged (default true). False trades crash safety for speed. */
  durable?: boolean;
  /** On close, rewrite the index when at least this many records are not in it yet (default 1000). */
  indexAfter?: number;
  /** Start a new segment once the current one reaches this size (default 64 MiB). */
  segmentMaxBytes?: number;
  /**
   * Compact on close when at least this share of the segment bytes is dead (replaced or deleted
   * records), as estimated when the index is rewritten (default 0.5); false never compacts
   * automatically. See `compactFsStore`.
   */
  compactRatio?: number | false;
  /** ... and the segments hold at least this many bytes (default 16 MiB). */
  compactMinBytes?: number;
}

/** The fs-json store: the Store contract plus what a folder on disk can tell. */
export interface FsJsonStore extends Store {
  /** The store folder. */
  readonly dir: string;
  /** Every torn or corrupt record found so far (the first 1000). */
  problems(): FsJsonProblem[];
  /** Rewrites the index now, so the next open reads less (close does it when worthwhile). */
  checkpoint(): Promise<void>;
  deleteBlobs(keys: readonly string[]): Promise<void>;
  /** Folds the segments no live writer holds into one, dropping dead records and orphaned files. */
  compact(options?: CompactOptions): Promise<CompactReport>;
}

/**
 * Opens (or creates) a store in `options.dir`. Several processes may open the same folder and
 * write at once: each appends to a segment it has locked, and every query first checks, with one
 * fstat, whether anyone committed something new. A write is acknowledged only after fsync.
 * All file I/O is asynchronous: a server over the store keeps serving while one request reads.
 */
export async function fsJsonStore(options: FsJsonOptions): Promise<FsJsonStore> {
  if (typeof options?.dir !== 'string' || options.dir === '' || options.dir.includes('\u0000')) {
    throw invalid('dir', 'must be a non-empty path without NUL');
  }
  return FsJsonStoreImpl.open(options);
}
