/**
 * Home for the person on call: open incidents first (flagged outputs and rows with counts,
 * failed runs, stale latest runs, drifted steps), each linking to its review or trace; then the
 * recent runs and the components. Every query starts at once, and each box fills on its own as
 * its answer arrives, so a slow one (the monitor over a big store) never holds back the rest.
 */
import type { Run } from '../../src/model.js';
import { counted, formatTime, shortId } from '../../src/render/format.js';
import { fill, fragment, h, link, table } from '../dom.js';
import { FAILED_WINDOW, STALE_COMPONENTS } from '../home-requests.js';
import type { ViewContext } from '../view-context.js';
import { runTable } from './lists.js';

/** Rows of the recent-runs table. */
export const RECENT_SHOWN = 25;
// Asked at once, and started by the served page before the bundle runs (home-requests.ts).
export { FAILED_WINDOW, STALE_COMPONENTS };

type Box = { count: number; body: Node[] };

/** One incident box: loads its content, then says how many (green when none). */
function incident(name: string, load: () => Promise<Box>, done: () => void): HTMLElement {
  const count = h('span', { class: 'count' }, '…');
  const body = h('div', {}, h('p', { class: 'muted' }, 'checking…'));
  const box = h(
    'section',
    { class: 'incident', 'aria-label': name, 'data-incident': name, 'aria-busy': 'true' },
    h('h3', { style: 'margin:0' }, count, ' ', name),
    body,
  );
  load()
    .then(
      (r) => {
        count.textContent = String(r.count);
        box.classList.toggle('calm', r.count === 0);
        box.setAttribute('data-count', String(r.count));
        fill(body, ...r.body);
      },
      (error: Error) => {
        count.textContent = '?';
        box.classList.add('calm');
        fill(body, h('p', { class: 'muted' }, `unavailable: ${error.message}`));
      },
    )
    .finally(() => {
      box.removeAttribute('aria-busy');
      done();
    });
  return box;
}

const list = (items: Node[], more: number) =>
  h('ul', {}, ...items.map((n) => h('li', {}, n)), more > 0 ? h('li', { class: 'muted' }, `… ${more} more`) : null);

async function flaggedBox(ctx: ViewContext): Promise<Box> {
  const [outputs, rows] = await Promise.all([ctx.api.flagged(), ctx.api.flaggedRowCounts()]);
  const flaggedRows = rows.reduce((n, r) => n + r.rows, 0);
  const items = [
    ...outputs.slice(0, 5).map((p) => link(ctx.href({ view: 'trace', pointer: p.name }), p.name, { class: 'mono' })),
    ...rows
      .slice(0, 5)
      .map((r) =>
        h(
          'span',
          {},
          link(ctx.href({ view: 'trace', pointer: r.pointer }), r.pointer, { class: 'mono' }),
          ` · ${counted(r.rows, 'flagged row')}`,
        ),
      ),
  ];
  const count = outputs.length + rows.length;
  return {
    count,
    body:
      count === 0
        ? [h('p', { class: 'muted' }, 'Nothing is flagged.')]
        : [
            h(
              'p',
              { style: 'margin:2px 0' },
              `${counted(outputs.length, 'output')} and ${counted(flaggedRows, 'row')} of ${counted(rows.length, 'output')} flagged.`,
            ),
            list(items, Math.max(0, outputs.length - 5) + Math.max(0, rows.length - 5)),
            h('p', { style: 'margin:4px 0 0' }, link(ctx.href({ view: 'review' }), 'Review the likely culprits →')),
          ],
  };
}

async function failedBox(ctx: ViewContext, runs: Run[]): Promise<Box> {
  const failed = runs.filter((r) => r.status === 'failed');
  return {
    count: failed.length,
    body:
      failed.length === 0
        ? [h('p', { class: 'muted' }, `None in the last ${counted(runs.length, 'run')}.`)]
        : [
            h('p', { style: 'margin:2px 0' }, `in the last ${counted(runs.length, 'run')}`),
            list(
              failed
                .slice(0, 5)
                .map((r) =>
                  h(
                    'span',
                    {},
                    h('b', {}, r.component),
                    ' ',
                    link(ctx.href({ view: 'run', id: r.id }), shortId(r.id), { class: 'mono', title: r.id }),
                    h(
                      'span',
                      { class: 'muted' },
                      ` ${formatTime(r.startedAt)}${r.error ? ` · ${r.error.message}` : ''}`,
                    ),
                  ),
                ),
              failed.length - 5,
            ),
          ],
  };
}

