/**
 * The review view: ranked culprits (runs and components, tied candidates grouped under one
 * rank) with the evidence each score rests on, beside the flagged outputs they explain.
 */
import type { RankedGroup } from '../../src/analysis/ranking.js';
import { REVIEW_METHODS } from '../../src/analysis/spectrum.js';
import { formatScore, formatTime, shortId } from '../../src/render/format.js';
import type { RowReview, RowReviewCandidate } from '../../src/rows/review.js';
import type { ViewContext } from '../app.js';
import { fragment, h, link } from '../dom.js';
import type { View } from '../hash-router.js';

function evidenceCells(g: RankedGroup<unknown>, F: number, P: number, top: number) {
  const share = top > 0 ? Math.round((g.score / top) * 100) : 0;
  return [
    h('span', { class: 'rank' }, `#${g.rank}`),
    h(
      'div',
      {},
      formatScore(g.score),
      h('div', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${share}%` })),
    ),
    h('span', { title: 'flagged outputs whose lineage holds it / all flagged' }, `${g.ef} / ${F}`),
    h('span', { title: 'unflagged outputs whose lineage holds it / all unflagged' }, `${g.ep} / ${P}`),
  ];
}

/** The row review: runs, component versions and origin rows behind the flagged rows. */
function rowCulprits(ctx: ViewContext, rows: RowReview) {
  const label = (c: RowReviewCandidate) =>
    c.kind === 'run' && c.run !== undefined
      ? h(
          'span',
          {},
          h('b', {}, c.run.component),
          ' ',
          link(ctx.href({ view: 'run', id: c.run.id }), shortId(c.run.id), { class: 'mono', title: c.run.id }),
        )
      : c.kind === 'component' && c.component !== undefined
        ? h('span', {}, h('b', {}, c.component.name), ` at code version ${c.component.version.slice(0, 12)}`)
        : h('span', { class: 'mono' }, `${c.row?.pointer ?? ''} · row ${c.row?.hash ?? ''}`);
  const table = (name: string, list: RowReviewCandidate[]) =>
    h(
      'table',
      { 'aria-label': name },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['rank', 'score', 'flagged ef / F', 'unflagged ep / P', 'candidate'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...list.map((c) =>
          h(
            'tr',
            { 'data-group': c.group },
            h('td', {}, h('span', { class: 'rank' }, `#${c.rank}`)),
            h('td', {}, formatScore(c.evidence.score)),
            h('td', {}, `${c.evidence.ef} / ${c.evidence.F}`),
            h('td', {}, `${c.evidence.ep} / ${c.evidence.P}`),
            h(
              'td',
              {},
              label(c),
              c.reach === 'run' ? h('span', { class: 'muted' }, ' (reached at run level)') : null,
              ...c.differences.map((d) => h('div', { class: 'muted' }, d)),
            ),
          ),
        ),
      ),
    );
  return h(
    'section',
    { 'aria-label': 'flagged rows review' },
    h('h3', {}, `Behind the flagged rows (${rows.F} flagged, ${rows.P} unflagged rows of the same outputs)`),
    table('runs and code versions behind flagged rows', rows.candidates.slice(0, 10)),
    rows.rows.length === 0 ? null : h('h3', {}, 'Upstream rows'),
    rows.rows.length === 0 ? null : table('upstream rows behind flagged rows', rows.rows.slice(0, 10)),
  );
}

