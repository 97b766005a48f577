/** The list views: recent runs, a component's history over a date range, and flagged outputs. */
import type { Run } from '../../src/model.js';
import { formatDuration, formatTime } from '../../src/render/format.js';
import { fragment, h, link, table } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';
import { checkStrips } from './checks.js';
import { historyTable, metricNames } from './history-table.js';
import { outputsCell, runLink, traceLink } from './run-cells.js';

/** A table of runs with links to each run card, component history and trace. */
export function runTable(ctx: ViewContext, runs: Run[]): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'muted' }, 'No runs.');
  return table(
    ['started (UTC)', 'component', 'run', 'duration', 'status', 'outputs', { hidden: 'links' }],
    runs.map((r) => [
      formatTime(r.startedAt),
      link(ctx.href({ view: 'history', component: r.component }), r.component),
      runLink(ctx, r),
      formatDuration(r.endedAt - r.startedAt),
      h('span', { class: `status-${r.status}` }, r.status),
      outputsCell(r),
      traceLink(ctx, r),
    ]),
  );
}

/** `YYYY-MM-DD` (UTC day) to epoch ms; `end` gives the end of that day. */
function day(text: string | undefined, end: boolean): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new Error(`not a date: ${text}`);
  return end && /^\d{4}-\d{2}-\d{2}$/.test(text) ? ms + 86_400_000 - 1 : ms;
}

export async function historyView(ctx: ViewContext, v: Extract<View, { view: 'history' }>): Promise<Node> {
  const since = day(v.since, false);
  const until = day(v.until, true);
  const [page, components, strips] = await Promise.all([
    ctx.api.history(v.component, { since, until, limit: 50, ...(v.cursor === undefined ? {} : { cursor: v.cursor }) }),
    ctx.api.components(),
    checkStrips(ctx, v.component),
  ]);
  const component = components.find((c) => c.name === v.component);
  const metrics = metricNames(page.runs);
  const metric = v.metric !== undefined && v.metric !== '' ? v.metric : metrics[0];
  const metricPicker = h(
    'select',
    { name: 'metric' },
    ...[...new Set([...metrics, ...(metric === undefined ? [] : [metric])])].map((m) =>
      h('option', { value: m, selected: m === metric }, m),
    ),
  );
  const sinceInput = h('input', { type: 'date', name: 'since', value: v.since ?? '' });
  const untilInput = h('input', { type: 'date', name: 'until', value: v.until ?? '' });
  const picker = h(
    'select',
    { name: 'component' },
    ...components.map((c) => h('option', { value: c.name, selected: c.name === v.component }, c.name)),
  );
  const apply = (e: Event) => {
    e.preventDefault();
    ctx.go({
      view: 'history',
      component: picker.value,
      since: sinceInput.value,
      until: untilInput.value,
      metric: metricPicker.value,
    });
  };
  // Each page has its own URL (the cursor in the hash), so "older runs" can be shared.
  // The metric shown stays the same across pages (a later page may carry other metrics).
  const first = { ...v, metric, cursor: undefined };
  const pager = h(
    'nav',
    { 'aria-label': 'pages', class: 'toolbar' },
    v.cursor === undefined ? null : link(ctx.href(first), '← Newest runs'),
    page.cursor === undefined
      ? null
      : link(ctx.href({ ...v, metric, cursor: page.cursor }), 'Older runs →', { rel: 'next' }),
  );
  return fragment(
    h('h2', {}, `History of ${v.component}`),
    component === undefined
      ? null
      : h(
          'p',
          { class: 'muted' },
          `${component.description || 'no description'} · owner ${component.owner || '-'} · `,
          ...component.tags.map((t) => h('span', { class: 'tag' }, t)),
        ),
    strips,
    h(
      'form',
      { class: 'toolbar', onsubmit: apply, 'aria-label': 'date range' },
      h('label', {}, 'component', picker),
      h('label', {}, 'since (UTC day)', sinceInput),
      h('label', {}, 'until (UTC day)', untilInput),
      metrics.length === 0 ? null : h('label', {}, 'metric column', metricPicker),
      h('button', { type: 'submit', class: 'primary' }, 'Show'),
    ),
    historyTable(ctx, page.runs, metric),
    pager,
  );
}

export async function flaggedView(ctx: ViewContext): Promise<Node> {
  const [flagged, rows] = await Promise.all([ctx.api.flagged(), ctx.api.flaggedRowCounts(), ctx.access]);
  const unflag = (name: string) =>
    ctx.writes === 'no'
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'flag',
            'aria-label': `unflag ${name}`,
            onclick: async () => {
              try {
                await ctx.api.unflag(name);
                ctx.notify(`unflagged ${name}`);
                ctx.refresh();
              } catch (error) {
                ctx.notify((error as Error).message);
              }
            },
          },
          'unflag',
        );
  const flaggedRows = rows.reduce((n, r) => n + r.rows, 0);
  return fragment(
    h('h2', {}, `Flagged outputs (${flagged.length})`),
    flagged.length === 0
      ? h('p', { class: 'muted' }, 'No output is flagged. Flag an output from a run card or with “flag POINTER”.')
      : table(
          ['pointer', 'type', 'flagged at (UTC)', { hidden: 'actions' }],
          flagged.map((p) => [
            h('span', { class: 'mono' }, p.name),
            p.type,
            p.flaggedAt === undefined ? '-' : formatTime(p.flaggedAt),
            h(
              'span',
              {},
              link(ctx.href({ view: 'trace', pointer: p.name }), 'trace', { 'aria-label': `trace ${p.name}` }),
              ' ',
              unflag(p.name),
            ),
          ]),
          { 'aria-label': 'flagged outputs' },
        ),
    h('h2', {}, `Flagged rows (${flaggedRows} in ${rows.length} outputs)`),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No rows are flagged. Flag rows with pt.flagRows or “pipetrace flag POINTER KEY…”.')
      : table(
          ['output', 'flagged rows', 'flagged at (UTC)', { hidden: 'actions' }],
          rows.map((r) => [
            h('span', { class: 'mono' }, r.pointer),
            String(r.rows),
            r.updatedAt === undefined ? '-' : formatTime(r.updatedAt),
            link(ctx.href({ view: 'trace', pointer: r.pointer }), 'trace', { 'aria-label': `trace ${r.pointer}` }),
          ]),
          { 'aria-label': 'flagged rows' },
        ),
    flagged.length + rows.length === 0
      ? null
      : h('p', {}, link(ctx.href({ view: 'review' }), 'Review the likely culprits →')),
  );
}
