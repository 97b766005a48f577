/**
 * The overview of a big trace: runs grouped by component per level (deepest upstream on the
 * left), each group with its count and time span, expanded on click to its runs. Cheap to draw
 * at any size (no layout), so a trace of thousands of runs never freezes the tab.
 */
import type { RunHead } from '../../src/analysis/trace.js';
import { counted, formatTime, shortId } from '../../src/render/format.js';
import { h } from '../dom.js';

/** Runs shown when a group opens; the rest are counted. */
const GROUP_RUNS = 100;
/** At most this many columns: a deep chain's levels are banded (levels 10–19 in one column). */
export const MAX_COLUMNS = 40;

interface Group {
  depth: number;
  /** The last level of the band this group covers (= depth for one level). */
  toDepth: number;
  component: string;
  runs: RunHead[];
}

/** What an overview reads of a trace: its runs' heads by depth (a whole trace, or its heads form). */
export interface OverviewTrace {
  nodes: readonly { depth: number; run: RunHead }[];
}

/** Groups of runs by (level, component), deepest level first, each newest first; levels banded past MAX_COLUMNS. */
export function groupTrace(trace: OverviewTrace): Group[][] {
  let deepest = 0;
  for (const n of trace.nodes) deepest = Math.max(deepest, n.depth);
  const band = Math.ceil((deepest + 1) / MAX_COLUMNS);
  const levels = new Map<number, Map<string, Group>>();
  for (const n of trace.nodes) {
    const from = Math.floor(n.depth / band) * band;
    let level = levels.get(from);
    if (level === undefined) levels.set(from, (level = new Map()));
    let g = level.get(n.run.component);
    if (g === undefined)
      level.set(
        n.run.component,
        (g = { depth: from, toDepth: Math.min(deepest, from + band - 1), component: n.run.component, runs: [] }),
      );
    g.runs.push(n.run);
  }
  return [...levels.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([, level]) => [...level.values()].sort((a, b) => b.runs.length - a.runs.length));
}

const span = (runs: RunHead[]) => {
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

/** A column's heading: root, "3 up", or a band "10–19 up". */
function levelName(g: Group | undefined): string {
  if (g === undefined) return '';
  if (g.toDepth > g.depth) return g.depth === 0 ? `root–${g.toDepth} up` : `${g.depth}–${g.toDepth} up`;
  return g.depth === 0 ? 'root' : `${g.depth} up`;
}

/**
 * Columns an overview draws per frame: about what the first screen shows (210 px each). The
 * first frame styles and lays out these; `moreOverview` adds as many again per later frame.
 */
export const FIRST_COLUMNS = 5;

/** The columns an overview has yet to build, by overview element. */
const pending = new WeakMap<Element, (count: number) => boolean>();

/** Builds `count` more of an overview's columns; whether any are still to come. */
export function moreOverview(overview: Element | null, count = FIRST_COLUMNS): boolean {
  const more = overview === null ? undefined : pending.get(overview);
  return more?.(count) ?? false;
}

/** Builds every column an overview has yet to build: before a search, which looks through every group. */
export function completeOverview(overview: Element | null): void {
  moreOverview(overview, Number.POSITIVE_INFINITY);
}

/** The overview element, with its first `FIRST_COLUMNS` columns; `open(id)` shows a run's card. */
export function traceOverview(trace: OverviewTrace, open: (id: string) => void): HTMLElement {
  const levels = groupTrace(trace);
  const column = (groups: Group[]) =>
    h(
      'section',
      { class: 'level', role: 'listitem', 'aria-label': `level ${levelName(groups[0])}` },
      h('h3', {}, levelName(groups[0])),
      ...groups.map((g) => {
        const details = h(
          'details',
          { class: 'group', 'data-component': g.component, 'data-count': g.runs.length },
          h('summary', {}, h('b', {}, g.component), ` × ${g.runs.length}`, h('div', { class: 'muted' }, span(g.runs))),
        );
        // The runs (and their list) are built when the group opens, not before: a group may hold thousands.
        details.addEventListener('toggle', () => {
          if (!details.open || details.querySelector('ul') !== null) return;
          details.append(
            h(
              'ul',
              { class: 'pointers' },
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
            ),
          );
        });
        return details;
      }),
    );
  const overview = h(
    'div',
    { class: 'overview', role: 'list', 'aria-label': 'trace overview: runs grouped by component per level' },
    ...levels.slice(0, FIRST_COLUMNS).map(column),
  );
  let built = FIRST_COLUMNS;
  pending.set(overview, (count) => {
    overview.append(...levels.slice(built, built + count).map(column));
    built += count;
    return built < levels.length;
  });
  return overview;
}
