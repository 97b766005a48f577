/**
 * The trace's picture in the dashboard: the notebook's SVG, with zoom, pan and a minimap. A big
 * trace is laid out in a worker and drawn in batches, one per frame, so drawing never holds the
 * page's main thread for long; the root and its nearest runs come first.
 */
import type { Trace } from '../../src/analysis/trace.js';
import type { Layout } from '../../src/render/layout.js';
import { layeredLayout } from '../../src/render/layout.js';
import { traceLayoutInput, traceSvg, traceSvgParts } from '../../src/render/svg.js';
import { h } from '../dom.js';
import { layoutOffThread } from '../layout-worker.js';

/** Above this many runs the layout runs in the worker and the picture is drawn in batches. */
export const BIG_GRAPH = 120;
/** Nodes per batch (edges go two batches' worth at a time: they are simpler). */
const BATCH = 60;
const NODE_WIDTH = 176;
const ZOOMS = [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2];

export interface TraceGraph {
  /** Zoom buttons and the minimap, for the toolbar above the picture. */
  controls: HTMLElement;
  /** Marks a run selected, in place. */
  select(id: string): void;
  /** Resolves once every run and edge is drawn. */
  drawn: Promise<void>;
  /** Stops a drawing under way (the view was left). */
  stop(): void;
}

/** The next frame, after the page has rendered: one batch per frame keeps every task short. */
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const SELECTED_STROKE = '#f59e0b';

