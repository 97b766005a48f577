/**
 * Row-level lineage: which input rows each output row came from, stored as compact hashed
 * chunks in any store's blobs, with backward traces, forward impact, row flags and a row
 * review. Browser-safe: no Node built-ins.
 */
export {
  CHUNK_ROWS,
  checkPairPointers,
  type HashedPair,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowLineageSpec,
  RowRecorder,
  writeRowLineage,
} from './capture.js';
export { readRowManifest } from './chunk-cache.js';
export {
  allFlaggedRows,
  type FlaggedRowCount,
  type FlaggedRows,
  flaggedRowCounts,
  flaggedRows,
  flagRows,
  unflagRows,
} from './flags.js';
export type { RegionSource } from './format/chunk-stream.js';
export type { PairManifest, RowLineageKind, RunRowsManifest } from './format/codec.js';
export {
  checkRowKey,
  hashKeyInto,
  hashKeys,
  MAX_KEY_DEPTH,
  MAX_KEY_PARTS,
  MAX_KEY_STRING,
  type RowKey,
  rowHash,
} from './format/keys.js';
export { impact } from './impact.js';
export { type RowReclaimOptions, type RowReclaimReport, reclaimRowChunks } from './reclaim.js';
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
