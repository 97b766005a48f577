/** A run's light reference in the fs-json index (its own file, so that the column modules need not import run-refs.ts). */
import type { IndexedRun } from '../../src/run-index.js';

/** Where a run's line is, and the fields that order and filter it. */
export interface RunRef extends IndexedRun {
  /** Segment number in this process's segment table. */
  seg: number;
  off: number;
  len: number;
  line: number;
  /** Commit time of the batch that wrote it: decides between two writes of one id. */
  at: number;
}
