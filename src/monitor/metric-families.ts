/**
 * What pipetrace exposes to a metrics system (Prometheus through pipetrace/server), as plain
 * data: runs, failures, staleness and flags per component, drift per component and column, and
 * task metrics. No metrics library here (the core runs in browsers); adapters/http/prometheus.ts
 * turns these families into prom-client metrics.
 */

import { invalid } from '../errors.js';
import type { Run } from '../model.js';
import type { Pipetrace } from '../pipetrace.js';
import { allFlaggedRows } from '../rows/flags.js';
import { MAX_SCAN_LIMIT } from '../store.js';
import { checkOptions, checkPositiveInt } from '../validate.js';
import type { MetricFamilyDef, MetricSeries, MetricType } from './metric-types.js';
import { checkMonitorOptions, type MonitorOptions } from './monitor.js';
import {
  checkTaskFamilyOptions,
  collectTaskFamilies,
  TASK_FAMILY_DEFS,
  type TaskFamilyOptions,
} from './task-families.js';

export type { MetricFamilyDef, MetricSeries, MetricType };

/** The label the overflow series carries (`overflow="true"`), with its other labels left empty. */
export const OVERFLOW_LABEL = 'overflow';
/** Series per family by default; the rest fold into one overflow series. */
export const DEFAULT_MAX_SERIES = 1000;

const family = (
  name: string,
  type: MetricType,
  labelNames: readonly string[],
  fold: 'sum' | 'max',
  help: string,
): MetricFamilyDef => ({ name, help, type, labelNames, fold });

/** The store's families, in the order they are exposed; the task families (task-families.ts) follow. */
export const METRIC_FAMILIES = {
  runs: family('pipetrace_runs_total', 'counter', ['component'], 'sum', 'Runs stored, per component.'),
  failures: family(
    'pipetrace_run_failures_total',
    'counter',
    ['component'],
    'sum',
    'Failed runs stored, per component.',
  ),
  lastSuccess: family(
    'pipetrace_last_success_timestamp_seconds',
    'gauge',
    ['component'],
    'max',
    'When the newest succeeded run of the component ended, in Unix seconds.',
  ),
  stale: family(
    'pipetrace_stale_runs',
    'gauge',
    ['component'],
    'sum',
    "1 when the component's newest succeeded run is stale now (see staleness()), else 0.",
  ),
  flaggedOutputs: family(
    'pipetrace_flagged_outputs',
    'gauge',
    ['component'],
    'sum',
    'Outputs flagged (the pointer or rows of it), per component of their latest writer.',
  ),
  flaggedRows: family(
    'pipetrace_flagged_rows',
    'gauge',
    ['component'],
    'sum',
    'Flagged rows of outputs, per component of their latest writer.',
  ),
  drift: family(
    'pipetrace_drift',
    'gauge',
    ['component', 'output', 'column', 'measure'],
    'max',
    "Drift of a column of the component's newest output from its reference, as the measure's value (monitor()).",
  ),
  driftedColumns: family(
    'pipetrace_drifted_columns',
    'gauge',
    ['component'],
    'sum',
    "Columns of the component's newest outputs over their drift threshold (monitor()).",
  ),
} satisfies Record<string, MetricFamilyDef>;

export const OVERFLOW_FAMILY = family(
  'pipetrace_metric_overflow_series',
  'gauge',
  ['metric'],
  'sum',
  'Series folded into the overflow="true" series of a metric because it passed its cap.',
);

export interface MetricFamilyOptions {
  /** Series per family (default 1000): the first ones in a stable order keep their labels, the rest fold into one `overflow="true"` series. */
  maxSeriesPerFamily?: number;
  /** How drift is measured for pipetrace_drift (monitor()'s options). */
  monitor?: MonitorOptions;
  /** Which task metrics and windows pipetrace_task_metric holds. */
  tasks?: TaskFamilyOptions;
  /** The clock that places the last complete task window; default Date.now. */
  now?: () => number;
}

