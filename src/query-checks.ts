/**
 * The argument checkers of the read queries, one per entry of the query table (src/queries.ts).
 * They live apart from the table because they bring in every analysis's option checker, while a
 * page that only asks a server (the dashboard over HTTP) needs the table's wire forms alone.
 */
import { checkHistoryOptions, checkRecentLimit } from './analysis/history.js';
import { checkLatestRunsOptions } from './analysis/latest-runs.js';
import { checkReviewOptions } from './analysis/review.js';
import { checkStalenessOptions } from './analysis/staleness.js';
import { checkTraceOptions } from './analysis/trace.js';
import { checkChecksQuery } from './checks/query.js';
import { checkLabel, checkLabelledOptions } from './labels/labelled.js';
import { checkRetractionsOptions } from './labels/retract.js';
import { checkDriftOptions } from './monitor/drift.js';
import { checkMonitorOptions } from './monitor/monitor.js';
import type { QueryName } from './queries.js';
import { checkRowKey } from './rows/format/keys.js';
import { checkRowReviewOptions, checkRowTraceOptions } from './rows/query-options.js';
import { checkTarget } from './target.js';
import { checkMetricsOptions } from './task/metrics.js';
import { checkIdentifier, checkOptions, checkPointer, checkRunId } from './validate.js';

/** Checks a query's arguments as its method will, before any work (invalid_input naming the field). */
export type QueryCheck = (...args: unknown[]) => void;

/** traceRow and impact: a pointer, a row key and the walk's options. */
function rowWalk(pointer: unknown, key: unknown, options: unknown): void {
  checkPointer('pointer', pointer);
  checkRowKey('key', key);
  checkRowTraceOptions(options);
}

/** One checker per query; a query missing here fails to compile. */
export const QUERY_CHECKS: { readonly [K in QueryName]: QueryCheck } = {
  trace: (target, options) => {
    checkTarget(target);
    checkTraceOptions(options);
  },
  staleness: (target, options) => {
    checkTarget(target);
    checkStalenessOptions(options);
  },
  latestRuns: (options) => checkLatestRunsOptions(options),
  review: (options) => checkReviewOptions(options),
  reviewRows: (options) => checkRowReviewOptions(options),
  history: (component, options) => {
    checkIdentifier('component', component);
    checkHistoryOptions(options);
  },
  recent: (limit) => {
    if (limit !== undefined) checkRecentLimit(limit);
  },
  inspect: (id) => checkRunId('run id', id),
  flagged: () => {},
  components: (filter) => checkOptions<{ owner?: string; tag?: string }>('filter', filter, ['owner', 'tag']),
  tags: () => {},
  pointer: (name) => checkPointer('pointer', name),
  traceRow: rowWalk,
  impact: rowWalk,
  drift: (target, options) => {
    checkTarget(target);
    checkDriftOptions(options);
  },
  monitor: (options) => checkMonitorOptions(options),
  profile: (target, output) => {
    checkTarget(target);
    if (output !== undefined) checkPointer('output', output);
  },
  tasks: () => {},
  taskMetrics: (task, options) => {
    checkIdentifier('task', task);
    checkMetricsOptions(options, false);
  },
  checks: (query) => checkChecksQuery(query),
  labelled: (label, options) => {
    checkLabel('label', label);
    checkLabelledOptions(options);
  },
  retractions: (options) => checkRetractionsOptions(options),
  retraction: (label) => checkLabel('label', label),
  flaggedRowCounts: () => {},
};
