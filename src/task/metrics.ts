/** Windowed metrics over a task's joined pairs: by name (MAE, RMSE, accuracy, precision, recall, count) or a function. */
import { invalid, PipetraceError } from '../errors.js';
import { checkOptions, checkTime, describe } from '../validate.js';
import type { JoinedPairs } from './join.js';
import type { MetricFunction, MetricName, TaskMetricPoint, TaskMetricsOptions, TaskValue } from './types.js';
import { parseWindow, windowRange } from './window.js';

export const METRIC_NAMES: readonly MetricName[] = ['mae', 'rmse', 'accuracy', 'precision', 'recall', 'count'];

export interface CheckedMetricsOptions {
  metric: MetricName | MetricFunction;
  metricName: string;
  window: { text: string; ms: number };
  since?: number;
  until?: number;
  by: 'feedback' | 'output';
  positive?: TaskValue;
}

/** Checks metrics options; a function metric only where `functions` (not over HTTP or a worker). */
export function checkMetricsOptions(value: unknown, functions = true): CheckedMetricsOptions {
  if (value === undefined) throw invalid('options.metric', `is required (one of ${METRIC_NAMES.join(', ')})`);
  const o = checkOptions<TaskMetricsOptions>('options', value, [
    'metric',
    'window',
    'since',
    'until',
    'by',
    'positive',
  ]);
  const metric = o.metric;
  const named = typeof metric === 'string' && (METRIC_NAMES as readonly string[]).includes(metric);
  if (!named && !(functions && typeof metric === 'function')) {
    throw invalid(
      'options.metric',
      `must be one of ${METRIC_NAMES.join(', ')}${functions ? ' or a function' : ''}, got ${describe(metric)}`,
    );
  }
  const out: CheckedMetricsOptions = {
    metric,
    metricName: named ? (metric as string) : (metric as MetricFunction).name || 'custom',
    window: parseWindow(o.window),
    ...checkRange(o),
  };
  if (o.positive !== undefined) {
    const t = typeof o.positive;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(o.positive)))
      throw invalid('options.positive', `must be a number, string or boolean, got ${describe(o.positive)}`);
    out.positive = o.positive;
  }
  return out;
}