/** Every family, in the order they are exposed. */
export const ALL_FAMILIES: readonly MetricFamilyDef[] = [
  ...Object.values(METRIC_FAMILIES),
  ...Object.values(TASK_FAMILY_DEFS),
  OVERFLOW_FAMILY,
];

export function checkMetricFamilyOptions(options: unknown): MetricFamilyOptions {
  const o = checkOptions<MetricFamilyOptions>('options', options, ['maxSeriesPerFamily', 'monitor', 'tasks', 'now']);
  if (o.maxSeriesPerFamily !== undefined) checkPositiveInt('options.maxSeriesPerFamily', o.maxSeriesPerFamily);
  if (o.monitor !== undefined) checkMonitorOptions(o.monitor);
  if (o.tasks !== undefined) checkTaskFamilyOptions(o.tasks);
  if (o.now !== undefined && typeof o.now !== 'function') throw invalid('options.now', 'must be a function');
  return o;
}

/** One family's series once gathered and capped. */
export interface CollectedFamily {
  def: MetricFamilyDef;
  series: MetricSeries[];
}

/**
 * Keeps the first `max - 1` series and folds the rest into one with `overflow="true"` (their sum
 * or maximum), so a family never has more than `max` series however many components, outputs or
 * columns a store holds. Returns the series and how many were folded.
 */
export function capSeries(
  def: MetricFamilyDef,
  series: readonly MetricSeries[],
  max: number,
): { series: MetricSeries[]; folded: number } {
  if (series.length <= max) return { series: [...series], folded: 0 };
  const kept = series.slice(0, max - 1);
  const rest = series.slice(max - 1);
  let value = def.fold === 'sum' ? 0 : Number.NEGATIVE_INFINITY;
  for (const s of rest) value = def.fold === 'sum' ? value + s.value : Math.max(value, s.value);
  return { series: [...kept, { labels: { [OVERFLOW_LABEL]: 'true' }, value }], folded: rest.length };
}

interface ComponentRuns {
  runs: number;
  failures: number;
  /** The newest succeeded run, by (startedAt, id). */
  latest?: Run;
  lastSuccessEnd?: number;
}

