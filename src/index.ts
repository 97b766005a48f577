export type { ReviewCandidate } from './analysis/candidate.js';
export type { HistoryOptions } from './analysis/history.js';
export type { LatestRun, LatestRunsOptions } from './analysis/latest-runs.js';
export type { RankedCandidate } from './analysis/ranking.js';
export type { ComponentCandidate, FlaggedOutput, Review, ReviewOptions, RunCandidate } from './analysis/review.js';
export {
  type Evidence,
  type RankedGroup,
  REVIEW_METHODS,
  type ReviewMethod,
  spectrumScore,
} from './analysis/spectrum.js';
export type { Staleness, StalenessOptions, StaleReason } from './analysis/staleness.js';
export type { RunHead, Trace, TraceEdge, TraceHeads, TraceNode, TraceOptions } from './analysis/trace.js';
export {
  type Check,
  type CheckFn,
  type ChecksOption,
  type CheckVerdict,
  fail,
  type OnFail,
  pass,
} from './checks/declare.js';
export { CheckFailedError } from './checks/failed.js';
export type { CheckEntry, CheckHistory, ChecksQuery } from './checks/query.js';
export type { ComponentInput } from './components.js';
export {
  COPY_CHECKPOINT_PREFIX,
  type CopyOptions,
  type CopyPhase,
  type CopyProgress,
  type CopyResult,
  copyStore,
} from './copy.js';
export { decodeCursor, encodeCursor, type ScanPosition } from './cursor.js';
export { type ErrorCode, isPipetraceError, PipetraceError } from './errors.js';
export { type LineageEdge, type LineageGraph, type LineageNode, lineageGraph, pointerNode, runNode } from './graph.js';
export { uuidv7 } from './ids.js';
export type {
  Labelled,
  LabelledOptions,
  LabelledOutput,
  LabelOptions,
  LabelSource,
  LabelSummary,
  RebuildStep,
  Retraction,
  RetractionItem,
  RetractionItemKind,
  RetractionReport,
  RetractionViolation,
} from './labels/index.js';
export type * from './model.js';
export type { CategoricalColumn, ColumnProfile, ColumnType, EmptyColumn, NumericColumn } from './monitor/column.js';
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
export type { HyperLogLog } from './monitor/hyperloglog.js';
export type { KllSketch } from './monitor/kll.js';
export type { MonitorOptions, MonitorReport, MonitorStep } from './monitor/monitor.js';
export type { Profile, ProfileData, ProfileOrigin } from './monitor/profile.js';
export type { HeavyHitter, SpaceSaving } from './monitor/space-saving.js';
export type { PipetraceOptions, StartRunOptions } from './pipetrace.js';
export { createPipetrace, Pipetrace } from './pipetrace.js';
export { inferPointerType } from './pointers.js';
export { QUERY_NAMES, type Queries, type QueryArgs, type QueryName, type QueryResult } from './queries.js';
export type { RegionSource } from './rows/format/chunk-stream.js';
export type { RowLineageKind } from './rows/format/codec.js';
export type { HashedPair } from './rows/index.js';
export {
  checkRowKey,
  type FlaggedRowCount,
  type FlaggedRows,
  hashKeys,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowKey,
  type RowLineageSpec,
  type RowReclaimOptions,
  type RowReclaimReport,
  RowRecorder,
  type RowRef,
  type RowReview,
  type RowReviewCandidate,
  type RowReviewMetric,
  type RowReviewOptions,
  type RowStep,
  type RowTrace,
  type RowTraceOptions,
  reclaimRowChunks,
  rowHash,
} from './rows/index.js';
export type { RowStepInput } from './rows/trace.js';
export type { RunColumns } from './run-columns.js';
export type { RowLineage, RunSink } from './run-handle.js';
export { type RunEnd, RunHandle } from './run-handle.js';
export type { RunInput } from './run-input.js';
export {
  checkRunScan,
  type FilterableRun,
  planRunScan,
  RUN_FILTER_FIELDS,
  type RunFilterField,
  type RunScanPlan,
  type ScanBound,
  type ScanCondition,
} from './scan-plan.js';
export type * from './store.js';
export { compareRunOrder, compareWriteKeys, DEFAULT_SCAN_LIMIT, dependencyBound, MAX_SCAN_LIMIT } from './store.js';
export type { ResolvedTarget, Target } from './target.js';
export type { JoinedPairs } from './task/join.js';
export type { CheckedMetricsOptions } from './task/metrics.js';
export { Task } from './task/task.js';
export type * from './task/types.js';
export { checkRun } from './validate-run.js';
export type { InputSelector, OutputSelector, WrapOptions } from './wrap.js';
