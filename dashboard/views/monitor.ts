/**
 * The monitoring view: every step's newest output against its reference in pipeline order, so
 * the earliest drifted step stands out, each linking to its run's trace and to review; one
 * column's distribution, reference beside current, with the measure, value and threshold.
 * Charts come from a lazily loaded chunk (charts.ts, uPlot); every chart has a table beside it.
 */
import type { ColumnDrift, ColumnSummary } from '../../src/monitor/compare.js';
import type { MonitorReport, MonitorStep } from '../../src/monitor/monitor.js';
import { formatPercent, formatSignificant, formatTime, shortId } from '../../src/render/format.js';
import { fragment, h, link, table } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';
import { type Charts, chartBox, chartFigure, loadCharts, scroller } from './chart-box.js';
import { taskSection } from './task-metric.js';

type MonitorView = Extract<View, { view: 'monitor' }>;

// Colours are tints and borders over the inherited text colour, so the view reads on light and dark pages.
const STYLE = `
.mon-scroll { overflow-x: auto; max-width: 100%; }
.mon-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px 16px; align-items: start; }
@media (max-width: 800px) { .mon-grid { grid-template-columns: minmax(0, 1fr); } }
.mon-chart { width: 100%; min-height: 220px; }
figure.mon-figure { margin: 0 0 12px; min-width: 0; }
figure.mon-figure figcaption { font-size: 12.5px; margin: 4px 0; }
tr.mon-first > td { background: rgba(194, 65, 12, .09); }
tr.mon-first > td:first-child { box-shadow: inset 4px 0 0 #c2410c; }
.mon-badge { display: inline-block; border: 2px solid #c2410c; border-radius: 10px; padding: 0 7px; font-size: 12px; font-weight: 600; background: rgba(194, 65, 12, .12); }
.mon-drifted { font-weight: 600; }
.mon-cols a { margin-right: 8px; }
.mon-scroll td a { text-decoration: underline; }
.mon-key { font-size: 12.5px; margin: 2px 0 6px; }
.mon-key span[aria-hidden] { display: inline-block; width: 22px; vertical-align: middle; margin: 0 4px 0 10px; border-top: 3px solid; }
dl.mon-facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 0 0 8px; }
dl.mon-facts dt { opacity: .8; }
dl.mon-facts dd { margin: 0; }
`;

/** How far a column is past its threshold (value ÷ threshold, the larger of its measure and its missing share). */
export function severity(c: ColumnDrift): number | undefined {
  const parts: number[] = [];
  if (c.measure !== undefined && c.measure !== 'ks' && c.value !== undefined && c.threshold)
    parts.push(c.value / c.threshold);
  if (c.missing.threshold > 0) parts.push(c.missing.value / c.missing.threshold);
  return parts.length === 0 ? undefined : Math.max(...parts);
}

function stepColumns(step: MonitorStep): ColumnDrift[] {
  return step.outputs.flatMap((o) => o.columns);
}

function stepState(step: MonitorStep): string {
  if (!step.profiled) return 'not profiled';
  if (step.drifted) return 'drifted';
  if (step.outputs.every((o) => o.status === 'no_reference')) return 'no reference yet';
  return 'ok';
}

/** The step's largest change, for the chart: null where nothing was compared. */
function stepSeverity(step: MonitorStep): number | null {
  const values = stepColumns(step)
    .map(severity)
    .filter((x): x is number => x !== undefined);
  return values.length === 0 ? null : Math.max(...values);
}

function worstColumn(step: MonitorStep): ColumnDrift | undefined {
  const cols = stepColumns(step).filter((c) => c.drifted);
  return cols.sort((a, b) => (severity(b) ?? Number.POSITIVE_INFINITY) - (severity(a) ?? Number.POSITIVE_INFINITY))[0];
}

