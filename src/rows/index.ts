/**
 * Row-level lineage: which input rows each output row came from, stored as compact hashed
 * chunks in any store's blobs, with backward traces, forward impact, row flags and a row
 * review. Browser-safe: no Node built-ins.
 */
export {
  CHUNK_ROWS,
  type HashedPair,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowLineageSpec,
  RowRecorder,
  readRowManifest,
  writeRowLineage,
} from './capture.js';
export type { PairManifest, RowLineageKind, RunRowsManifest } from './codec.js';
export { allFlaggedRows, type FlaggedRows, flaggedRows, flagRows, unflagRows } from './flags.js';
export { impact } from './impact.js';
export {
  checkRowKey,
  HASH_SEED_HI,
  HASH_SEED_LO,
  hashKeyInto,
  hashKeys,
  MAX_KEY_DEPTH,
  MAX_KEY_PARTS,
  MAX_KEY_STRING,
  type RowKey,
  rowHash,
} from './keys.js';
export {
  type RowReview,
  type RowReviewCandidate,
  type RowReviewMetric,
  type RowReviewOptions,
  reviewRows,
} from './review.js';
export {
  type RowRef,
  type RowStep,
  type RowStepInput,
  type RowTrace,
  type RowTraceOptions,
  traceRow,
} from './trace.js';
