/**
 * The review view, one level at a time: the most specific answer first (rows when rows are
 * flagged, else outputs) with its top suspect, then the coarser levels folded under it. Ranks
 * are honest: candidates with equal scores share a rank, and the tie-break that orders them is
 * named beside each one.
 */
import { REACH_TEXT, type ReviewCandidate } from '../../src/analysis/candidate.js';
import type { Review } from '../../src/analysis/review.js';
import { REVIEW_METHODS } from '../../src/analysis/spectrum.js';
import { counted, formatScore, formatTime, shortId } from '../../src/render/format.js';
import { notRankedReason, ROW_MIN_SUPPORT, standsOut } from '../../src/render/review-sections.js';
import type { RowReview } from '../../src/rows/review.js';
import { fragment, h, link, td, th } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';

const TIE_RULE =
  'Rank is the place of a score: candidates with equal scores share it and are marked tied. Inside a tie the rows are listed by fewer weak steps (steps without row lineage, or aggregating steps), then by more differences (listed under each); where neither separates them nothing tells them apart.';

/** The tie-break that places a candidate inside its tie, in words. */
function tieBreak(c: ReviewCandidate, size: number): HTMLElement | null {
  if (size <= 1) return null;
  const parts = [counted(c.hops, 'weak step'), counted(c.differences.length, 'difference')];
  return h('div', { class: 'muted tiebreak' }, `tied ×${size}; listed by ${parts.join(', ')}`);
}

/** A run, component version or origin row as a candidate's label, linked where it can be. */
function candidateLabel(ctx: ViewContext, c: ReviewCandidate) {
  if (c.kind === 'run' && c.run !== undefined)
    return h(
      'span',
      {},
      h('b', {}, c.run.component),
      ' ',
      link(ctx.href({ view: 'run', id: c.run.id }), shortId(c.run.id), { class: 'mono', title: c.run.id }),
      c.run.startedAt === undefined ? null : h('span', { class: 'muted' }, ` ${formatTime(c.run.startedAt)} · `),
      c.run.startedAt === undefined
        ? null
        : link(ctx.href({ view: 'trace-run', run: c.run.id }), 'trace', { 'aria-label': `trace run ${c.run.id}` }),
    );
  if (c.kind === 'component' && c.component !== undefined) {
    const params = Object.entries(c.component.params ?? {}).map(([k, v]) => ` with params.${k} = ${v}`);
    return h(
      'span',
      {},
      h('b', {}, c.component.name),
      ` at code version ${c.component.version.slice(0, 12)}${params.join('')} (${c.component.runs} runs)`,
    );
  }
  const row = c.row;
  if (row?.key === undefined) return h('span', { class: 'mono' }, `${row?.pointer ?? ''} · row ${row?.hash ?? ''}`);
  // The original key where the pairs kept it: it names the record, and links to where it went.
  return h(
    'span',
    { class: 'mono' },
    `${row.pointer} · `,
    link(ctx.href({ view: 'rows', pointer: row.pointer, key: row.key, direction: 'forward' }), `row ${row.key}`, {
      'data-key': row.key,
      title: `what row ${row.key} reached`,
    }),
    h('span', { class: 'muted' }, ` (${row.hash})`),
  );
}

const HEAD = ['rank', 'score', 'flagged ef / F', 'unflagged ep / P', 'candidate'];

/** Candidates ranked by score, ties marked, each with the tie-break and differences under it. */
function candidateTable(ctx: ViewContext, name: string, list: ReviewCandidate[]) {
  const groupSize = new Map<number, number>();
  for (const c of list) groupSize.set(c.group, (groupSize.get(c.group) ?? 0) + 1);
  return h(
    'table',
    { 'aria-label': name, class: 'stack' },
    h('thead', {}, h('tr', {}, ...HEAD.map(th))),
    h(
      'tbody',
      {},
      ...list.map((c) => {
        const size = groupSize.get(c.group) ?? 0;
        return h(
          'tr',
          { 'data-group': c.group, 'data-rank': c.group, class: size > 1 ? 'tie' : undefined },
          td(
            'rank',
            h('span', { class: 'rank' }, `#${c.group}`),
            size > 1 ? h('span', { class: 'muted' }, ' tied') : null,
          ),
          td('score', formatScore(c.evidence.score)),
          td('flagged ef / F', `${c.evidence.ef} / ${c.evidence.F}`),
          td('unflagged ep / P', `${c.evidence.ep} / ${c.evidence.P}`),
          td(
            'candidate',
            h(
              'div',
              {},
              candidateLabel(ctx, c),
              c.reach === 'run' || c.reach === 'aggregate'
                ? h('span', { class: 'muted' }, ` (reached ${REACH_TEXT[c.reach]})`)
                : null,
              ...c.differences.map((d) => h('div', { class: 'muted' }, d)),
              tieBreak(c, size),
            ),
          ),
        );
      }),
    ),
  );
}

