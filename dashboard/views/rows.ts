/**
 * The row trace view: one row's path through the stages (backward to the raw records it came
 * from, or forward to the outputs it reached); a row with a known key can be followed further.
 */

import { counted, shortId } from '../../src/render/format.js';
import type { RowRef, RowStepInput, RowTrace } from '../../src/rows/trace.js';
import { rowKeyToText } from '../../src/rows/wire.js';
import { parseRowKey } from '../api.js';
import { asJsonKey } from '../commands.js';
import { fragment, h, link } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';

type RowsView = Extract<View, { view: 'rows' }>;

function chips(ctx: ViewContext, pointer: string, rows: RowRef[], count: number, direction: RowsView['direction']) {
  const shown = rows.slice(0, 20).map((r) => {
    if (r.key === undefined) return h('span', { class: 'rowchip', title: 'hash (the run kept no keys)' }, `#${r.hash}`);
    const key = rowKeyToText(r.key);
    return h(
      'button',
      {
        type: 'button',
        class: 'rowchip',
        title: `follow row ${key} of ${pointer}`,
        onclick: () => ctx.go({ view: 'rows', pointer, key, direction }),
      },
      key,
    );
  });
  return h(
    'span',
    {},
    ...shown,
    count > shown.length ? h('span', { class: 'muted' }, ` … ${count - shown.length} more`) : null,
  );
}

function linkRows(ctx: ViewContext, l: RowStepInput, direction: RowsView['direction']) {
  return h(
    'div',
    {},
    h('span', { class: 'mono' }, l.pointer),
    h(
      'span',
      { class: 'muted' },
      l.kind === 'none' ? ' (run level: no row lineage recorded) ' : ` (${l.kind}, ${counted(l.rowCount, 'row')}) `,
    ),
    chips(ctx, l.pointer, l.rows, l.rowCount, direction),
  );
}

export async function rowsView(ctx: ViewContext, v: RowsView): Promise<Node> {
  const direction = v.direction ?? 'backward';
  const pointer = h('input', { name: 'pointer', value: v.pointer ?? '', size: 40, required: true, class: 'mono' });
  const key = h('input', {
    name: 'key',
    value: v.key ?? '',
    size: 16,
    required: true,
    class: 'mono',
    placeholder: '42 or "id-7" or ["a",1]',
  });
  const dir = h(
    'select',
    { name: 'direction' },
    h('option', { value: 'backward', selected: direction === 'backward' }, 'backward: where it came from'),
    h('option', { value: 'forward', selected: direction === 'forward' }, 'forward: what it reached'),
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      'aria-label': 'row to trace',
      onsubmit: (e: Event) => {
        e.preventDefault();
        ctx.go({
          view: 'rows',
          pointer: pointer.value,
          key: asJsonKey(key.value.trim()),
          direction: dir.value as never,
        });
      },
    },
    h('label', {}, 'pointer', pointer),
    h('label', {}, 'row key (JSON; a bare word is a string)', key),
    h('label', {}, 'direction', dir),
    h('button', { type: 'submit', class: 'primary' }, 'Trace row'),
  );
  const page = (...result: (Node | null)[]) =>
    fragment(h('h2', {}, 'Row lineage'), form, h('div', { 'aria-live': 'polite' }, ...result));
  if (v.pointer === undefined || v.key === undefined) {
    return page(
      h('p', { class: 'muted' }, 'Give an output pointer and a row key to see the rows it came from, stage by stage.'),
    );
  }
  const walk = direction === 'forward' ? ctx.api.impact : ctx.api.traceRow;
  const trace: RowTrace = await walk(v.pointer, parseRowKey(v.key));
  const steps = trace.steps.map((s) =>
    h(
      'section',
      { class: 'step', 'data-depth': s.depth },
      h(
        'div',
        {},
        h('b', {}, `${s.depth}. ${s.run.component}`),
        ' ',
        link(ctx.href({ view: 'run', id: s.run.id }), shortId(s.run.id), { class: 'mono', title: s.run.id }),
        h('span', { class: 'muted' }, direction === 'backward' ? ' wrote ' : ' read '),
        h('span', { class: 'mono' }, s.pointer),
        ' ',
        chips(ctx, s.pointer, s.rows, s.rowCount, direction),
      ),
      s.note ? h('div', { class: s.rowLevel ? 'warn' : 'muted', style: 'font-style:italic' }, s.note) : null,
      h(
        'div',
        { style: 'margin:4px 0 0 18px' },
        h('span', { class: 'muted' }, direction === 'backward' ? 'from ' : 'into '),
        s.links.length === 0
          ? h('span', { class: 'muted' }, 'nothing recorded')
          : s.links.map((l) => linkRows(ctx, l, direction)),
      ),
    ),
  );
  return page(
    h(
      'p',
      { class: 'muted' },
      `${counted(trace.steps.length, 'step')}; row hash ${trace.hash}.`,
      trace.truncated ? ' Stopped at the step limit.' : '',
    ),
    trace.steps.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'No run with row lineage wrote this row: it is a raw record (or the pointer is unknown).',
        )
      : null,
    ...steps,
    direction === 'backward' && trace.origins.length > 0
      ? h(
          'div',
          { class: 'panel' },
          h('h3', { style: 'margin-top:0' }, 'Origins: raw rows with no recorded source'),
          ...trace.origins.map((o) =>
            h(
              'div',
              {},
              h('span', { class: 'mono' }, o.pointer),
              ' ',
              chips(ctx, o.pointer, o.rows, o.rowCount, direction),
            ),
          ),
        )
      : null,
  );
}
