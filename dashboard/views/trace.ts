/**
 * The trace view: the DAG behind a pointer or run, laid out in layers left to right (the same
 * SVG the notebook renderer draws); a click, Enter or Space on a node opens its run card.
 */
import type { Trace, TraceHeads } from '../../src/analysis/trace.js';
import { TRACE_PAGE_MAX } from '../../src/queries.js';
import { counted, formatCount, formatTime } from '../../src/render/format.js';
import { toDot, toMermaid } from '../../src/render/text.js';
import { versionTime } from '../../src/target.js';
import { fill, fragment, h, link } from '../dom.js';
import type { View } from '../hash-router.js';
import type { ViewContext } from '../view-context.js';
import { nextFrame, nextTask } from '../yield.js';
import { cardExtras, runCard } from './run-card.js';
import { type TraceGraph, traceGraph } from './trace-graph.js';
import { completeOverview, moreOverview, traceOverview } from './trace-overview.js';

/**
 * The pointer's versions (its writers, newest first, from the root's component history), each
 * linking to the trace of that version: on call, the bad day is often not the latest.
 */
function versions(ctx: ViewContext, v: Extract<View, { view: 'trace' }>, trace: Trace | TraceHeads): HTMLElement {
  const box = h('nav', { class: 'toolbar', 'aria-label': 'versions' });
  const root = trace.nodes.find((n) => n.run.id === trace.root)?.run;
  if (root === undefined) return box;
  // Asked after the first picture is on screen: the picture comes first.
  nextFrame()
    .then(() => ctx.api.history(root.component, { limit: 200 }))
    .then(
      (page) => {
        const writers = page.runs.filter((r) => r.outputs.includes(v.pointer)).slice(0, 12);
        if (writers.length < 2) return;
        box.append(
          h('span', { class: 'muted' }, `Versions of ${v.pointer}:`),
          ...writers.map((r) =>
            r.id === trace.root
              ? h('b', { 'aria-current': 'true' }, formatTime(r.startedAt).slice(0, 16))
              : link(
                  ctx.href({ view: 'trace', pointer: v.pointer, at: String(r.startedAt + 1) }),
                  formatTime(r.startedAt).slice(0, 16),
                ),
          ),
        );
      },
      () => undefined,
    );
  return box;
}

type TraceView = Extract<View, { view: 'trace' | 'trace-run' }>;

/** Levels asked for first: a deep chain of thousands of runs must not arrive (or draw) at once. */
export const FIRST_DEPTH = 8;
/** Above this many runs the trace shows grouped (by component per level) instead of as a DAG. */
export const GROUP_ABOVE = 150;

/** Whether an answer holds whole runs (not the heads form a big trace's overview asks for). */
const whole = (trace: Trace | TraceHeads): trace is Trace => !('heads' in trace);

/** The depth a view asks for: a number of levels, or undefined for all. */
function depthOf(v: TraceView): number | undefined {
  if (v.depth === 'all') return undefined;
  const n = Number(v.depth);
  return Number.isInteger(n) && n >= 0 ? n : FIRST_DEPTH;
}