/** The top suspect in a sentence, with its evidence and whether it stands alone at its score. */
function topSuspect(ctx: ViewContext, level: string, list: ReviewCandidate[]): HTMLElement | null {
  const top = list[0];
  if (top === undefined) return null;
  const tied = list.filter((c) => c.group === top.group).length;
  return h(
    'section',
    { class: 'panel', 'aria-label': 'top suspect', 'data-top': top.id },
    h('h3', { style: 'margin-top:0' }, `Top suspect (${level})`),
    h('p', { style: 'margin:0' }, candidateLabel(ctx, top)),
    h(
      'p',
      { class: 'muted', style: 'margin:4px 0 0' },
      `score ${formatScore(top.evidence.score)}: reached by ${top.evidence.ef} of ${top.evidence.F} flagged and ${top.evidence.ep} of ${top.evidence.P} unflagged.`,
      tied > 1
        ? ` Tied with ${counted(tied - 1, 'other candidate')} at this score; listed first by the tie-break.`
        : '',
    ),
    ...top.differences.map((d) => h('div', { class: 'muted' }, d)),
  );
}

/**
 * Origin rows ranked only where they stand out from chance (src/render/review-sections.ts: the
 * rule the CLI uses too); the rest counted by how many flagged rows reach each, and why.
 */
function upstreamRows(ctx: ViewContext, rows: ReviewCandidate[]) {
  if (rows.length === 0) return null;
  const shown = rows.filter(standsOut);
  const rest = new Map<string, { ef: number; n: number; why: string }>();
  for (const c of rows) {
    if (standsOut(c)) continue;
    const why = notRankedReason(c);
    const key = `${c.evidence.ef} ${why}`;
    const g = rest.get(key) ?? { ef: c.evidence.ef, n: 0, why };
    g.n++;
    rest.set(key, g);
  }
  return fragment(
    h('h3', {}, 'Upstream origin rows'),
    shown.length === 0
      ? h(
          'p',
          { class: 'muted' },
          `No origin row is behind ${ROW_MIN_SUPPORT} or more flagged rows and more flagged than unflagged ones, so none stands out from chance.`,
        )
      : candidateTable(ctx, 'upstream rows behind flagged rows', shown.slice(0, 10)),
    rest.size === 0
      ? null
      : h(
          'ul',
          { class: 'muted', 'aria-label': 'origin rows not ranked' },
          ...[...rest.values()]
            .sort((a, b) => b.ef - a.ef)
            .map((g) =>
              h(
                'li',
                { 'data-ef': g.ef },
                `${counted(g.n, 'row')} with ${g.ef === 1 ? 'one flag' : `${g.ef} flags`} each (${g.why}: not ranked)`,
              ),
            ),
        ),
  );
}

/** The row level: runs, component versions and origin rows behind the flagged rows. */
function rowLevel(ctx: ViewContext, rows: RowReview) {
  return h(
    'section',
    { 'aria-label': 'flagged rows review', 'data-level': 'rows' },
    h(
      'h3',
      {},
      `Row level: behind the ${counted(rows.F, 'flagged row')} (${rows.P} unflagged rows of the same outputs)`,
    ),
    candidateTable(ctx, 'runs and code versions behind flagged rows', rows.candidates.slice(0, 10)),
    upstreamRows(ctx, rows.rows),
  );
}

