/** Public types of tasks: outputs, late feedback, windowed metrics and feedback rules. */

/** One output or feedback value: a number (regression), or a class as a string or boolean. */
export type TaskValue = number | string | boolean;

/** A batch of values: one type throughout (numbers, typed arrays, strings or booleans). */
export type TaskValues = ArrayLike<number> | readonly string[] | readonly boolean[];

/** A time: a Date, epoch milliseconds or an ISO 8601 string. */
export type TaskTime = Date | number | string;

export interface LogFeedbackOptions {
  /** When the values happened: one time for the batch, or one per id (default now). */
  at?: TaskTime | ArrayLike<number>;
}

export interface LogOutputsOptions extends LogFeedbackOptions {
  /** The pointer whose rows these outputs are (ids are its row keys), for feedback rules to flag. */
  pointer?: string;
}

export interface LogResult {
  task: string;
  /** Values stored. */
  logged: number;
}

export interface LogFeedbackResult extends LogResult {
  /** Feedback ids of this batch with no output yet: kept, they join when the output is logged. */
  unmatched: number;
  /** Up to 10 of them. */
  unmatchedIds: string[];
}

/** A metric by name, or a function of one window's joined values (null: no value). */
export type MetricName = 'mae' | 'rmse' | 'accuracy' | 'precision' | 'recall' | 'count';
export type MetricFunction = (outputs: TaskValue[], feedback: TaskValue[], ids: string[]) => number | null;

export interface TaskMetricsOptions {
  metric: MetricName | MetricFunction;
  /** The window: '15m', '6h', '1d', '1w' or milliseconds (default '1d'). Windows align to the epoch (UTC). */
  window?: string | number;
  /** Windows from here (inclusive); default the first window with data. */
  since?: TaskTime;
  /** Windows up to here (exclusive); default the end of the last window with data. */
  until?: TaskTime;
  /**
   * Which time places a joined pair in a window: 'feedback' (when the truth arrived, the
   * default: a closed window never changes) or 'output' (when the prediction was made).
   */
  by?: 'feedback' | 'output';
  /** The positive class for precision and recall (default true, or 1 for numbers). */
  positive?: TaskValue;
}

/** Metrics options as a query takes them (HTTP, a worker): the metric by name. */
export type TaskMetricsQuery = Omit<TaskMetricsOptions, 'metric'> & { metric: MetricName };

export interface TaskMetricPoint {
  /** The window's start and end (exclusive), ISO 8601. */
  start: string;
  end: string;
  /** null where the window has no joined pairs (or the metric is undefined there). */
  value: number | null;
  /** Joined (output, feedback) pairs in the window. */
  count: number;
}

export interface TaskMetrics {
  task: string;
  metric: string;
  window: string;
  windowMs: number;
  by: 'feedback' | 'output';
  points: TaskMetricPoint[];
  /** Distinct feedback ids with no output (yet): kept, not in any point. */
  unmatched: number;
}

/** A task as `tasks()` lists it. */
export interface TaskSummary {
  name: string;
  /** Output and feedback values logged (a value logged again for an id counts again). */
  outputs: number;
  feedback: number;
  outputBatches: number;
  feedbackBatches: number;
}

/**
 * Which joined predictions missed: |output - feedback| above a bound, output not equal to
 * feedback (a class), or a function of yours.
 */
export type FeedbackRule =
  | { absError: number }
  | { relError: number }
  | { wrongClass: true }
  | ((output: TaskValue, feedback: TaskValue, id: string) => boolean);

export interface FlagMissesOptions {
  /** Only pairs whose time (see `by`) lies in [since, until). */
  since?: TaskTime;
  until?: TaskTime;
  by?: 'feedback' | 'output';
}

export interface FlagMissesResult {
  task: string;
  /** Joined pairs the rule looked at, and those it called missed. */
  checked: number;
  missed: number;
  /** Rows flagged per prediction pointer (rows flagged now, including earlier flags). */
  pointers: { pointer: string; missed: number; flaggedRows: number }[];
  /** Missed outputs logged without a pointer: nothing to flag. */
  noPointer: number;
  /** Missed ids the pointer's row lineage never recorded: not flagged. */
  notInLineage: number;
}
