/**
 * The overview of a big trace: runs grouped by component per level (deepest upstream on the
 * left), each group with its count and time span, expanded on click to its runs. Cheap to draw
 * at any size (no layout), so a trace of thousands of runs never freezes the tab.
 */
import type { Trace } from '../../src/analysis/trace.js';
import type { Run } from '../../src/model.js';
import { counted, formatTime, shortId } from '../../src/render/format.js';
import { h } from '../dom.js';

/** Runs shown when a group opens; the rest are counted. */
const GROUP_RUNS = 100;

interface Group {
  depth: number;
  component: string;
  runs: Run[];
}

/** Groups of runs by (level, component), deepest level first, each newest first. */
export function groupTrace(trace: Trace): Group[][] {
  const levels = new Map<number, Map<string, Group>>();
  for (const n of trace.nodes) {
    let level = levels.get(n.depth);
    if (level === undefined) levels.set(n.depth, (level = new Map()));
    let g = level.get(n.run.component);
    if (g === undefined) level.set(n.run.component, (g = { depth: n.depth, component: n.run.component, runs: [] }));
    g.runs.push(n.run);
  }
  return [...levels.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([, level]) => [...level.values()].sort((a, b) => b.runs.length - a.runs.length));
}

const span = (runs: Run[]) => {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of runs) {
    lo = Math.min(lo, r.startedAt);
    hi = Math.max(hi, r.startedAt);
  }
  const a = formatTime(lo).slice(0, 16);
  const b = formatTime(hi).slice(0, 16);
  return a === b ? a : `${a} → ${b}`;
};

/** The overview element; `open(id)` shows a run's card. */
export function traceOverview(trace: Trace, open: (id: string) => void): HTMLElement {
  const levels = groupTrace(trace);
  return h(
    'div',
    { class: 'overview', role: 'list', 'aria-label': 'trace overview: runs grouped by component per level' },
    ...levels.map((groups) =>
      h(
        'section',
        { class: 'level', role: 'listitem', 'aria-label': `level ${groups[0]?.depth ?? 0}` },
        h('h3', {}, groups[0]?.depth === 0 ? 'root' : `${groups[0]?.depth} up`),
        ...groups.map((g) => {
          const body = h('ul', { class: 'pointers' });
          const details = h(
            'details',
            { class: 'group', 'data-component': g.component, 'data-count': g.runs.length },
            h(
              'summary',
              {},
              h('b', {}, g.component),
              ` × ${g.runs.length}`,
              h('div', { class: 'muted' }, span(g.runs)),
            ),
            body,
          );
          // The runs are built when the group opens, not before: a group may hold thousands.
          details.addEventListener('toggle', () => {
            if (!details.open || body.childElementCount > 0) return;
            body.append(
              ...g.runs
                .slice(0, GROUP_RUNS)
                .map((r) =>
                  h(
                    'li',
                    {},
                    h(
                      'button',
                      { type: 'button', class: 'rowchip', 'data-run': r.id, onclick: () => open(r.id) },
                      `${shortId(r.id)} ${formatTime(r.startedAt).slice(5, 16)}${r.status === 'failed' ? ' failed' : ''}`,
                    ),
                  ),
                ),
              g.runs.length > GROUP_RUNS
                ? h('li', { class: 'muted' }, `… ${counted(g.runs.length - GROUP_RUNS, 'more run')}`)
                : '',
            );
          });
          return details;
        }),
      ),
    ),
  );
}