/** The newest run of each component with its staleness: one query, answered beside the others. */
async function staleBox(ctx: ViewContext): Promise<Box> {
  const checked = await ctx.api.latestRuns({ limit: STALE_COMPONENTS });
  const stale = checked.filter((c) => c.staleness.stale);
  return {
    count: stale.length,
    body:
      stale.length === 0
        ? [h('p', { class: 'muted' }, `The latest run of each of ${counted(checked.length, 'component')} is fresh.`)]
        : [
            h('p', { style: 'margin:2px 0' }, 'latest runs with newer upstream runs or old inputs'),
            list(
              stale.map(({ run, staleness }) =>
                h(
                  'span',
                  {},
                  link(ctx.href({ view: 'trace-run', run: run.id }), run.component),
                  h('span', { class: 'muted' }, ` · ${counted(staleness.reasons.length, 'reason')}`),
                ),
              ),
              0,
            ),
          ],
  };
}

async function driftBox(ctx: ViewContext): Promise<Box> {
  const report = await ctx.api.monitor({});
  const profiled = report.steps.filter((s) => s.profiled).length;
  const drifted = report.steps.filter((s) => s.drifted);
  return {
    count: drifted.length,
    body:
      drifted.length === 0
        ? [
            h(
              'p',
              { class: 'muted' },
              profiled === 0
                ? 'No step stores profiles: nothing is watched.'
                : `${counted(profiled, 'profiled step')}, none drifted.`,
            ),
          ]
        : [
            list(
              drifted.map((s) =>
                h(
                  'span',
                  {},
                  link(ctx.href({ view: 'trace-run', run: s.run.id }), s.component),
                  h('span', { class: 'muted' }, ` ${formatTime(s.run.startedAt)}`),
                ),
              ),
              0,
            ),
            ...report.sentences.slice(0, 3).map((t) => h('p', { class: 'muted', style: 'margin:2px 0' }, t)),
            h('p', {}, link(ctx.href({ view: 'monitor' }), 'Every step and its distributions')),
          ],
  };
}

/** A block that shows "loading…" until its content arrives, or why it could not. */
function later(label: string, content: Promise<Node>): HTMLElement {
  const box = h('div', { 'aria-busy': 'true', 'data-block': label }, h('p', { class: 'muted' }, 'loading…'));
  content
    .then(
      (node) => fill(box, node),
      (error: Error) => fill(box, h('p', { class: 'muted' }, `unavailable: ${error.message}`)),
    )
    .finally(() => box.removeAttribute('aria-busy'));
  return box;
}

/**
 * Home. Every query is asked at once (none waits on another's answer), and the view is on screen
 * as soon as the recent window answers: the boxes fill in as theirs do. An unreachable server
 * fails the view once, with the reason, rather than in every box.
 */
export async function homeView(ctx: ViewContext): Promise<Node> {
  const window = ctx.api.recent(FAILED_WINDOW);
  const components = ctx.api.components();
  let pending = 4;
  const section = h('section', { class: 'incidents', 'aria-label': 'incidents', 'data-state': 'loading' });
  const done = () => {
    if (--pending === 0) section.setAttribute('data-state', 'done');
  };
  section.append(
    incident('flagged', () => flaggedBox(ctx), done),
    incident('failed runs', () => window.then((w) => failedBox(ctx, w)), done),
    incident('stale', () => staleBox(ctx), done),
    incident('drifted steps', () => driftBox(ctx), done),
  );
  const runs = await window;
  return fragment(
    h('h2', {}, 'Incidents'),
    section,
    h('h2', {}, 'Recent runs'),
    runTable(ctx, runs.slice(0, RECENT_SHOWN)),
    h('h3', {}, 'Components'),
    later(
      'components',
      components.then((list) =>
        list.length === 0
          ? h('p', { class: 'muted' }, 'No components yet.')
          : table(
              ['component', 'owner', 'tags', 'description'],
              list.map((c) => [
                link(ctx.href({ view: 'history', component: c.name }), c.name),
                c.owner || '-',
                c.tags.map((t) => h('span', { class: 'tag' }, t)),
                c.description,
              ]),
            ),
      ),
    ),
  );
}
