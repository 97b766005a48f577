/** Cells every table of runs shares (recent runs, a component's history): its link, outputs and trace link. */
import type { Run } from '../../src/model.js';
import { shortId } from '../../src/render/format.js';
import { h, link } from '../dom.js';
import type { ViewContext } from '../view-context.js';

/** The run's short id, linked to its card. */
export const runLink = (ctx: ViewContext, r: Run) =>
  link(ctx.href({ view: 'run', id: r.id }), shortId(r.id), { class: 'mono', title: r.id });

/** The first output and how many more. */
export const outputsCell = (r: Run) =>
  r.outputs.length === 0
    ? h('span', { class: 'muted' }, '-')
    : h(
        'span',
        { class: 'mono' },
        r.outputs[0] as string,
        r.outputs.length > 1 ? h('span', { class: 'muted' }, ` +${r.outputs.length - 1}`) : null,
      );

/** A link to the run's trace, named for screen readers. */
export const traceLink = (ctx: ViewContext, r: Run) =>
  link(ctx.href({ view: 'trace-run', run: r.id }), 'trace', { 'aria-label': `trace run ${r.id}` });
