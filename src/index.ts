export type { HistoryOptions } from './analysis/history.js';
export type { ComponentCandidate, FlaggedOutput, Review, ReviewOptions, RunCandidate } from './analysis/review.js';
export {
  type Evidence,
  type RankedGroup,
  REVIEW_METHODS,
  type ReviewMethod,
  spectrumScore,
} from './analysis/spectrum.js';
export type { Staleness, StalenessOptions, StaleReason } from './analysis/staleness.js';
export type { Trace, TraceEdge, TraceNode, TraceOptions } from './analysis/trace.js';
export type { ComponentInput } from './components.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { type ErrorCode, isPipetraceError, PipetraceError } from './errors.js';
export { type LineageEdge, type LineageNode, lineageGraph, pointerNode, runNode } from './graph.js';
export { uuidv7 } from './ids.js';
export type * from './model.js';
export type { ColumnDrift, ColumnStatus, ColumnSummary, CompareOptions, DriftMeasure } from './monitor/compare.js';
export type {
  DriftOptions,
  DriftReference,
  DriftReport,
  OutputDrift,
  ProfileSummary,
  ReferenceRef,
  RunRef,
} from './monitor/drift.js';
export type { MonitorOptions, MonitorReport, MonitorStep } from './monitor/monitor.js';
export type { ProfileData } from './monitor/profile.js';
export type { PipetraceOptions, StartRunOptions } from './pipetrace.js';
export { createPipetrace, Pipetrace } from './pipetrace.js';
export { inferPointerType } from './pointers.js';
export { QUERY_NAMES, type Queries, type QueryArgs, type QueryName, type QueryResult } from './queries.js';
export {
  checkRowKey,
  type FlaggedRows,
  hashKeys,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowKey,
  type RowLineageSpec,
  RowRecorder,
  type RowRef,
  type RowReview,
  type RowReviewCandidate,
  type RowReviewMetric,
  type RowReviewOptions,
  type RowStep,
  type RowTrace,
  type RowTraceOptions,
  rowHash,
} from './rows/index.js';
export type { RowLineage } from './run-handle.js';
export { type RunEnd, RunHandle } from './run-handle.js';
export type { RunInput } from './run-input.js';
export { checkRunScan, planRunScan, RUN_FILTER_FIELDS, type RunScanPlan } from './scan-plan.js';
export type * from './store.js';
export { compareRunOrder, compareWriteKeys, DEFAULT_SCAN_LIMIT, dependencyBound, MAX_SCAN_LIMIT } from './store.js';
export type { ResolvedTarget, Target } from './target.js';
export { checkRun } from './validate.js';
export type { InputSelector, OutputSelector, WrapOptions } from './wrap.js';