export async function reviewView(ctx: ViewContext, v: Extract<View, { view: 'review' }>): Promise<Node> {
  const review = await ctx.api.review(v.method === undefined ? {} : { method: v.method });
  const method = h(
    'select',
    {
      name: 'method',
      onchange: (e: Event) => ctx.go({ view: 'review', method: (e.target as HTMLSelectElement).value as never }),
    },
    ...REVIEW_METHODS.map((m) => h('option', { value: m, selected: m === review.method }, m)),
  );
  const head = ['rank', 'score', 'flagged ef / F', 'unflagged ep / P'];
  const top = review.runs[0]?.score ?? 0;
  const runs =
    review.runs.length === 0
      ? h('p', { class: 'muted' }, 'No candidates: flag some outputs first (run cards have flag toggles).')
      : h(
          'table',
          { 'aria-label': 'ranked runs' },
          h('thead', {}, h('tr', {}, ...[...head, 'runs'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            ...review.runs.map((g) =>
              h(
                'tr',
                { class: g.candidates.length > 1 ? 'tie' : undefined, 'data-rank': g.rank },
                ...evidenceCells(g, review.F, review.P, top).map((c) => h('td', {}, c)),
                h(
                  'td',
                  {},
                  g.candidates.length > 1
                    ? h('div', { class: 'muted' }, `${g.candidates.length} tied: same evidence`)
                    : null,
                  ...g.candidates
                    .slice(0, 12)
                    .map((c) =>
                      h(
                        'div',
                        {},
                        h('b', {}, c.component),
                        ' ',
                        link(ctx.href({ view: 'run', id: c.id }), shortId(c.id), { class: 'mono', title: c.id }),
                        h('span', { class: 'muted' }, ` ${formatTime(c.startedAt)} · `),
                        link(ctx.href({ view: 'trace-run', run: c.id }), 'trace'),
                      ),
                    ),
                  g.candidates.length > 12 ? h('div', { class: 'muted' }, `… ${g.candidates.length - 12} more`) : null,
                ),
              ),
            ),
          ),
        );
  const ctop = review.components[0]?.score ?? 0;
  const components =
    review.components.length === 0
      ? null
      : h(
          'table',
          { 'aria-label': 'ranked components' },
          h('thead', {}, h('tr', {}, ...[...head, 'components'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            ...review.components.map((g) =>
              h(
                'tr',
                { class: g.candidates.length > 1 ? 'tie' : undefined },
                ...evidenceCells(g, review.F, review.P, ctop).map((c) => h('td', {}, c)),
                h(
                  'td',
                  {},
                  ...g.candidates.map((c) =>
                    h('div', {}, link(ctx.href({ view: 'history', component: c.name }), c.name)),
                  ),
                ),
              ),
            ),
          ),
        );
  const rows = review.rows === undefined ? null : rowCulprits(ctx, review.rows);
  const flagged = h(
    'aside',
    { class: 'panel', 'aria-label': 'flagged outputs' },
    h('h3', { style: 'margin-top:0' }, `Flagged outputs (${review.flagged.length})`),
    review.flagged.length === 0
      ? h('p', { class: 'muted' }, 'None.')
      : h(
          'ul',
          { class: 'pointers' },
          ...review.flagged
            .slice(0, 300)
            .map((f) =>
              h(
                'li',
                {},
                h('span', { class: 'mono' }, f.pointer),
                f.producer === undefined
                  ? h('span', { class: 'muted' }, 'no producer')
                  : link(ctx.href({ view: 'run', id: f.producer }), f.component ?? 'run'),
                link(ctx.href({ view: 'trace', pointer: f.pointer }), 'trace'),
              ),
            ),
          review.flagged.length > 300 ? h('li', { class: 'muted' }, `… ${review.flagged.length - 300} more`) : null,
        ),
  );
  return fragment(
    h('h2', {}, 'Review: who is to blame?'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'scoring method', method),
      h(
        'p',
        { class: 'muted', style: 'margin:0' },
        `${review.F} flagged outputs, ${review.P} unflagged outputs of the same components. `,
        'ef and ep count flagged and unflagged outputs whose lineage contains the candidate; tied candidates share a rank.',
      ),
    ),
    h(
      'div',
      { class: 'split' },
      h('div', {}, rows, h('h3', {}, 'Runs'), runs, components ? h('h3', {}, 'Components') : null, components),
      flagged,
    ),
  );
}