/** One pass over every stored run: counts and the newest succeeded run per component. */
async function runsByComponent(pt: Pipetrace): Promise<Map<string, ComponentRuns>> {
  const out = new Map<string, ComponentRuns>();
  let cursor: string | undefined;
  do {
    const page = await pt.store.scanRuns({ order: 'asc', limit: MAX_SCAN_LIMIT, ...(cursor ? { cursor } : {}) });
    for (const run of page.runs) {
      let c = out.get(run.component);
      if (c === undefined) {
        c = { runs: 0, failures: 0 };
        out.set(run.component, c);
      }
      c.runs++;
      if (run.status === 'failed') c.failures++;
      else {
        // Ascending scan order: each succeeded run is the newest so far.
        c.latest = run;
        c.lastSuccessEnd = Math.max(c.lastSuccessEnd ?? run.endedAt, run.endedAt);
      }
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** Components in a stable order: registered ones by creation, then ones known only from runs, by name. */
async function componentOrder(pt: Pipetrace, seen: Iterable<string>): Promise<string[]> {
  const registered = (await pt.store.scanComponents())
    .sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))
    .map((c) => c.name);
  const known = new Set(registered);
  return [...registered, ...[...seen].filter((n) => !known.has(n)).sort()];
}

/** Flagged pointers (the pointer or any of its rows) and their flagged rows, by their latest writer's component. */
async function flagsByComponent(pt: Pipetrace): Promise<Map<string, { outputs: number; rows: number }>> {
  const [pointers, rowFlags] = await Promise.all([pt.store.scanPointers({ flagged: true }), allFlaggedRows(pt.store)]);
  const rows = new Map<string, number>(pointers.map((p) => [p.name, 0]));
  for (const f of rowFlags) rows.set(f.pointer, f.hashes.length >>> 1);
  const names = [...rows.keys()];
  const writers = names.length === 0 ? [] : await pt.store.latestWriters(names.map((pointer) => ({ pointer })));
  const out = new Map<string, { outputs: number; rows: number }>();
  names.forEach((name, i) => {
    // A flagged pointer no run wrote (a raw input) counts under an empty component.
    const component = writers[i]?.component ?? '';
    const c = out.get(component) ?? { outputs: 0, rows: 0 };
    c.outputs++;
    c.rows += rows.get(name) ?? 0;
    out.set(component, c);
  });
  return out;
}

/**
 * Gathers every family from the store behind `pt`. Cost: one scan of all runs, staleness of
 * each component's newest run, the flags, monitor() and the task queries: a scrape's worth of
 * work, which the Prometheus layer caches (cacheMs).
 */
export async function collectMetricFamilies(
  pt: Pipetrace,
  options: MetricFamilyOptions = {},
): Promise<CollectedFamily[]> {
  const o = checkMetricFamilyOptions(options);
  const max = o.maxSeriesPerFamily ?? DEFAULT_MAX_SERIES;
  const [byComponent, flags, monitor, tasks] = await Promise.all([
    runsByComponent(pt),
    flagsByComponent(pt),
    pt.monitor(o.monitor ?? {}),
    collectTaskFamilies(pt, o.tasks ?? {}, (o.now ?? Date.now)()),
  ]);
  const components = await componentOrder(pt, byComponent.keys());
  const stale = await Promise.all(
    components.map(async (name) => {
      const latest = byComponent.get(name)?.latest;
      return latest === undefined ? undefined : (await pt.staleness({ run: latest.id })).stale ? 1 : 0;
    }),
  );
  const place = new Map(components.map((c, i) => [c, i]));
  const perComponent = (value: (name: string, i: number) => number | undefined): MetricSeries[] =>
    components.flatMap((component, i) => {
      const v = value(component, i);
      return v === undefined ? [] : [{ labels: { component }, value: v }];
    });
  const flagSeries = (key: 'outputs' | 'rows'): MetricSeries[] => {
    const names = [...flags.keys()].sort((a, b) => (place.get(a) ?? -1) - (place.get(b) ?? -1));
    return names.map((component) => ({ labels: { component }, value: flags.get(component)?.[key] ?? 0 }));
  };
  const f = METRIC_FAMILIES;
  const gathered: CollectedFamily[] = [
    { def: f.runs, series: perComponent((c) => byComponent.get(c)?.runs ?? 0) },
    { def: f.failures, series: perComponent((c) => byComponent.get(c)?.failures ?? 0) },
    {
      def: f.lastSuccess,
      series: perComponent((c) => {
        const end = byComponent.get(c)?.lastSuccessEnd;
        return end === undefined ? undefined : end / 1000;
      }),
    },
    { def: f.stale, series: perComponent((_, i) => stale[i]) },
    { def: f.flaggedOutputs, series: flagSeries('outputs') },
    { def: f.flaggedRows, series: flagSeries('rows') },
    {
      def: f.drift,
      series: monitor.steps.flatMap((step) =>
        step.outputs.flatMap((out) =>
          out.columns.flatMap((col) =>
            col.measure === undefined || col.value === undefined || !Number.isFinite(col.value)
              ? []
              : [
                  {
                    labels: {
                      component: step.component,
                      output: out.pointer,
                      column: col.column,
                      measure: col.measure,
                    },
                    value: col.value,
                  },
                ],
          ),
        ),
      ),
    },
    {
      def: f.driftedColumns,
      series: monitor.steps
        .filter((s) => s.profiled)
        .map((s) => ({
          labels: { component: s.component },
          value: s.outputs.reduce((n, out) => n + out.columns.filter((c) => c.drifted).length, 0),
        })),
    },
  ];
  for (const d of Object.values(TASK_FAMILY_DEFS)) gathered.push({ def: d, series: tasks.get(d.name) ?? [] });
  const capped: CollectedFamily[] = [];
  const overflow: MetricSeries[] = [];
  for (const g of gathered) {
    const { series, folded } = capSeries(g.def, g.series, max);
    capped.push({ def: g.def, series });
    if (folded > 0) overflow.push({ labels: { metric: g.def.name }, value: folded });
  }
  capped.push({ def: OVERFLOW_FAMILY, series: overflow });
  return capped;
}
