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
 * Columns an overview draws per frame: three (210 px each), a little less than a wide first
 * screen shows, since that frame also lays out the rest of the view. The first frame styles and
 * lays out these; `moreOverview` adds as many again per later frame.
 */
export const FIRST_COLUMNS = 3;

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

/** Each group's runs, by its head: the list is built when the group first opens. */
const groupRuns = new WeakMap<Element, { runs: RunHead[]; open: (id: string) => void }>();

/**
 * Opens or closes a group (its head is a disclosure button): its runs' list is built on first
 * open, not before, since a group may hold thousands.
 */
function toggleGroup(head: Element): void {
  const group = head.parentElement;
  const known = groupRuns.get(head);
  if (group === null || known === undefined) return;
  const open = head.getAttribute('aria-expanded') !== 'true';
  head.setAttribute('aria-expanded', String(open));
  let list = group.querySelector(':scope > ul');
  if (list === null && open) {
    const { runs, open: openRun } = known;
    list = h(
      'ul',
      { class: 'pointers' },
      ...runs
        .slice(0, GROUP_RUNS)
        .map((r) =>
          h(
            'li',
            {},
            h(
              'button',
              { type: 'button', class: 'rowchip', 'data-run': r.id, onclick: () => openRun(r.id) },
              `${shortId(r.id)} ${formatTime(r.startedAt).slice(5, 16)}${r.status === 'failed' ? ' failed' : ''}`,
            ),
          ),
        ),
      runs.length > GROUP_RUNS ? h('li', { class: 'muted' }, `… ${counted(runs.length - GROUP_RUNS, 'more run')}`) : '',
    );
    group.append(list);
  }
  if (list !== null) (list as HTMLElement).hidden = !open;
}

/** The group head an event is on, if any. */
const headOf = (e: Event) => (e.target as Element).closest?.('.group > .head') ?? null;

/** The overview element, with its first `FIRST_COLUMNS` columns; `open(id)` shows a run's card. */
export function traceOverview(trace: OverviewTrace, open: (id: string) => void): HTMLElement {
  const levels = groupTrace(trace);
  // A group is a plain box with a disclosure button for a head: a <details> per group (its own
  // shadow tree) cost 4-5 times the style and layout, which on a 1,000-run trace made one long frame.
  const column = (groups: Group[]) =>
    h(
      'section',
      { class: 'level', role: 'listitem', 'aria-label': `level ${levelName(groups[0])}` },
      h('h3', {}, levelName(groups[0])),
      ...groups.map((g) => {
        const head = h(
          'div',
          { class: 'head', role: 'button', tabindex: '0', 'aria-expanded': 'false' },
          h('b', {}, g.component),
          ` × ${g.runs.length}`,
          h('div', { class: 'muted' }, span(g.runs)),
        );
        groupRuns.set(head, { runs: g.runs, open });
        return h('div', { class: 'group', 'data-component': g.component, 'data-count': g.runs.length }, head);
      }),
    );
  const overview = h(
    'div',
    { class: 'overview', role: 'list', 'aria-label': 'trace overview: runs grouped by component per level' },
    ...levels.slice(0, FIRST_COLUMNS).map(column),
  );
  overview.addEventListener('click', (e) => {
    const head = headOf(e);
    if (head !== null) toggleGroup(head);
  });
  overview.addEventListener('keydown', (e) => {
    const head = headOf(e);
    if (head !== null && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      toggleGroup(head);
    }
  });
  let built = FIRST_COLUMNS;
  pending.set(overview, (count) => {
    overview.append(...levels.slice(built, built + count).map(column));
    built += count;
    return built < levels.length;
  });
  return overview;
}
