/**
 * Checks in the dashboard: a run's results as a section of its card, and a component's check
 * history as a pass/fail strip (one mark per result, oldest left) above its run history.
 */
import type { CheckEntry } from '../../src/checks/query.js';
import type { CheckOutcome, Run } from '../../src/model.js';
import { formatDuration, formatTime } from '../../src/render/format.js';
import { h, table } from '../dom.js';
import type { ViewContext } from '../view-context.js';

// Colour is never the only cue: each mark also carries its outcome as a letter and a label.
const MARK: Record<CheckOutcome, { colour: string; letter: string }> = {
  pass: { colour: '#1f7a3f', letter: '✓' },
  fail: { colour: '#c62828', letter: '✗' },
  error: { colour: '#b45309', letter: '!' },
};

/** The run card's checks section; null for a run without check results. */
export function checksSection(run: Run): HTMLElement | null {
  const checks = run.checks;
  if (checks === undefined || checks.length === 0) return null;
  const failed = checks.filter((c) => c.outcome !== 'pass').length;
  return h(
    'section',
    { 'aria-label': 'checks' },
    h('h3', {}, `Checks (${failed === 0 ? 'all passed' : `${failed} of ${checks.length} not passed`})`),
    table(
      ['outcome', 'phase', 'check', 'message', 'took'],
      checks.map((c) => [
        h('span', { class: c.outcome === 'pass' ? 'status-succeeded' : 'status-failed' }, c.outcome),
        c.phase,
        [
          c.name,
          c.pointer === undefined ? '' : h('div', { class: 'mono muted' }, c.pointer, c.column ? `.${c.column}` : ''),
        ],
        c.message ?? '',
        c.durationMs === undefined ? '-' : formatDuration(c.durationMs),
      ]),
      { 'aria-label': 'check results' },
    ),
  );
}

function mark(ctx: ViewContext, r: CheckEntry): HTMLElement {
  const m = MARK[r.outcome];
  const label = `${r.name}: ${r.outcome}${r.message ? ` (${r.message})` : ''}, run started ${formatTime(r.at)} UTC`;
  return h(
    'li',
    { style: 'display:inline-block;margin:0 2px 2px 0' },
    h(
      'a',
      {
        href: ctx.href({ view: 'run', id: r.run }),
        title: label,
        'aria-label': label,
        'data-outcome': r.outcome,
        style: `display:inline-block;width:14px;height:18px;line-height:18px;text-align:center;font-size:11px;color:#fff;border-radius:3px;background:${m.colour}`,
      },
      m.letter,
    ),
  );
}

/** A component's recent check results, one strip per check name; empty when it has none. */
export async function checkStrips(ctx: ViewContext, component: string): Promise<HTMLElement | null> {
  const { results, truncated } = await ctx.api.checks({ component, limit: 600 });
  if (results.length === 0) return null;
  const byName = new Map<string, CheckEntry[]>();
  for (const r of results) {
    let list = byName.get(r.name);
    if (list === undefined) byName.set(r.name, (list = []));
    list.push(r);
  }
  return h(
    'section',
    { class: 'panel', 'aria-label': 'check history', style: 'margin-bottom:12px' },
    h('h3', { style: 'margin-top:0' }, `Check history${truncated ? ' (latest results)' : ''}`),
    ...[...byName].map(([name, list]) => {
      const passed = list.filter((r) => r.outcome === 'pass').length;
      return h(
        'div',
        { 'data-check': name },
        h('div', {}, h('b', {}, name), h('span', { class: 'muted' }, ` ${passed} of ${list.length} passed`)),
        h('ul', { style: 'list-style:none;padding:0;margin:2px 0 8px' }, ...list.map((r) => mark(ctx, r))),
      );
    }),
  );
}