export async function traceView(ctx: ViewContext, v: TraceView): Promise<Node> {
  const depth = depthOf(v);
  const at = v.view === 'trace' && v.at !== undefined ? versionTime(v.at) : undefined;
  const traced = v.view === 'trace' ? { pointer: v.pointer } : { run: v.run };
  const asGraph = v.as === 'graph';
  // One page at a time: the server sends at most TRACE_PAGE_MAX runs per answer anyway.
  const wholeOptions = {
    ...(depth === undefined ? {} : { depth }),
    ...(at === undefined ? {} : { at }),
    limit: TRACE_PAGE_MAX,
  };
  // A trace to be grouped comes as its runs' heads: a quarter of the bytes to read and parse.
  const options = asGraph ? wholeOptions : { ...wholeOptions, headsAbove: GROUP_ABOVE };
  const trace = await ctx.api.trace(traced, options);
  // Reading a big answer is one task, grouping it another, building the rest of the view and its
  // first layout a third: none runs long.
  await nextTask();
  const grouped = () => !whole(trace) || (trace.nodes.length > GROUP_ABOVE && !asGraph);
  let overview = grouped() ? traceOverview(trace, (id) => void showing(id, true)) : undefined;
  if (overview !== undefined) await nextTask();
  const graph = h('div', {
    class: 'graph',
    'data-trace': trace.root,
    'data-grouped': grouped() ? 'true' : undefined,
    tabindex: grouped() ? undefined : '0',
    role: grouped() ? undefined : 'region',
    'aria-label': grouped() ? undefined : 'trace picture: arrow keys pan, + and − zoom, 0 fits',
  });
  const side = h('div', { class: 'side' });
  let open = v.open !== undefined && trace.nodes.some((n) => n.run.id === v.open) ? v.open : trace.root;
  const zoomBox = h('div', {});

  let picture: TraceGraph | undefined;
  const draw = () => {
    if (grouped() || !whole(trace)) {
      if (graph.childElementCount === 0) {
        graph.append(overview ?? traceOverview(trace, (id) => void showing(id, true)));
        // Its other columns after the first picture, a few per frame.
        const rest = () => {
          if (moreOverview(graph.firstElementChild)) void nextFrame().then(rest);
        };
        void nextFrame().then(rest);
      }
      overview = undefined;
      return;
    }
    if (picture === undefined) {
      picture = traceGraph(graph, trace, open);
      zoomBox.replaceChildren(picture.controls);
    } else picture.select(open);
  };
  const redraw = () => {
    picture?.stop();
    picture = undefined;
    graph.replaceChildren();
    draw();
  };
  const show = async (id: string, focus: boolean) => {
    open = id;
    draw();
    ctx.replace({ ...v, open: id === trace.root ? undefined : id });
    const head = trace.nodes.find((n) => n.run.id === id)?.run;
    if (head === undefined) return;
    // A heads answer holds no whole runs: the card asks for its own.
    const [run, extras] = await Promise.all([
      whole(trace) ? trace.nodes.find((n) => n.run.id === id)?.run : ctx.api.inspect(id),
      cardExtras(ctx, head),
    ]);
    if (run === undefined || !ctx.current() || open !== id) return;
    const card = runCard(ctx, run, extras);
    fill(side, card);
    if (focus) card.querySelector('a')?.focus();
  };
  const target = (e: Event) => (e.target as Element).closest?.('[data-run]')?.getAttribute('data-run') ?? undefined;
  const showing = (id: string, focus: boolean) =>
    show(id, focus).catch((error: Error) => fill(side, h('div', { class: 'error', role: 'alert' }, error.message)));
  graph.addEventListener('click', (e) => {
    const id = target(e);
    if (id !== undefined) void showing(id, false);
  });
  graph.addEventListener('keydown', (e) => {
    const id = target(e);
    if (id !== undefined && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      void showing(id, true);
    }
  });

  // Search: highlight the runs (or groups) whose component or id holds the text.
  const search = h('input', {
    type: 'search',
    name: 'find',
    'aria-label': 'find a run in this trace',
    placeholder: 'find a run: component or id',
    oninput: () => {
      const q = search.value.trim().toLowerCase();
      // The picture searches the trace itself: a big one holds only the runs near the view.
      if (picture !== undefined) {
        const n = picture.find(q);
        found.textContent = q === '' ? '' : `${n} found`;
        return;
      }
      let first: Element | undefined;
      completeOverview(graph.firstElementChild);
      for (const el of graph.querySelectorAll('[data-run], .group[data-component]')) {
        const text = `${el.getAttribute('data-component') ?? ''} ${el.getAttribute('data-run') ?? ''} ${el.getAttribute('aria-label') ?? ''}`;
        const hit = q !== '' && text.toLowerCase().includes(q);
        el.toggleAttribute('data-hit', hit);
        if (hit) first ??= el;
      }
      first?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
      found.textContent = q === '' ? '' : `${graph.querySelectorAll('[data-hit]').length} found`;
    },
  });
  const found = h('span', { class: 'muted', 'aria-live': 'polite' });
  // How many runs the whole trace has, asked for after the first picture (it walks every level).
  const total = h('span', { 'data-total': '' });
  if (trace.truncated || trace.next !== undefined)
    nextFrame()
      .then(() => ctx.api.trace({ run: trace.root }, { total: true, limit: 1 }))
      .then(
        (t) => {
          if (t.total !== undefined) total.textContent = ` The whole trace has ${counted(t.total, 'run')}.`;
        },
        () => undefined,
      );
  const more =
    !trace.truncated || depth === undefined
      ? null
      : h(
          'p',
          { class: 'note' },
          `Showing ${counted(depth + 1, 'level')} (${counted(trace.nodes.length, 'run')}); older runs exist beyond.`,
          total,
          ' ',
          link(
            ctx.href({ ...v, open: undefined, depth: String(depth + FIRST_DEPTH) }),
            `Show ${FIRST_DEPTH} more levels`,
          ),
          ' · ',
          link(ctx.href({ ...v, open: undefined, depth: 'all' }), 'show all (grouped when large)'),
        );
  // A trace longer than a page: the next page on request, added to what is shown.
  const shownCount = h('span', {}, counted(trace.nodes.length, 'run'));
  const nextButton = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        if (trace.next === undefined) return;
        nextButton.disabled = true;
        if (whole(trace)) {
          const page = await ctx.api.trace(traced, { ...wholeOptions, cursor: trace.next });
          trace.nodes.push(...page.nodes);
          trace.edges.push(...page.edges);
          trace.next = page.next;
        } else {
          const page = await ctx.api.trace(traced, { ...options, headsAbove: 0, cursor: trace.next });
          trace.nodes.push(...page.nodes);
          trace.edgeCount += whole(page) ? page.edges.length : page.edgeCount;
          trace.next = page.next;
          exported = undefined;
        }
        shownCount.textContent = counted(trace.nodes.length, 'run');
        nextButton.disabled = false;
        nextButton.hidden = trace.next === undefined;
        redraw();
      },
    },
    `Load the next ${formatCount(TRACE_PAGE_MAX)} runs`,
  );
  const paged =
    trace.next === undefined || more !== null
      ? null
      : h(
          'p',
          { class: 'note', 'data-paged': '' },
          'Showing ',
          shownCount,
          ' in pages of the server.',
          total,
          ' ',
          nextButton,
        );
  const graphSwitch =
    trace.nodes.length <= GROUP_ABOVE && !asGraph
      ? null
      : asGraph
        ? link(ctx.href({ ...v, open: undefined, as: undefined }), 'Back to the grouped overview')
        : link(ctx.href({ ...v, open: undefined, as: 'graph' }), 'Draw as a graph (zoom, pan, minimap)');

  const of = v.view === 'trace' ? v.pointer : `run ${v.run}`;
  const versionList = v.view === 'trace' ? versions(ctx, v, trace) : null;
  // The export needs whole runs and edges: a heads answer's are asked for on request, page by page.
  let exported: Promise<Trace> | undefined;
  const wholeTrace = async (): Promise<Trace> => {
    if (whole(trace)) return trace;
    const root = { run: trace.root };
    const all = await ctx.api.trace(root, wholeOptions);
    while (all.next !== undefined && all.nodes.length < trace.nodes.length) {
      const page = await ctx.api.trace(root, { ...wholeOptions, cursor: all.next });
      all.nodes.push(...page.nodes);
      all.edges.push(...page.edges);
      all.next = page.next;
    }
    return all;
  };
  const exportAs = (text: (t: Trace) => string) => {
    exported ??= wholeTrace();
    exported.then(
      (t) => (exportText.value = text(t)),
      (error: Error) => {
        exported = undefined;
        exportText.value = error.message;
      },
    );
  };
  const exportText = h('textarea', {
    readonly: true,
    rows: 8,
    'aria-label': 'exported text',
    class: 'mono',
    style: 'width:100%',
  });
  const exportBox = h(
    'details',
    {},
    h('summary', {}, 'Export as Mermaid or DOT'),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'button', onclick: () => exportAs(toMermaid) }, 'Mermaid'),
      h('button', { type: 'button', onclick: () => exportAs(toDot) }, 'DOT'),
    ),
    exportText,
  );
  draw();
  // The root's card loads after the picture is on screen (a failure shows in the card's place).
  void nextFrame().then(() => showing(open, false));
  return fragment(
    // In the heading's own font: a monospace face here was one more font to load in the first layout.
    h('h2', {}, 'Trace of ', of),
    h(
      'p',
      { class: 'muted' },
      `${counted(trace.nodes.length, 'run')}, ${counted(whole(trace) ? trace.edges.length : trace.edgeCount, 'dependency', 'dependencies')}; upstream on the left. `,
      grouped()
        ? `Over ${GROUP_ABOVE} runs: grouped by component per level; open a group for its runs.`
        : 'Click a run (or Tab to it and press Enter) to open its card.',
    ),
    versionList,
    more,
    paged,
    h('div', { class: 'toolbar' }, h('label', {}, 'find', search), found, graphSwitch),
    zoomBox,
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        {},
        graph,
        v.view === 'trace'
          ? h('p', {}, link(ctx.href({ view: 'rows', pointer: v.pointer }), 'Follow a row of this output →'))
          : null,
        exportBox,
      ),
      side,
    ),
  );
}