export function traceGraph(graph: HTMLElement, trace: Trace, selected: string): TraceGraph {
  let stopped = false;
  let shownOnce = false;
  // A drawing stops when asked, or when its picture has left the page (another view).
  const gone = () => {
    shownOnce ||= graph.isConnected;
    return stopped || (shownOnce && !graph.isConnected);
  };
  let layout: Layout | undefined;
  let scale = 1;
  const svg = () => graph.querySelector('svg');

  // Zoom: the SVG's width and height scale, its viewBox stays, so the browser scales the picture;
  // the point at the panel's centre stays there.
  const zoomTo = (next: number) => {
    const el = svg();
    if (el === null || layout === undefined) return;
    const cx = (graph.scrollLeft + graph.clientWidth / 2) / Math.max(1, graph.scrollWidth);
    const cy = (graph.scrollTop + graph.clientHeight / 2) / Math.max(1, graph.scrollHeight);
    scale = next;
    el.style.maxWidth = '';
    el.style.height = '';
    el.setAttribute('width', String(Math.ceil(layout.width * scale)));
    el.setAttribute('height', String(Math.ceil(layout.height * scale)));
    graph.scrollLeft = cx * graph.scrollWidth - graph.clientWidth / 2;
    graph.scrollTop = cy * graph.scrollHeight - graph.clientHeight / 2;
    zoomLabel.textContent = `${Math.round(scale * 100)}%`;
    paintMinimap();
  };
  const fitScale = () =>
    layout === undefined
      ? 1
      : Math.min(1, (graph.clientWidth - 10) / layout.width, Math.max(0.1, (graph.clientHeight - 10) / layout.height));
  const step = (dir: 1 | -1) => {
    const i = ZOOMS.findIndex((z) => z >= scale - 1e-6);
    const at = i < 0 ? ZOOMS.length - 1 : ZOOMS[i] === scale ? i : dir > 0 ? i - 1 : i;
    zoomTo(ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, at + dir))] as number);
  };
  const zoomLabel = h('span', { class: 'muted', 'aria-live': 'polite' }, '100%');
  const button = (label: string, text: string, onclick: () => void) =>
    h('button', { type: 'button', 'aria-label': label, title: label, onclick }, text);

  // The minimap: every run as a dot and the visible part as a frame; a click or drag there moves
  // the picture. Keyboard users pan with the arrow keys in the picture itself.
  const minimap = h('canvas', { class: 'minimap', width: 180, height: 90, 'aria-hidden': 'true' });
  const paintMinimap = () => {
    const ctx = minimap.getContext('2d');
    if (ctx === null || layout === undefined) return;
    const k = Math.min(minimap.width / layout.width, minimap.height / layout.height);
    ctx.clearRect(0, 0, minimap.width, minimap.height);
    const styles = getComputedStyle(graph);
    ctx.fillStyle = styles.getPropertyValue('--node-line').trim() || '#3567c4';
    for (const n of layout.nodes) ctx.fillRect(n.x * k, n.y * k, Math.max(1, n.width * k), Math.max(1, n.height * k));
    // Scroll offsets are in drawn pixels: the layout's times the scale the SVG is drawn at.
    const shown = (svg()?.getBoundingClientRect().width || layout.width) / layout.width;
    ctx.strokeStyle = SELECTED_STROKE;
    ctx.lineWidth = 2;
    ctx.strokeRect(
      (graph.scrollLeft / shown) * k,
      (graph.scrollTop / shown) * k,
      (graph.clientWidth / shown) * k,
      (graph.clientHeight / shown) * k,
    );
    minimap.hidden = graph.scrollWidth <= graph.clientWidth && graph.scrollHeight <= graph.clientHeight;
  };
  const jump = (e: PointerEvent) => {
    if (layout === undefined) return;
    const box = minimap.getBoundingClientRect();
    const k = Math.min(minimap.width / layout.width, minimap.height / layout.height);
    const x = ((e.clientX - box.left) * (minimap.width / box.width)) / k;
    const y = ((e.clientY - box.top) * (minimap.height / box.height)) / k;
    const shown = (svg()?.getBoundingClientRect().width || layout.width) / layout.width;
    graph.scrollLeft = x * shown - graph.clientWidth / 2;
    graph.scrollTop = y * shown - graph.clientHeight / 2;
  };
  minimap.addEventListener('pointerdown', (e) => {
    minimap.setPointerCapture?.(e.pointerId);
    jump(e);
  });
  minimap.addEventListener('pointermove', (e) => {
    if (e.buttons === 1) jump(e);
  });
  let painting = false;
  graph.addEventListener('scroll', () => {
    if (painting) return;
    painting = true;
    requestAnimationFrame(() => {
      painting = false;
      paintMinimap();
    });
  });

  // Pan by dragging the background with the mouse.
  let drag: { x: number; y: number; left: number; top: number } | undefined;
  graph.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || (e.target as Element).closest?.('[data-run]')) return;
    drag = { x: e.clientX, y: e.clientY, left: graph.scrollLeft, top: graph.scrollTop };
  });
  graph.addEventListener('pointermove', (e) => {
    if (drag === undefined || e.buttons !== 1) return;
    graph.scrollLeft = drag.left - (e.clientX - drag.x);
    graph.scrollTop = drag.top - (e.clientY - drag.y);
  });
  const endDrag = () => {
    drag = undefined;
  };
  graph.addEventListener('pointerup', endDrag);
  graph.addEventListener('pointerleave', endDrag);
  // Keys in the picture: + and − zoom, 0 fits; the arrow keys scroll it (the browser's own).
  graph.addEventListener('keydown', (e) => {
    if (e.key === '+' || e.key === '=') step(1);
    else if (e.key === '-' || e.key === '_') step(-1);
    else if (e.key === '0') zoomTo(fitScale());
    else return;
    e.preventDefault();
  });

  const controls = h(
    'div',
    { class: 'toolbar zoom', role: 'group', 'aria-label': 'zoom' },
    button('zoom out', '−', () => step(-1)),
    zoomLabel,
    button('zoom in', '+', () => step(1)),
    button('fit the picture to the panel', 'fit', () => zoomTo(fitScale())),
    button('1:1, actual size', '1:1', () => zoomTo(1)),
    minimap,
  );

  const select = (id: string) => {
    for (const old of graph.querySelectorAll('g[data-selected]')) {
      old.removeAttribute('data-selected');
      const rect = old.querySelector('rect');
      rect?.setAttribute('stroke', old.getAttribute('data-status') === 'failed' ? '#c62828' : '#3567c4');
      rect?.setAttribute('stroke-width', old.getAttribute('data-run') === trace.root ? '2.2' : '1.2');
    }
    const g = graph.querySelector(`g[data-run="${CSS.escape(id)}"]`);
    g?.setAttribute('data-selected', '');
    g?.querySelector('rect')?.setAttribute('stroke', SELECTED_STROKE);
    g?.querySelector('rect')?.setAttribute('stroke-width', '3');
  };

  const small = async () => {
    // traceSvg escapes every name it writes, so its markup is safe to insert.
    graph.innerHTML = traceSvg(trace, { selected, interactive: true, nodeWidth: NODE_WIDTH });
    const input = traceLayoutInput(trace, NODE_WIDTH);
    layout = layeredLayout(input.nodes, input.edges);
    graph.dataset.layout = 'page';
    // Fit the picture to the panel only when it fits at full size: text never shrinks below its
    // 12 px; wider DAGs scroll instead. The first picture is drawn before the view is on screen.
    if (!graph.isConnected) await nextFrame();
    const el = svg();
    if (el && layout.width <= graph.clientWidth) {
      el.style.maxWidth = '100%';
      el.style.height = 'auto';
    }
    paintMinimap();
  };

  const big = async () => {
    const input = traceLayoutInput(trace, NODE_WIDTH);
    graph.dataset.layout = 'pending';
    const placed = await layoutOffThread(input.nodes, input.edges);
    if (gone()) return;
    layout = placed.layout;
    graph.dataset.layout = placed.where;
    const parts = traceSvgParts(trace, layout, { selected, interactive: true });
    // Edges under nodes: two layers, filled batch by batch, nodes first (the root's neighbourhood is drawn first).
    graph.innerHTML = `${parts.open}<g data-layer="edges"></g><g data-layer="nodes"></g>${parts.close}`;
    const [edgeLayer, nodeLayer] = [...graph.querySelectorAll('svg > g[data-layer]')] as [SVGGElement, SVGGElement];
    for (let i = 0; i < parts.nodes.length; i += BATCH) {
      nodeLayer.insertAdjacentHTML('beforeend', parts.nodes.slice(i, i + BATCH).join(''));
      if (i === 0) {
        // The root is on the right: show it first.
        graph.scrollLeft = graph.scrollWidth;
        const root = layout.nodes[0];
        if (root !== undefined) graph.scrollTop = root.y - graph.clientHeight / 2;
        paintMinimap();
      }
      await nextFrame();
      if (gone()) return;
    }
    for (let i = 0; i < parts.edges.length; i += 2 * BATCH) {
      edgeLayer.insertAdjacentHTML('beforeend', parts.edges.slice(i, i + 2 * BATCH).join(''));
      await nextFrame();
      if (gone()) return;
    }
  };

  const drawn = (trace.nodes.length > BIG_GRAPH ? big() : small()).then(() => {
    if (!gone()) graph.dataset.drawn = 'true';
  });
  return {
    controls,
    select,
    drawn,
    stop: () => {
      stopped = true;
    },
  };
}