function driftSection(ctx: ViewContext, report: MonitorReport): Node {
  const first = report.drifted[0];
  const steps = report.steps;
  if (steps.length === 0)
    return h('p', { class: 'muted' }, 'No succeeded runs yet: monitoring starts with the first profiled output.');
  const lead =
    first === undefined
      ? h('div', { class: 'ok' }, `No step drifted: ${steps.length} steps checked against their references.`)
      : h(
          'div',
          { class: 'warn' },
          `${report.drifted.length} of ${steps.length} steps drifted. The earliest in pipeline order is `,
          h('b', {}, first),
          ': look there first, the steps after it may only carry its change.',
        );
  const rows = steps.map((step, i) => {
    const worst = worstColumn(step);
    const isFirst = step.component === first;
    return h(
      'tr',
      { class: isFirst ? 'mon-first' : undefined, 'data-step': step.component, 'data-state': stepState(step) },
      h('td', {}, String(i + 1)),
      h(
        'td',
        {},
        link(ctx.href({ view: 'history', component: step.component }), step.component),
        isFirst ? [' ', h('span', { class: 'mon-badge' }, 'first drifted')] : null,
      ),
      h(
        'td',
        {},
        link(ctx.href({ view: 'run', id: step.run.id }), shortId(step.run.id), { class: 'mono', title: step.run.id }),
        h('div', { class: 'muted' }, formatTime(step.run.startedAt)),
      ),
      h('td', { class: step.drifted ? 'mon-drifted' : undefined }, stepState(step)),
      h('td', {}, worst?.sentence ?? '-'),
      h(
        'td',
        { class: 'mon-cols' },
        ...step.outputs.map((o) =>
          h(
            'div',
            {},
            h('span', { class: 'mono' }, o.pointer),
            ': ',
            o.columns.length === 0
              ? h('span', { class: 'muted' }, o.status === 'no_reference' ? 'nothing to compare with' : '-')
              : o.columns.map((c) =>
                  link(ctx.href({ view: 'monitor', pointer: o.pointer, column: c.column }), c.column, {
                    class: c.drifted ? 'mon-drifted' : undefined,
                    'aria-label': `distribution of ${o.pointer} ${c.column}${c.drifted ? ' (drifted)' : ''}`,
                  }),
                ),
          ),
        ),
      ),
      h(
        'td',
        {},
        link(ctx.href({ view: 'trace-run', run: step.run.id }), 'trace', {
          'aria-label': `trace of ${step.component} run ${step.run.id}`,
        }),
        ' · ',
        link(ctx.href({ view: 'review' }), 'review', { 'aria-label': `review (${step.component})` }),
      ),
    );
  });
  const tbl = h(
    'table',
    { 'aria-label': 'drift per step, in pipeline order' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['#', 'step', 'newest run', 'drift', 'largest change', 'columns', 'look closer'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h('tbody', {}, ...rows),
  );
  const values = steps.map(stepSeverity);
  const chart = chartBox(
    `Bar chart of the largest drift of each step as a multiple of its threshold, in pipeline order: ${steps
      .map(
        (s, i) =>
          `${s.component} ${values[i] === null ? 'not compared' : `${formatSignificant(values[i] as number, 2)}×`}`,
      )
      .join(', ')}.`,
    (c, el) =>
      c.barChart(el, {
        labels: steps.map((s) => s.component),
        series: [{ label: 'largest drift ÷ threshold', values, color: c.SERIES_COLORS.current }],
        yLabel: '× threshold',
        rule: 1,
      }),
  );
  return fragment(
    lead,
    chartFigure(
      chart,
      'Largest drift of each step ÷ its threshold, upstream on the left; the dashed line is the threshold (1×). The table below holds the numbers.',
    ),
    scroller('drift per step', tbl),
  );
}

const fmt = (x: number | undefined) => (x === undefined ? '-' : formatSignificant(x));

/** The chart's legend in words (uPlot's own legend is off): which side is which, beyond colour. */
function key(c: Charts, bars: boolean): Node {
  return h(
    'p',
    { class: 'mon-key' },
    h('span', {
      'aria-hidden': 'true',
      style: `border-top: ${bars ? '8px solid' : '3px dashed'} ${c.SERIES_COLORS.reference}`,
    }),
    bars ? 'reference (left bar)' : 'reference (dashed)',
    h('span', { 'aria-hidden': 'true', style: `border-top: ${bars ? 8 : 3}px solid ${c.SERIES_COLORS.current}` }),
    bars ? 'current (right bar)' : 'current (solid)',
  );
}

/** Numbers: both sides' quantiles as cumulative shares, and their table. */
function numericComparison(label: string, ref: ColumnSummary, cur: ColumnSummary): Node[] {
  const points = (s: ColumnSummary) => [
    ...(s.min === undefined ? [] : [{ value: s.min, q: 0 }]),
    ...(s.quantiles ?? []),
    ...(s.max === undefined ? [] : [{ value: s.max, q: 1 }]),
  ];
  const rp = points(ref);
  const cp = points(cur);
  const chart = chartBox(
    `Cumulative distribution of ${label}, reference and current: median ${fmt(ref.quantiles?.find((q) => q.q === 0.5)?.value)} → ${fmt(cur.quantiles?.find((q) => q.q === 0.5)?.value)}, mean ${fmt(ref.mean)} → ${fmt(cur.mean)}.`,
    (c, el) => {
      el.before(key(c, false));
      c.cdfChart(el, {
        sides: [
          { label: 'reference', points: rp, color: c.SERIES_COLORS.reference, dash: [6, 4] },
          { label: 'current', points: cp, color: c.SERIES_COLORS.current },
        ],
      });
    },
  );
  const qName = (q: number) => (q === 0 ? 'min' : q === 1 ? 'max' : `p${formatSignificant(q * 100)}`);
  const rows = rp.map((p, i) => [qName(p.q), fmt(p.value), fmt(cp[i]?.value)]);
  rows.push(['mean', fmt(ref.mean), fmt(cur.mean)], ['std', fmt(ref.std), fmt(cur.std)]);
  return [
    chartFigure(chart, 'Share of values at or below each value: a shift moves the current line sideways.'),
    scroller(
      'quantiles',
      table(['quantile', 'reference', 'current'], rows, {
        'aria-label': `quantiles of ${label}`,
        'data-kind': 'quantiles',
      }),
    ),
  ];
}

/** Strings and booleans: the top values' shares on both sides, and their table. */
function categoricalComparison(label: string, ref: ColumnSummary, cur: ColumnSummary): Node[] {
  const shareOf = (s: ColumnSummary, v: string) => s.top?.find((t) => t.value === v)?.share ?? 0;
  const values = [...new Set([...(ref.top ?? []), ...(cur.top ?? [])].map((t) => t.value))].slice(0, 12);
  const chart = chartBox(
    `Bar chart of the top values of ${label}, share in reference and current: ${values
      .map((v) => `${v} ${formatPercent(shareOf(ref, v))} → ${formatPercent(shareOf(cur, v))}`)
      .join(', ')}.`,
    (c, el) => {
      el.before(key(c, true));
      c.barChart(el, {
        labels: values,
        series: [
          { label: 'reference', values: values.map((v) => shareOf(ref, v) * 100), color: c.SERIES_COLORS.reference },
          { label: 'current', values: values.map((v) => shareOf(cur, v) * 100), color: c.SERIES_COLORS.current },
        ],
        yLabel: '% of values',
      });
    },
  );
  const rows = values.map((v) => [
    h('span', { class: 'mono' }, v),
    formatPercent(shareOf(ref, v), 1),
    formatPercent(shareOf(cur, v), 1),
  ]);
  rows.push(['distinct (estimate)', fmt(ref.distinct), fmt(cur.distinct)]);
  return [
    chartFigure(chart, 'Share of the values present, for the most frequent values of either side.'),
    scroller(
      'top values',
      table(['value', 'reference', 'current'], rows, {
        'aria-label': `top values of ${label}`,
        'data-kind': 'categories',
      }),
    ),
  ];
}

/** The facts of a comparison: measure, value, threshold, missing share and what the reference was. */
function facts(c: ColumnDrift, reference: string | undefined): Node {
  const item = (term: string, ...value: (Node | string)[]) => [h('dt', {}, term), h('dd', {}, ...value)];
  return h(
    'dl',
    { class: 'mon-facts' },
    ...item('status', h('span', { class: c.drifted ? 'mon-drifted' : undefined }, c.status)),
    ...(c.measure === undefined
      ? []
      : [
          ...item('measure', c.measure.replace('_', ' ')),
          ...item('value', fmt(c.value), c.pValue === undefined ? '' : ` (p ${fmt(c.pValue)})`),
          ...item('threshold', c.measure === 'ks' ? `p < ${c.threshold}` : String(c.threshold)),
        ]),
    ...item(
      'missing',
      `${formatPercent(c.missing.reference, 1)} → ${formatPercent(c.missing.current, 1)} (Cohen's h ${fmt(c.missing.value)}, threshold ${c.missing.threshold})`,
    ),
    ...item('rows', `${fmt(c.reference?.count)} → ${fmt(c.current?.count)}`),
    ...(reference === undefined ? [] : item('compared with', reference)),
  );
}

interface Found {
  column: ColumnDrift;
  reference?: string;
}

/** The column the URL names (from the report, else asked of drift), or the first drifted one. */
async function pickColumn(ctx: ViewContext, report: MonitorReport, v: MonitorView): Promise<Found | undefined> {
  const outputs = report.steps.flatMap((s) => s.outputs);
  if (v.pointer !== undefined && v.column !== undefined) {
    for (const o of outputs) {
      const column = o.pointer === v.pointer ? o.columns.find((c) => c.column === v.column) : undefined;
      if (column) return { column, reference: o.reference?.description };
    }
    const drift = await ctx.api.drift({ pointer: v.pointer }, { columns: [v.column] });
    const o = drift.outputs[0];
    const column = o?.columns[0];
    return column === undefined ? undefined : { column, reference: o?.reference?.description };
  }
  for (const wanted of [(c: ColumnDrift) => c.drifted, () => true])
    for (const o of outputs) {
      const column = o.columns.find(wanted);
      if (column) return { column, reference: o.reference?.description };
    }
  return undefined;
}

function distributionSection(ctx: ViewContext, report: MonitorReport, found: Found | undefined, v: MonitorView): Node {
  const all = report.steps.flatMap((s) => s.outputs.flatMap((o) => o.columns));
  const current = found?.column;
  const picker = h(
    'select',
    {
      name: 'column',
      onchange: (e: Event) => {
        const [pointer, column] = JSON.parse((e.target as HTMLSelectElement).value) as [string, string];
        ctx.go({ ...v, pointer, column });
      },
    },
    ...all.map((c) =>
      h(
        'option',
        {
          value: JSON.stringify([c.pointer, c.column]),
          selected: c.pointer === current?.pointer && c.column === current?.column,
        },
        `${c.pointer} · ${c.column}${c.drifted ? ' (drifted)' : ''}`,
      ),
    ),
  );
  const head = h('h3', { id: 'mon-dist' }, 'Distribution of one column');
  if (current === undefined)
    return h(
      'section',
      { 'aria-labelledby': 'mon-dist' },
      head,
      h(
        'p',
        { class: 'muted' },
        v.column === undefined ? 'No compared column yet.' : `No profile of ${v.pointer ?? ''} ${v.column} to compare.`,
      ),
    );
  const label = `${current.pointer} ${current.column}`;
  const ref = current.reference;
  const cur = current.current;
  const drawn =
    ref === undefined || cur === undefined || current.status === 'type_changed'
      ? [h('p', { class: 'muted' }, 'Only one side has values of one type: nothing to draw.')]
      : cur.type === 'number'
        ? numericComparison(label, ref, cur)
        : categoricalComparison(label, ref, cur);
  return h(
    'section',
    { 'aria-labelledby': 'mon-dist', 'data-pointer': current.pointer, 'data-column': current.column },
    head,
    all.length > 1 ? h('div', { class: 'toolbar' }, h('label', {}, 'column', picker)) : null,
    h('p', {}, current.sentence),
    h('div', { class: 'mon-grid' }, h('div', {}, ...drawn), h('div', {}, facts(current, found?.reference))),
  );
}

export async function monitorView(ctx: ViewContext, v: MonitorView): Promise<Node> {
  loadCharts().catch(() => undefined); // fetched while the queries run; a failure shows at each chart
  const [report, task] = await Promise.all([ctx.api.monitor(), taskSection(ctx, v)]);
  const found = await pickColumn(ctx, report, v);
  return fragment(
    h('style', {}, STYLE),
    h('h2', {}, 'Monitoring'),
    h(
      'p',
      { class: 'muted' },
      "Each step's newest output against its reference (a pinned baseline, else the previous run), upstream first.",
    ),
    h(
      'section',
      { 'aria-labelledby': 'mon-steps' },
      h('h3', { id: 'mon-steps' }, 'Drift per step'),
      driftSection(ctx, report),
    ),
    task,
    distributionSection(ctx, report, found, v),
  );
}
