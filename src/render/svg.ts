/**
 * The trace DAG as an SVG string: upstream runs on the left, the root on the right. Styles are
 * attributes (no CSS classes needed), so the picture stands alone in a notebook; the dashboard
 * reuses it (whole, or its parts in batches for a big trace) and listens for clicks on
 * `[data-run]` groups.
 */
import type { Trace } from '../analysis/trace.js';
import type { Run } from '../model.js';
import { escapeHtml } from './escape.js';
import { clip, formatDuration, formatTime, shortId } from './format.js';
import { type Layout, layeredLayout, type PlacedEdge, type PlacedNode } from './layout.js';

export interface TraceSvgOptions {
  /** A run drawn as selected. */
  selected?: string;
  /** Node width in pixels. Default 196. */
  nodeWidth?: number;
  /** Adds tabindex and role=button to nodes, for a page that handles their clicks. */
  interactive?: boolean;
}

export const NODE_HEIGHT = 58;

const STATUS_STYLE = {
  succeeded: { fill: '#eef5ff', stroke: '#3567c4', badge: '#1f7a3f' },
  failed: { fill: '#fdecec', stroke: '#c62828', badge: '#c62828' },
} as const;

/** The layout's input for a trace: upstream runs on the left (an edge from the dependency to its reader). */
export function traceLayoutInput(trace: Trace, nodeWidth = 196) {
  return {
    nodes: trace.nodes.map((n) => ({ id: n.run.id, width: nodeWidth, height: NODE_HEIGHT })),
    edges: trace.edges.map((e) => ({ source: e.to, target: e.from })),
  };
}

/** An SVG drawing of the trace (width and height set, so it scales in any container). */
export function traceSvg(trace: Trace, options: TraceSvgOptions = {}): string {
  const input = traceLayoutInput(trace, options.nodeWidth);
  const layout = layeredLayout(input.nodes, input.edges);
  const parts = traceSvgParts(trace, layout, options);
  return [
    parts.open,
    ...layout.edges.map((_, i) => parts.edge(i)),
    ...layout.nodes.map((_, i) => parts.node(i)),
    parts.close,
  ].join('');
}

/**
 * The SVG of a laid-out trace in pieces: the opening tag, the markup of the layout's i-th edge
 * and i-th node (built when asked for: a big picture draws only what is in view), the end.
 */
export function traceSvgParts(
  trace: Trace,
  layout: Layout,
  options: TraceSvgOptions = {},
): { open: string; edge(i: number): string; node(i: number): string; close: string } {
  const runs = new Map(trace.nodes.map((n) => [n.run.id, n.run]));
  const via = new Map(trace.edges.map((e) => [`${e.to}\u0000${e.from}`, e.via]));
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(layout.width)}" height="${Math.ceil(layout.height)}" ` +
    `viewBox="0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}" role="${options.interactive === true ? 'group' : 'img'}" aria-label="${escapeHtml(
      `Trace with ${trace.nodes.length} runs`,
    )}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">` +
    '<defs><marker id="pt-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a8699"/></marker></defs>';
  const close =
    (trace.truncated
      ? `<text x="16" y="${Math.ceil(layout.height) - 4}" fill="#8a5a00" font-size="12">depth limit reached: older runs not shown</text>`
      : '') + '</svg>';
  return {
    open,
    edge: (i) => {
      const edge = layout.edges[i] as PlacedEdge;
      return edgeSvg(edge, via.get(`${edge.source}\u0000${edge.target}`) ?? []);
    },
    node: (i) => {
      const node = layout.nodes[i] as PlacedNode;
      const run = runs.get(node.id);
      return run === undefined ? '' : nodeSvg(node, run, trace.root, options);
    },
    close,
  };
}

function edgeSvg(edge: PlacedEdge, pointers: string[]): string {
  return `<path d="${edgePath(edge.points)}" fill="none" stroke="#9aa5b5" stroke-width="1.5" marker-end="url(#pt-arrow)"><title>${escapeHtml(
    pointers.length === 0 ? 'depends on' : `via ${clip(pointers.join(', '), 300)}`,
  )}</title></path>`;
}

function nodeSvg(node: PlacedNode, run: Run, root: string, options: TraceSvgOptions): string {
  const style = STATUS_STYLE[run.status] ?? STATUS_STYLE.succeeded;
  const isRoot = run.id === root;
  const isSelected = run.id === options.selected;
  const line1 = clip(run.component, 24);
  const line2 = `${shortId(run.id)}${isRoot ? ' · root' : ''}`;
  const line3 = `${formatTime(run.startedAt).slice(5, 16)} · ${formatDuration(run.endedAt - run.startedAt)}${run.status === 'failed' ? ' · failed' : ''}`;
  // The name starts with the text on screen (so speech input can say what it sees), then the
  // details; each line ends in a space (not drawn) so the lines read as separate words.
  const label = `${line1} ${line2} ${line3}, ${run.component}, run ${run.id}, ${run.status}, started ${formatTime(run.startedAt)}`;
  const interactive = options.interactive === true ? ' tabindex="0" role="button" style="cursor:pointer"' : '';
  return [
    `<g data-run="${escapeHtml(run.id)}" transform="translate(${round(node.x)},${round(node.y)})" data-status="${escapeHtml(run.status)}"${isSelected ? ' data-selected=""' : ''}${interactive} aria-label="${escapeHtml(label)}">`,
    `<title>${escapeHtml(label)}</title>`,
    `<rect width="${node.width}" height="${node.height}" rx="7" fill="${style.fill}" stroke="${isSelected ? '#f59e0b' : style.stroke}" stroke-width="${isSelected ? 3 : isRoot ? 2.2 : 1.2}"/>`,
    `<circle cx="12" cy="14" r="4" fill="${style.badge}"/>`,
    `<text x="22" y="18" font-weight="600" fill="#15202b">${escapeHtml(line1)} </text>`,
    `<text x="10" y="34" fill="#3d4a5c" font-family="monospace" font-size="12">${escapeHtml(line2)} </text>`,
    `<text x="10" y="50" fill="#5b6778" font-size="12">${escapeHtml(line3)}</text>`,
    '</g>',
  ].join('');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A smooth path through the polyline: a horizontal S-curve between consecutive points. */
function edgePath(points: [number, number][]): string {
  const [first, ...rest] = points;
  if (first === undefined) return '';
  let d = `M${round(first[0])},${round(first[1])}`;
  let prev = first;
  for (const p of rest) {
    const mx = (prev[0] + p[0]) / 2;
    d += ` C${round(mx)},${round(prev[1])} ${round(mx)},${round(p[1])} ${round(p[0])},${round(p[1])}`;
    prev = p;
  }
  return d;
}