/** since, until and by, shared with the feedback rules. */
export function checkRange(o: { since?: unknown; until?: unknown; by?: unknown }): {
  since?: number;
  until?: number;
  by: 'feedback' | 'output';
} {
  if (o.by !== undefined && o.by !== 'feedback' && o.by !== 'output')
    throw invalid('options.by', `must be feedback or output, got ${describe(o.by)}`);
  const since = o.since === undefined ? undefined : checkTime('options.since', o.since);
  const until = o.until === undefined ? undefined : checkTime('options.until', o.until);
  if (since !== undefined && until !== undefined && until <= since)
    throw invalid('options.until', 'must be after since');
  return {
    by: (o.by as 'feedback' | 'output' | undefined) ?? 'feedback',
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

/** The metric per window over the joined pairs. */
export function metricPoints(task: string, pairs: JoinedPairs, o: CheckedMetricsOptions): TaskMetricPoint[] {
  const times = o.by === 'feedback' ? pairs.feedbackAt : pairs.outputAt;
  const ms = o.window.ms;
  const range = windowRange(ms, times, o.since, o.until);
  if (range === undefined) return [];
  const count = range.last - range.first + 1;
  // Each pair's window, -1 when outside the range.
  const slot = new Int32Array(times.length);
  const counts = new Float64Array(count);
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    const w = Math.floor(t / ms) - range.first;
    const inside =
      w >= 0 && w < count && (o.since === undefined || t >= o.since) && (o.until === undefined || t < o.until);
    slot[i] = inside ? w : -1;
    if (inside) counts[w] = (counts[w] as number) + 1;
  }
  const values =
    typeof o.metric === 'function'
      ? byFunction(o.metric, pairs, slot, count)
      : named(task, o.metric, o.positive, pairs, slot, count, counts);
  const points: TaskMetricPoint[] = [];
  for (let w = 0; w < count; w++) {
    const start = (range.first + w) * ms;
    points.push({
      start: new Date(start).toISOString(),
      end: new Date(start + ms).toISOString(),
      value: values[w] ?? null,
      count: counts[w] as number,
    });
  }
  return points;
}

function named(
  task: string,
  metric: MetricName,
  positive: TaskValue | undefined,
  pairs: JoinedPairs,
  slot: Int32Array,
  count: number,
  counts: Float64Array,
): (number | null)[] {
  const { outputs, feedback } = pairs;
  const a = new Float64Array(count);
  const b = new Float64Array(count);
  if (metric === 'count') return Array.from(counts);
  if (metric === 'mae' || metric === 'rmse') {
    for (let i = 0; i < slot.length; i++) {
      const w = slot[i] as number;
      if (w < 0) continue;
      const o = outputs[i];
      const f = feedback[i];
      if (typeof o !== 'number' || typeof f !== 'number') throw notNumeric(task, metric, o, f);
      const e = o - f;
      a[w] = (a[w] as number) + (metric === 'mae' ? Math.abs(e) : e * e);
    }
    return Array.from(a, (s, w) => {
      const n = counts[w] as number;
      return n === 0 ? null : metric === 'mae' ? s / n : Math.sqrt(s / n);
    });
  }
  if (metric === 'accuracy') {
    for (let i = 0; i < slot.length; i++) {
      const w = slot[i] as number;
      if (w >= 0 && outputs[i] === feedback[i]) a[w] = (a[w] as number) + 1;
    }
    return Array.from(a, (s, w) => ((counts[w] as number) === 0 ? null : s / (counts[w] as number)));
  }
  // Precision: of the predicted positives, the share truly positive; recall: of the true positives, the share predicted.
  const pos = positiveOf(task, positive, outputs[0]);
  for (let i = 0; i < slot.length; i++) {
    const w = slot[i] as number;
    if (w < 0) continue;
    const predicted = outputs[i] === pos;
    const actual = feedback[i] === pos;
    if (metric === 'precision' ? predicted : actual) {
      b[w] = (b[w] as number) + 1;
      if (predicted && actual) a[w] = (a[w] as number) + 1;
    }
  }
  return Array.from(a, (tp, w) => ((b[w] as number) === 0 ? null : tp / (b[w] as number)));
}

function positiveOf(task: string, positive: TaskValue | undefined, sample: TaskValue | undefined): TaskValue {
  if (positive !== undefined) return positive;
  if (typeof sample === 'boolean' || sample === undefined) return true;
  if (typeof sample === 'number') return 1;
  throw invalid(
    'options.positive',
    `is required for precision and recall over task ${JSON.stringify(task)}'s string classes`,
  );
}

const notNumeric = (task: string, metric: string, o: unknown, f: unknown) =>
  invalid(
    'options.metric',
    `${metric} needs numeric outputs and feedback; task ${JSON.stringify(task)} has ${describe(typeof o === 'number' ? f : o)}`,
  );

function byFunction(fn: MetricFunction, pairs: JoinedPairs, slot: Int32Array, count: number): (number | null)[] {
  const outs: TaskValue[][] = Array.from({ length: count }, () => []);
  const fbs: TaskValue[][] = Array.from({ length: count }, () => []);
  const ids: string[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < slot.length; i++) {
    const w = slot[i] as number;
    if (w < 0) continue;
    (outs[w] as TaskValue[]).push(pairs.outputs[i] as TaskValue);
    (fbs[w] as TaskValue[]).push(pairs.feedback[i] as TaskValue);
    (ids[w] as string[]).push(pairs.idAt(i));
  }
  return outs.map((o, w) => {
    if (o.length === 0) return null;
    const v = fn(o, fbs[w] as TaskValue[], ids[w] as string[]);
    if (v === null || (typeof v === 'number' && Number.isFinite(v))) return v;
    throw new PipetraceError(
      'invalid_input',
      `the metric function returned ${describe(v)}; it must return a finite number or null`,
      {
        field: 'options.metric',
      },
    );
  });
}
