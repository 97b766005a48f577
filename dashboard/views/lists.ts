/** The list views: recent runs, a component's history over a date range, and flagged outputs. */
import type { Run } from '../../src/model.js';
import { formatDuration, formatTime, shortId } from '../../src/render/format.js';
import type { ViewContext } from '../app.js';
import { fragment, h, link, table } from '../dom.js';
import type { View } from '../hash-router.js';
import { checkStrips } from './checks.js';

/** A table of runs with links to each run card, component history and trace. */
export function runTable(ctx: ViewContext, runs: Run[]): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'muted' }, 'No runs.');
  return table(
    ['started (UTC)', 'component', 'run', 'duration', 'status', 'outputs', ''],
    runs.map((r) => [
      formatTime(r.startedAt),
      link(ctx.href({ view: 'history', component: r.component }), r.component),
      link(ctx.href({ view: 'run', id: r.id }), shortId(r.id), { class: 'mono', title: r.id }),
      formatDuration(r.endedAt - r.startedAt),
      h('span', { class: `status-${r.status}` }, r.status),
      r.outputs.length === 0
        ? h('span', { class: 'muted' }, '-')
        : h(
            'span',
            { class: 'mono' },
            r.outputs[0] as string,
            r.outputs.length > 1 ? h('span', { class: 'muted' }, ` +${r.outputs.length - 1}`) : null,
          ),
      link(ctx.href({ view: 'trace-run', run: r.id }), 'trace', { 'aria-label': `trace run ${r.id}` }),
    ]),
  );
}

export async function recentView(ctx: ViewContext): Promise<Node> {
  const [runs, components] = await Promise.all([ctx.api.recent(25), ctx.api.components()]);
  return fragment(
    h('h2', {}, 'Recent runs'),
    runTable(ctx, runs),
    h('h3', {}, 'Components'),
    components.length === 0
      ? h('p', { class: 'muted' }, 'No components yet.')
      : table(
          ['component', 'owner', 'tags', 'description'],
          components.map((c) => [
            link(ctx.href({ view: 'history', component: c.name }), c.name),
            c.owner || '-',
            c.tags.map((t) => h('span', { class: 'tag' }, t)),
            c.description,
          ]),
        ),
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
    ctx.api.history(v.component, { since, until, limit: 50 }),
    ctx.api.components(),
    checkStrips(ctx, v.component),
  ]);
  const component = components.find((c) => c.name === v.component);
  const sinceInput = h('input', { type: 'date', name: 'since', value: v.since ?? '' });
  const untilInput = h('input', { type: 'date', name: 'until', value: v.until ?? '' });
  const picker = h(
    'select',
    { name: 'component' },
    ...components.map((c) => h('option', { value: c.name, selected: c.name === v.component }, c.name)),
  );
  const apply = (e: Event) => {
    e.preventDefault();
    ctx.go({ view: 'history', component: picker.value, since: sinceInput.value, until: untilInput.value });
  };
  const rows = h('div', {}, runTable(ctx, page.runs));
  let cursor = page.cursor;
  const more = h('button', {
    type: 'button',
    onclick: async () => {
      const next = await ctx.api.history(v.component, { since, until, limit: 50, cursor });
      cursor = next.cursor;
      rows.append(runTable(ctx, next.runs));
      if (cursor === undefined) more.remove();
    },
  });
  more.textContent = 'Load older runs';
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
      h('button', { type: 'submit', class: 'primary' }, 'Show'),
    ),
    rows,
    cursor === undefined ? null : more,
  );
}

export async function flaggedView(ctx: ViewContext): Promise<Node> {
  const flagged = await ctx.api.flagged();
  return fragment(
    h('h2', {}, `Flagged outputs (${flagged.length})`),
    flagged.length === 0
      ? h('p', { class: 'muted' }, 'Nothing is flagged. Flag an output from a run card or with “flag POINTER”.')
      : table(
          ['pointer', 'type', 'flagged at (UTC)', ''],
          flagged.map((p) => [
            h('span', { class: 'mono' }, p.name),
            p.type,
            p.flaggedAt === undefined ? '-' : formatTime(p.flaggedAt),
            h(
              'span',
              {},
              link(ctx.href({ view: 'trace', pointer: p.name }), 'trace'),
              ' · ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'flag',
                  onclick: async () => {
                    try {
                      await ctx.api.unflag(p.name);
                      ctx.notify(`unflagged ${p.name}`);
                      ctx.refresh();
                    } catch (error) {
                      ctx.notify((error as Error).message);
                    }
                  },
                },
                'unflag',
              ),
            ),
          ]),
        ),
    flagged.length === 0 ? null : h('p', {}, link(ctx.href({ view: 'review' }), 'Review the likely culprits →')),
  );
}
