/** `pipetrace metrics [TASK]`: a task's metrics per time window, or the tasks. */
import { isPipetraceError } from '../../src/errors.js';
import { taskMetricsText, tasksText } from '../../src/render/plain-text.js';
import type { MetricName, TaskMetrics, TaskMetricsQuery } from '../../src/task/types.js';
import { UsageError } from '../command.js';
import { queryCommand, STORE_USAGE } from './query-common.js';

export const metrics = queryCommand({
  name: 'metrics',
  summary: "a task's metrics (outputs joined with late feedback) per time window; no TASK: the tasks",
  usage: `Usage: pipetrace metrics [TASK] [--metric M]... [--window 1d] [options]

Joins TASK's outputs with its feedback by id and prints each metric per time window. Without
--metric: MAE and RMSE for numbers, accuracy for classes. Without TASK: the tasks and their counts.

  --metric M            mae, rmse, accuracy, precision, recall or count (repeatable)
  --window W            15m, 6h, 1d (default) or 1w; windows align to UTC
  --since T, --until T  only windows from T (ISO date or epoch ms) and before T
  --by B                feedback (default: when the truth arrived) or output (when predicted)
  --positive V          the positive class for precision and recall (JSON: true, 1, "fraud")

${STORE_USAGE}`,
  options: {
    metric: { type: 'string', multiple: true },
    window: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    by: { type: 'string' },
    positive: { type: 'string' },
  },
  positionals: [],
  rest: true,
  run: ({ values, rest }) => {
    if (rest.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(rest[1])}`);
    const task = rest[0];
    const time = (t: string | undefined) => (t !== undefined && /^-?\d+$/.test(t) ? Number(t) : t);
    const base: Omit<TaskMetricsQuery, 'metric'> = {
      ...(values.window === undefined
        ? {}
        : { window: /^\d+$/.test(values.window) ? Number(values.window) : values.window }),
      ...(values.since === undefined ? {} : { since: time(values.since) as string }),
      ...(values.until === undefined ? {} : { until: time(values.until) as string }),
      ...(values.by === undefined ? {} : { by: values.by as 'feedback' }),
      ...(values.positive === undefined ? {} : { positive: parsePositive(values.positive) }),
    };
    return async (s) => {
      if (task === undefined) {
        const tasks = await s.pt.tasks();
        return s.print(tasks, () => tasksText(tasks));
      }
      const one = (metric: MetricName) => s.pt.taskMetrics(task, { ...base, metric });
      let list: TaskMetrics[];
      if (values.metric !== undefined) list = await sequence((values.metric as MetricName[]).map((m) => () => one(m)));
      else {
        try {
          list = [await one('mae'), await one('rmse')];
        } catch (error) {
          // Classes, not numbers: accuracy instead.
          if (!isPipetraceError(error, 'invalid_input') || !/needs numeric/.test(error.message)) throw error;
          list = [await one('accuracy')];
        }
      }
      return s.print({ task, metrics: list }, () => taskMetricsText(list));
    };
  },
});

function parsePositive(text: string): string | number | boolean {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  } catch {
    // A bare word is a string class.
  }
  return text;
}

async function sequence<T>(calls: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const call of calls) out.push(await call());
  return out;
}
