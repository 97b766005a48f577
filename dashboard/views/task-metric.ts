/**
 * The monitoring view's task section: one task's metric by time window (MAE of the predictions
 * whose late feedback arrived that day, say), drawn and tabled, with the task, metric and window
 * chosen in the URL. A task query that fails shows its error here and leaves the rest of the view.
 */
import { formatSignificant, formatTime } from '../../src/render/format.js';
import { METRIC_NAMES } from '../../src/task/metrics.js';
import type { TaskMetrics } from '../../src/task/types.js';
import { h, table } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';
import { chartBox, chartFigure, scroller } from './chart-box.js';

type MonitorView = Extract<View, { view: 'monitor' }>;

export const WINDOWS = ['1h', '6h', '1d', '1w'] as const;

/** The metric's chart and table. */
function metricFigure(m: TaskMetrics): Node[] {
  const name = m.metric.toUpperCase();
  const withValue = m.points.filter((p) => p.value !== null);
  const last = withValue.at(-1);
  const peak = withValue.reduce<(typeof withValue)[number] | undefined>(
    (a, p) => (a === undefined || (p.value as number) > (a.value as number) ? p : a),
    undefined,
  );
  const summary =
    last === undefined || peak === undefined
      ? `${name} of task ${m.task}: no window has joined feedback yet.`
      : `Line chart of ${name} of task ${m.task} by ${m.window} window: ${withValue.length} windows with values, latest ${formatSignificant(last.value as number)} (window from ${formatTime(Date.parse(last.start))}), highest ${formatSignificant(peak.value as number)} (window from ${formatTime(Date.parse(peak.start))}).`;
  const chart = chartBox(summary, (c, el) =>
    c.timeChart(el, {
      times: m.points.map((p) => Date.parse(p.start)),
      series: { label: name, values: m.points.map((p) => p.value), color: c.SERIES_COLORS.current },
      yLabel: name,
    }),
  );
  return [
    chartFigure(
      chart,
      `${name} by ${m.window} window (UTC), from the pairs of output and feedback joined in each; a gap is a window with none.`,
      m.unmatched ? ` ${m.unmatched} feedback ids have no output yet.` : '',
    ),
    scroller(
      `${name} by window`,
      table(
        ['window from (UTC)', name, 'pairs'],
        m.points.map((p) => [
          formatTime(Date.parse(p.start)),
          p.value === null ? '-' : formatSignificant(p.value),
          String(p.count),
        ]),
        { 'aria-label': `${name} of task ${m.task} by window`, 'data-kind': 'task-metric' },
      ),
    ),
  ];
}

/** The section: pickers for task, metric and window, then the figure; loads its own data. */
export async function taskSection(ctx: ViewContext, v: MonitorView): Promise<Node> {
  const head = h('h3', { id: 'mon-task' }, 'Task metric over time');
  const section = (...children: (Node | null)[]) => h('section', { 'aria-labelledby': 'mon-task' }, head, ...children);
  try {
    const tasks = (await ctx.api.tasks()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (tasks.length === 0)
      return section(
        h('p', { class: 'muted' }, 'No task yet: log outputs and feedback with pt.task(name) to see a metric here.'),
      );
    const task = tasks.some((t) => t.name === v.task) ? (v.task as string) : (tasks[0]?.name as string);
    const metric = METRIC_NAMES.find((m) => m === v.metric) ?? 'mae';
    const window = (WINDOWS as readonly string[]).includes(v.window ?? '') ? (v.window as string) : '1d';
    const pick = (name: 'task' | 'metric' | 'window', value: string, options: readonly string[]) =>
      h(
        'label',
        {},
        name,
        h(
          'select',
          {
            name,
            onchange: (e: Event) =>
              ctx.go({ ...v, task, metric, window, [name]: (e.target as HTMLSelectElement).value }),
          },
          ...options.map((o) => h('option', { value: o, selected: o === value }, o)),
        ),
      );
    const controls = h(
      'div',
      { class: 'toolbar' },
      pick(
        'task',
        task,
        tasks.map((t) => t.name),
      ),
      pick('metric', metric, METRIC_NAMES),
      pick('window', window, WINDOWS),
    );
    let body: Node[];
    try {
      body = metricFigure(await ctx.api.taskMetrics(task, { metric, window }));
    } catch (error) {
      body = [h('div', { class: 'error', role: 'alert' }, (error as Error).message)];
    }
    return section(controls, ...body);
  } catch (error) {
    return section(h('div', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}
