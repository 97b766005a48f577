/**
 * Retractions: the list (#/retractions), and a retraction's report (#/retraction/LABEL) with the
 * affected rows stage by stage in pipeline order, recomputed from lineage when opened.
 */
import type { RetractionItem, RetractionReport } from '../../src/labels/retract.js';
import { formatTime, shortId } from '../../src/render/format.js';
import type { RowRef } from '../../src/rows/trace.js';
import { rowKeyToText } from '../../src/rows/wire.js';
import { fragment, h, link, table } from '../dom.js';
import type { ViewContext } from '../view-context.js';

/** Rows shown per stage (the report counts them all). */
const SHOWN = 20;

export async function retractionsView(ctx: ViewContext): Promise<Node> {
  const list = await ctx.api.retractions({ all: true });
  return fragment(
    h('h2', {}, `Retractions (${list.filter((r) => r.open).length} open)`),
    list.length === 0
      ? h('p', { class: 'muted' }, 'Nothing is retracted. Retract a label with “retract LABEL --reason TEXT”.')
      : table(
          ['label', 'retracted (UTC)', 'state', 'flags set', 'reason'],
          list.map((r) => [
            link(ctx.href({ view: 'retraction', label: r.label }), r.label),
            formatTime(r.at),
            r.open ? 'open' : `closed ${formatTime(r.closedAt ?? 0)}`,
            `${r.flagged.pointers} outputs, ${r.flagged.rows} rows`,
            r.reason,
          ]),
        ),
  );
}

const rowText = (r: RowRef) => (r.key === undefined ? r.hash : rowKeyToText(r.key));

function rowsCell(item: RetractionItem): Node {
  if (!item.rowLevel) return h('span', { class: 'muted' }, item.note ?? 'whole output');
  const shown = item.rows.slice(0, SHOWN).map(rowText).join(', ');
  const more = item.rowCount > SHOWN ? ` … (${item.rowCount - SHOWN} more)` : '';
  return h('span', { class: 'mono' }, `${item.rowCount} rows: ${shown}${more}`);
}

const FLAGGED: Record<RetractionItem['flagged'], string> = {
  pointer: 'flagged (output)',
  rows: 'flagged (rows)',
  already: 'already flagged',
  none: 'not in use: not flagged',
};

export async function retractionView(ctx: ViewContext, label: string): Promise<Node> {
  const r: RetractionReport = await ctx.api.retraction(label);
  // Stage by stage in pipeline order: the run time orders the report's three kinds together.
  const items = [...r.models, ...r.predictions, ...r.files].sort(
    (a, b) => a.run.endedAt - b.run.endedAt || a.run.startedAt - b.run.startedAt || (a.run.id < b.run.id ? -1 : 1),
  );
  const kind = { model: 'model', predictions: 'predictions', intermediate: 'intermediate file' };
  return fragment(
    h('h2', {}, `Retraction of ${r.label}`),
    h(
      'p',
      {},
      `${r.open ? 'Open' : 'Closed'} · retracted ${formatTime(r.retractedAt)} · ${r.reason} · flag reason `,
      h('span', { class: 'mono' }, r.flagReason),
      ` · ${r.flagged.pointers} outputs and ${r.flagged.rows} rows flagged`,
    ),
    h('h3', {}, 'Labelled data'),
    table(
      ['pointer', 'rows'],
      r.sources.map((s) => [
        h('span', { class: 'mono' }, s.pointer),
        s.whole ? 'the whole output' : `${s.rowCount} rows: ${s.rows.slice(0, SHOWN).map(rowText).join(', ')}`,
      ]),
    ),
    h('h3', {}, `Affected, stage by stage (${items.length})`),
    items.length === 0
      ? h('p', { class: 'muted' }, 'Nothing was derived from the labelled data.')
      : table(
          ['stage', 'run', 'output', 'kind', 'affected rows', 'flag'],
          items.map((i) => [
            i.run.component,
            link(ctx.href({ view: 'run', id: i.run.id }), shortId(i.run.id)),
            h('span', { class: 'mono' }, i.pointer),
            kind[i.kind],
            rowsCell(i),
            FLAGGED[i.flagged],
          ]),
          { 'aria-label': 'affected outputs by stage' },
        ),
    h('h3', {}, 'Rebuild, in pipeline order'),
    r.rebuild.length === 0
      ? h('p', { class: 'muted' }, 'Nothing in use was built from the data.')
      : h(
          'ol',
          {},
          ...r.rebuild.map((s) =>
            h(
              'li',
              {},
              `${s.run.component} `,
              link(ctx.href({ view: 'run', id: s.run.id }), shortId(s.run.id)),
              `: ${s.outputs.join(', ')}`,
            ),
          ),
        ),
    r.violations.length === 0
      ? null
      : fragment(
          h('h3', {}, 'Violations: read the data after the retraction'),
          h(
            'ul',
            {},
            ...r.violations.map((v) =>
              h(
                'li',
                {},
                `${v.run.component} `,
                link(ctx.href({ view: 'run', id: v.run.id }), shortId(v.run.id)),
                ` read ${v.inputs.join(', ')}`,
              ),
            ),
          ),
        ),
  );
}
