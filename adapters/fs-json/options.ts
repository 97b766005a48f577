/** The fs-json store's options and interface (a file of their own: index.ts and store.ts both use them). */
import type { Store } from '../../src/store.js';
import type { CompactOptions, CompactReport } from './compact.js';
import type { Problem } from './format.js';

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
  readBlobs(keys: readonly string[]): AsyncIterable<Uint8Array | undefined>;
  /** Folds the segments no live writer holds into one, dropping dead records and orphaned files. */
  compact(options?: CompactOptions): Promise<CompactReport>;
}
