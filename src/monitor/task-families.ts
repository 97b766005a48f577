/**
 * The task families of the metrics (metric-families.ts): outputs and feedback logged, feedback
 * still waiting for its output, and each task metric over the last complete time window.
 */
import { invalid, isPipetraceError } from '../errors.js';
import type { Pipetrace } from '../pipetrace.js';
import { checkMetricsOptions, METRIC_NAMES, metricPoints } from '../task/metrics.js';
import type { MetricName, TaskValue } from '../task/types.js';
import { parseWindow } from '../task/window.js';
import { checkOptions, describe } from '../validate.js';
import type { MetricFamilyDef, MetricSeries } from './metric-types.js';

export interface TaskFamilyOptions {
  /** Metrics to expose where they fit the task's values (default: all that fit; see TASK_METRICS_BY_TYPE). */
  metrics?: MetricName[];
  /** Windows, as task metrics take them (default ['1h', '1d']). */
  windows?: (string | number)[];
}

export const DEFAULT_TASK_WINDOWS = ['1h', '1d'] as const;

/** Which metrics fit a task, by the type of its outputs (a task with no joined pair yet: count only). */
export const TASK_METRICS_BY_TYPE: Readonly<Record<'number' | 'boolean' | 'string' | 'none', readonly MetricName[]>> = {
  number: ['count', 'mae', 'rmse'],
  boolean: ['count', 'accuracy', 'precision', 'recall'],
  // Precision and recall need the positive class named, which a scrape cannot know.
  string: ['count', 'accuracy'],
  none: ['count'],
};

const def = (
  name: string,
  type: MetricFamilyDef['type'],
  labelNames: readonly string[],
  fold: MetricFamilyDef['fold'],
  help: string,
): MetricFamilyDef => ({ name, type, labelNames, fold, help });

export const TASK_FAMILY_DEFS = {
  outputs: def('pipetrace_task_outputs_total', 'counter', ['task'], 'sum', 'Output values logged, per task.'),
  feedback: def('pipetrace_task_feedback_total', 'counter', ['task'], 'sum', 'Feedback values logged, per task.'),
  unmatched: def(
    'pipetrace_task_unmatched_feedback',
    'gauge',
    ['task'],
    'sum',
    'Feedback ids with no output logged (yet), per task: kept, and joined once the output comes.',
  ),
  metric: def(
    'pipetrace_task_metric',
    'gauge',
    ['task', 'metric', 'window'],
    'max',
    'A task metric over the last complete window (by feedback time), per task, metric and window.',
  ),
} satisfies Record<string, MetricFamilyDef>;

export function checkTaskFamilyOptions(options: unknown): TaskFamilyOptions {
  const o = checkOptions<TaskFamilyOptions>('options.tasks', options, ['metrics', 'windows']);
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics))
      throw invalid('options.tasks.metrics', `must be an array, got ${describe(o.metrics)}`);
    for (const m of o.metrics)
      if (!(METRIC_NAMES as readonly unknown[]).includes(m))
        throw invalid('options.tasks.metrics', `must hold ${METRIC_NAMES.join(', ')}, got ${describe(m)}`);
  }
  if (o.windows !== undefined) {
    if (!Array.isArray(o.windows) || o.windows.length === 0)
      throw invalid('options.tasks.windows', `must be a non-empty array, got ${describe(o.windows)}`);
    for (const w of o.windows) parseWindow(w);
  }
  return o;
}

const typeOf = (value: TaskValue | undefined): keyof typeof TASK_METRICS_BY_TYPE =>
  value === undefined ? 'none' : (typeof value as 'number' | 'boolean' | 'string');

/**
 * A metric the task's values do not fit after all (feedback of another type than the first
 * output, say) has no series, rather than failing the whole scrape; `taskMetrics` says why.
 */
function pointOrSkip<T>(point: () => T): T | undefined {
  try {
    return point();
  } catch (error) {
    if (isPipetraceError(error) && error.code === 'invalid_input') return undefined;
    throw error;
  }
}

/** The task families' series, by family name, as of `now`. */
export async function collectTaskFamilies(
  pt: Pipetrace,
  options: TaskFamilyOptions,
  now: number,
): Promise<Map<string, MetricSeries[]>> {
  const f = TASK_FAMILY_DEFS;
  const out = new Map<string, MetricSeries[]>(Object.values(f).map((d) => [d.name, []]));
  const push = (d: MetricFamilyDef, labels: Record<string, string>, value: number) =>
    out.get(d.name)?.push({ labels, value });
  const windows = (options.windows ?? DEFAULT_TASK_WINDOWS).map(parseWindow);
  for (const summary of await pt.tasks()) {
    const task = summary.name;
    push(f.outputs, { task }, summary.outputs);
    push(f.feedback, { task }, summary.feedback);
    // One join per task serves every metric and window.
    const pairs = await pt.task(task).join();
    push(f.unmatched, { task }, pairs.unmatched);
    const fits = TASK_METRICS_BY_TYPE[typeOf(pairs.outputs[0])];
    const metrics = options.metrics === undefined ? fits : fits.filter((m) => options.metrics?.includes(m));
    for (const metric of metrics) {
      for (const window of windows) {
        // The last window that has ended: its value no longer changes (feedback time places a pair).
        const until = Math.floor(now / window.ms) * window.ms;
        const checked = checkMetricsOptions({ metric, window: window.ms, since: until - window.ms, until });
        const point = pointOrSkip(() => metricPoints(task, pairs, checked)[0]);
        if (point?.value !== null && point?.value !== undefined)
          push(f.metric, { task, metric, window: window.text }, point.value);
      }
    }
  }
  return out;
}