/** The output level: runs and code versions behind the flagged outputs. */
function outputLevel(ctx: ViewContext, review: Review) {
  return review.candidates.length === 0
    ? h('p', { class: 'muted' }, 'No candidates: flag some outputs first (run cards have flag toggles).')
    : candidateTable(ctx, 'ranked runs', review.candidates.slice(0, 30));
}

/** The component level; when every component ties, says why instead of ranking them all #1. */
function componentLevel(ctx: ViewContext, review: Review) {
  if (review.components.length === 0) return null;
  const all = review.components.flatMap((g) => g.candidates);
  const oneTie = review.components.length === 1 && all.length > 1;
  return fragment(
    oneTie
      ? h(
          'p',
          { class: 'note', role: 'note' },
          `All ${all.length} components tie: the same ${review.components[0]?.ef} flagged and ${review.components[0]?.ep} unflagged outputs reach each of them, so the component level cannot tell them apart. The runs and code versions above can.`,
        )
      : null,
    h(
      'table',
      { 'aria-label': 'ranked components', class: 'stack' },
      h('thead', {}, h('tr', {}, ...['rank', 'score', 'flagged ef / F', 'unflagged ep / P', 'components'].map(th))),
      h(
        'tbody',
        {},
        ...review.components.map((g) =>
          h(
            'tr',
            { class: g.candidates.length > 1 ? 'tie' : undefined, 'data-rank': g.rank },
            td(
              'rank',
              h('span', { class: 'rank' }, `#${g.rank}`),
              g.candidates.length > 1 ? h('span', { class: 'muted' }, ` tied ×${g.candidates.length}`) : null,
            ),
            td('score', formatScore(g.score)),
            td('flagged ef / F', `${g.ef} / ${review.F}`),
            td('unflagged ep / P', `${g.ep} / ${review.P}`),
            td(
              'components',
              ...g.candidates.map((c) =>
                h(
                  'div',
                  {},
                  link(ctx.href({ view: 'history', component: c.name }), c.name),
                  c.bestVersion === undefined ? null : h('span', { class: 'muted' }, ` best: ${c.bestVersion}`),
                ),
              ),
              g.candidates.length > 1
                ? h('div', { class: 'muted tiebreak' }, 'listed by best version, then name')
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

/** A folded section: a summary line a person opens when the level above does not settle it. */
function folded(summary: string, level: string, open: boolean, ...body: (Node | null)[]) {
  return h('details', { open, 'data-level': level }, h('summary', {}, h('b', {}, summary)), ...body);
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
  const rows = review.rows;
  const specific = rows !== undefined && rows.candidates.length > 0;
  const levels = [
    rows === undefined ? null : `${counted(rows.F, 'flagged row')} (row level)`,
    `${counted(review.F, 'flagged output')} (output level)`,
  ].filter((x): x is string => x !== null);
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
                link(ctx.href({ view: 'trace', pointer: f.pointer }), 'trace', { 'aria-label': `trace ${f.pointer}` }),
              ),
            ),
          review.flagged.length > 300 ? h('li', { class: 'muted' }, `… ${review.flagged.length - 300} more`) : null,
        ),
  );
  const outputSummary = `Output level: runs and code versions behind the ${counted(review.F, 'flagged output')}`;
  return fragment(
    h('h2', {}, 'Review: who is to blame?'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'scoring method', method),
      h(
        'p',
        { class: 'muted', style: 'margin:0' },
        `Flags: ${levels.join(', ')}; ${review.P} unflagged outputs of the same components. `,
        'ef and ep count the flagged and unflagged items whose lineage reaches the candidate. ',
        TIE_RULE,
      ),
    ),
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        {},
        topSuspect(
          ctx,
          specific ? 'row level' : 'output level',
          specific ? (rows as RowReview).candidates : review.candidates,
        ),
        rows === undefined ? null : rowLevel(ctx, rows),
        specific
          ? folded(outputSummary, 'outputs', false, outputLevel(ctx, review))
          : fragment(h('h3', {}, outputSummary), outputLevel(ctx, review)),
        review.components.length === 0
          ? null
          : folded(
              'Component level',
              'components',
              !specific && review.candidates.length === 0,
              componentLevel(ctx, review),
            ),
        ...review.notes.map((n) => h('p', { class: 'muted' }, n)),
      ),
      flagged,
    ),
  );
}
