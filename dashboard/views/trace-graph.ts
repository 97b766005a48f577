/**
 * The trace's picture in the dashboard: the notebook's SVG, with zoom, pan and a minimap. A big
 * trace is laid out in a worker and only the part near the view is drawn, a batch per frame, so
 * drawing never holds the page's main thread for long; the root's neighbourhood comes first.
 */
import type { Trace } from '../../src/analysis/trace.js';
import type { Layout } from '../../src/render/layout.js';
import { layeredLayout } from '../../src/render/layout.js';
import { traceLayoutInput, traceSvg, traceSvgParts } from '../../src/render/svg.js';
import { h } from '../dom.js';
import { layoutOffThread } from '../layout-worker.js';
import { nextFrame } from '../yield.js';

/** Above this many runs the layout runs in the worker and the picture is drawn in batches. */
export const BIG_GRAPH = 120;
/** Nodes added per frame (and twice as many edges: they are simpler). */
const BATCH = 60;
const NODE_WIDTH = 176;
const ZOOMS = [0.05, 0.1, 0.175, 0.25, 0.35, 0.5, 0.7, 1, 1.4, 2];

export interface TraceGraph {
  /** Zoom buttons and the minimap, for the toolbar above the picture. */
  controls: HTMLElement;
  /** Marks a run selected, in place. */
  select(id: string): void;
  /** Resolves once the picture is laid out and its first part drawn. */
  drawn: Promise<void>;
  /** Highlights the runs whose component or id holds `q` (lower case) and shows the first; returns how many. */
  find(q: string): number;
  /** Stops a drawing under way (the view was left). */
  stop(): void;
}

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
    // Zoomed far out the names are unreadable anyway: not drawing them keeps the paint cheap.
    graph.toggleAttribute('data-far', scale < 0.5);
    paintMinimap();
    pump();
  };
  const fitScale = () =>
    layout === undefined
      ? 1
      : Math.min(1, (graph.clientWidth - 10) / layout.width, (graph.clientHeight - 10) / layout.height);
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

  // A big picture holds only what is near the panel's view: each frame adds up to a batch of the
  // missing runs and edges there (a scroll or zoom brings more), so no frame's paint grows with
  // the whole trace. `hits` are the runs the search found, marked as they are drawn.
  let hits = new Set<string>();
  let pump: () => void = () => undefined;
  const big = async () => {
    const input = traceLayoutInput(trace, NODE_WIDTH);
    graph.dataset.layout = 'pending';
    const placed = await layoutOffThread(input.nodes, input.edges);
    if (gone()) return;
    const laid = placed.layout;
    layout = laid;
    graph.dataset.layout = placed.where;
    const parts = traceSvgParts(trace, laid, { selected, interactive: true });
    // Edges under nodes: two layers.
    graph.innerHTML = `${parts.open}<g data-layer="edges"></g><g data-layer="nodes"></g>${parts.close}`;
    const [edgeLayer, nodeLayer] = [...graph.querySelectorAll('svg > g[data-layer]')] as [SVGGElement, SVGGElement];
    const nodeDrawn = new Uint8Array(laid.nodes.length);
    const edgeDrawn = new Uint8Array(laid.edges.length);
    const edgeBox = laid.edges.map((e) => {
      const xs = e.points.map((p) => p[0]);
      const ys = e.points.map((p) => p[1]);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const;
    });
    // The view in layout units, with one panel's size of margin around it.
    const view = () => {
      const k = (svg()?.getBoundingClientRect().width || laid.width) / laid.width;
      const w = graph.clientWidth / k;
      const hh = graph.clientHeight / k;
      const x = graph.scrollLeft / k;
      const y = graph.scrollTop / k;
      return [x - w, y - hh, x + 2 * w, y + 2 * hh] as const;
    };
    const meets = (a: readonly number[], b: readonly number[]) =>
      (a[0] as number) <= (b[2] as number) &&
      (b[0] as number) <= (a[2] as number) &&
      (a[1] as number) <= (b[3] as number) &&
      (b[1] as number) <= (a[3] as number);
    let pumping = false;
    pump = () => {
      if (pumping || gone()) return;
      pumping = true;
      void (async () => {
        try {
          for (;;) {
            const v = view();
            const nodes: string[] = [];
            laid.nodes.forEach((n, i) => {
              if (nodes.length < BATCH && nodeDrawn[i] === 0 && meets([n.x, n.y, n.x + n.width, n.y + n.height], v)) {
                nodeDrawn[i] = 1;
                nodes.push(parts.node(i));
              }
            });
            const edges: string[] = [];
            edgeBox.forEach((b, i) => {
              if (edges.length < 2 * BATCH && edgeDrawn[i] === 0 && meets(b, v)) {
                edgeDrawn[i] = 1;
                edges.push(parts.edge(i));
              }
            });
            if (nodes.length === 0 && edges.length === 0) break;
            nodeLayer.insertAdjacentHTML('beforeend', nodes.join(''));
            edgeLayer.insertAdjacentHTML('beforeend', edges.join(''));
            for (const id of hits)
              nodeLayer.querySelector(`g[data-run="${CSS.escape(id)}"]`)?.setAttribute('data-hit', '');
            await nextFrame();
            if (gone()) return;
          }
          graph.dataset.drawn = 'true';
        } finally {
          pumping = false;
        }
      })();
    };
    // The root is on the right: it is what the view shows first.
    const root = laid.nodes[0];
    graph.scrollLeft = graph.scrollWidth;
    if (root !== undefined) graph.scrollTop = root.y - graph.clientHeight / 2;
    pump();
    paintMinimap();
  };
  graph.addEventListener('scroll', () => {
    delete graph.dataset.drawn;
    pump();
  });

  /** Marks the runs whose component or id holds `q`, shows the first; returns how many. */
  const find = (q: string): number => {
    const found = q === '' ? [] : trace.nodes.filter((n) => `${n.run.component} ${n.run.id}`.toLowerCase().includes(q));
    hits = new Set(found.map((n) => n.run.id));
    for (const el of graph.querySelectorAll('g[data-run]'))
      el.toggleAttribute('data-hit', hits.has(el.getAttribute('data-run') ?? ''));
    const first = layout?.nodes.find((n) => hits.has(n.id));
    if (first !== undefined && layout !== undefined) {
      const k = (svg()?.getBoundingClientRect().width || layout.width) / layout.width;
      graph.scrollLeft = (first.x + first.width / 2) * k - graph.clientWidth / 2;
      graph.scrollTop = (first.y + first.height / 2) * k - graph.clientHeight / 2;
    }
    pump();
    return hits.size;
  };

  const isBig = trace.nodes.length > BIG_GRAPH;
  const drawn = (isBig ? big() : small()).then(() => {
    if (!gone() && !isBig) graph.dataset.drawn = 'true';
  });
  return {
    controls,
    select,
    drawn,
    find,
    stop: () => {
      stopped = true;
    },
  };
}
