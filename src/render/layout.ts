/**
 * A small layered (Sugiyama-style) layout for DAGs, drawn left to right: longest-path layering,
 * dummy nodes on long edges, barycentre ordering sweeps, then coordinates aligned to the
 * neighbours. Pure and browser-safe, so it runs in a page, a worker or Node alike.
 */

export interface LayoutNodeInput {
  id: string;
  width: number;
  height: number;
}

/** An edge drawn from `source` (left) to `target` (right). */
export interface LayoutEdgeInput {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** Horizontal gap between layers. Default 64. */
  layerGap?: number;
  /** Vertical gap between nodes of a layer. Default 20. */
  nodeGap?: number;
  /** Margin around the drawing. Default 16. */
  margin?: number;
  /** Barycentre sweeps (each one down and one up). Default 6. */
  sweeps?: number;
}

export interface PlacedNode extends LayoutNodeInput {
  /** Top-left corner. */
  x: number;
  y: number;
  layer: number;
}

export interface PlacedEdge {
  source: string;
  target: string;
  /** Polyline from the source's right side to the target's left side, through long-edge bends. */
  points: [number, number][];
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

interface Vertex {
  /** Index into the input nodes, or -1 for a dummy on a long edge. */
  node: number;
  layer: number;
  width: number;
  height: number;
  preds: number[];
  succs: number[];
  order: number;
  y: number;
}

/** Lays out a graph; edges that would close a cycle are drawn but ignored for layering. */
export function layeredLayout(
  nodes: readonly LayoutNodeInput[],
  edges: readonly LayoutEdgeInput[],
  options: LayoutOptions = {},
): Layout {
  const layerGap = options.layerGap ?? 64;
  const nodeGap = options.nodeGap ?? 20;
  const margin = options.margin ?? 16;
  const sweeps = options.sweeps ?? 6;
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const n = nodes.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const kept: [number, number][] = [];
  const seenEdge = new Set<string>();
  for (const e of edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    const key = `${s}:${t}`;
    if (seenEdge.has(key)) continue;
    seenEdge.add(key);
    kept.push([s, t]);
    out[s]?.push(t);
  }
  const dag = acyclic(n, out, kept);
  const layer = longestPathLayers(n, dag);

  // Vertices: real nodes, then a dummy per layer crossed by a long edge.
  const vs: Vertex[] = nodes.map((node, i) => ({
    node: i,
    layer: layer[i] as number,
    width: node.width,
    height: node.height,
    preds: [],
    succs: [],
    order: 0,
    y: 0,
  }));
  const chains: number[][] = [];
  for (const [s, t] of dag) {
    const chain = [s];
    let prev = s;
    for (let l = (layer[s] as number) + 1; l < (layer[t] as number); l++) {
      const d = vs.length;
      vs.push({ node: -1, layer: l, width: 0, height: 0, preds: [prev], succs: [], order: 0, y: 0 });
      (vs[prev] as Vertex).succs.push(d);
      chain.push(d);
      prev = d;
    }
    (vs[prev] as Vertex).succs.push(t);
    (vs[t] as Vertex).preds.push(prev);
    chain.push(t);
    chains.push(chain);
  }

  const layers: number[][] = [];
  for (let v = 0; v < vs.length; v++) {
    const l = (vs[v] as Vertex).layer;
    (layers[l] ??= []).push(v);
  }
  for (const row of layers) {
    row?.forEach((v, i) => {
      (vs[v] as Vertex).order = i;
    });
  }
  orderBySweeps(vs, layers, sweeps);

  // Coordinates: stack each layer, then pull nodes towards their neighbours' centres.
  const rowHeight = (v: Vertex) => (v.node < 0 ? 2 : v.height);
  for (const row of layers) stack(vs, row ?? [], nodeGap, rowHeight);
  for (let pass = 0; pass < 4; pass++) {
    for (let l = 1; l < layers.length; l++) align(vs, layers[l] ?? [], 'preds', nodeGap, rowHeight);
    for (let l = layers.length - 2; l >= 0; l--) align(vs, layers[l] ?? [], 'succs', nodeGap, rowHeight);
  }

  const layerWidth = layers.map((row) => Math.max(0, ...(row ?? []).map((v) => (vs[v] as Vertex).width)));
  const layerX: number[] = [];
  let x = margin;
  for (let l = 0; l < layers.length; l++) {
    layerX[l] = x;
    x += (layerWidth[l] as number) + layerGap;
  }
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const v of vs) {
    minY = Math.min(minY, v.y - rowHeight(v) / 2);
    maxY = Math.max(maxY, v.y + rowHeight(v) / 2);
  }
  if (vs.length === 0) minY = maxY = 0;
  const shift = margin - minY;
  const centreX = (v: Vertex) => (layerX[v.layer] as number) + (layerWidth[v.layer] as number) / 2;
  const placed: PlacedNode[] = nodes.map((node, i) => {
    const v = vs[i] as Vertex;
    return { ...node, layer: v.layer, x: centreX(v) - node.width / 2, y: v.y + shift - node.height / 2 };
  });
  const placedEdges: PlacedEdge[] = chains.map((chain) => {
    const s = vs[chain[0] as number] as Vertex;
    const t = vs[chain[chain.length - 1] as number] as Vertex;
    const points: [number, number][] = [[centreX(s) + s.width / 2, s.y + shift]];
    for (const d of chain.slice(1, -1)) points.push([centreX(vs[d] as Vertex), (vs[d] as Vertex).y + shift]);
    points.push([centreX(t) - t.width / 2, t.y + shift]);
    return { source: (nodes[s.node] as LayoutNodeInput).id, target: (nodes[t.node] as LayoutNodeInput).id, points };
  });
  // Edges dropped to break a cycle are still drawn, straight, so nothing the data says is hidden.
  const inDag = new Set(dag.map(([s, t]) => `${s}:${t}`));
  for (const [s, t] of kept) {
    if (inDag.has(`${s}:${t}`)) continue;
    const a = placed[s] as PlacedNode;
    const b = placed[t] as PlacedNode;
    placedEdges.push({
      source: a.id,
      target: b.id,
      points: [
        [a.x + a.width, a.y + a.height / 2],
        [b.x, b.y + b.height / 2],
      ],
    });
  }
  return {
    width: Math.max(x - layerGap + margin, 2 * margin),
    height: Math.max(maxY - minY + 2 * margin, 2 * margin),
    nodes: placed,
    edges: placedEdges,
  };
}

/** The edges without those that close a cycle (found by an iterative depth-first search). */
function acyclic(n: number, out: number[][], edges: [number, number][]): [number, number][] {
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const back = new Set<string>();
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [v, i] = top;
      const next = out[v] as number[];
      if (i >= next.length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      top[1] = i + 1;
      const w = next[i] as number;
      if (state[w] === 1) back.add(`${v}:${w}`);
      else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }
  return back.size === 0 ? edges : edges.filter(([s, t]) => !back.has(`${s}:${t}`));
}

/** Layer = length of the longest path from a source (Kahn's order over the DAG). */
function longestPathLayers(n: number, edges: [number, number][]): Int32Array {
  const layer = new Int32Array(n);
  const indegree = new Int32Array(n);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [s, t] of edges) {
    out[s]?.push(t);
    indegree[t] = (indegree[t] as number) + 1;
  }
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (const w of out[v] as number[]) {
      layer[w] = Math.max(layer[w] as number, (layer[v] as number) + 1);
      indegree[w] = (indegree[w] as number) - 1;
      if (indegree[w] === 0) queue.push(w);
    }
  }
  return layer;
}

/** Reorders each layer by the mean position of its neighbours, sweeping right then left. */
function orderBySweeps(vs: Vertex[], layers: number[][], sweeps: number): void {
  const sortBy = (row: number[], side: 'preds' | 'succs') => {
    const key = new Map<number, number>();
    for (const v of row) {
      const nb = (vs[v] as Vertex)[side];
      key.set(
        v,
        nb.length === 0 ? (vs[v] as Vertex).order : nb.reduce((s, u) => s + (vs[u] as Vertex).order, 0) / nb.length,
      );
    }
    row.sort(
      (a, b) => (key.get(a) as number) - (key.get(b) as number) || (vs[a] as Vertex).order - (vs[b] as Vertex).order,
    );
    row.forEach((v, i) => {
      (vs[v] as Vertex).order = i;
    });
  };
  for (let s = 0; s < sweeps; s++) {
    for (let l = 1; l < layers.length; l++) sortBy(layers[l] ?? [], 'preds');
    for (let l = layers.length - 2; l >= 0; l--) sortBy(layers[l] ?? [], 'succs');
  }
}

/** Places a layer's vertices top to bottom, centred on 0. */
function stack(vs: Vertex[], row: number[], gap: number, h: (v: Vertex) => number): void {
  let y = 0;
  for (const v of row) {
    const vertex = vs[v] as Vertex;
    vertex.y = y + h(vertex) / 2;
    y += h(vertex) + gap;
  }
  const mid = (y - gap) / 2;
  for (const v of row) (vs[v] as Vertex).y -= mid;
}

/** Moves each vertex towards its neighbours' mean y, keeping order and the minimum gap. */
function align(vs: Vertex[], row: number[], side: 'preds' | 'succs', gap: number, h: (v: Vertex) => number): void {
  const want = row.map((v) => {
    const vertex = vs[v] as Vertex;
    const nb = vertex[side];
    return nb.length === 0 ? vertex.y : nb.reduce((s, u) => s + (vs[u] as Vertex).y, 0) / nb.length;
  });
  // Forward pass keeps the gap below each vertex, backward pass balances the push.
  const ys = want.slice();
  for (let i = 1; i < row.length; i++) {
    const min =
      (ys[i - 1] as number) + (h(vs[row[i - 1] as number] as Vertex) + h(vs[row[i] as number] as Vertex)) / 2 + gap;
    if ((ys[i] as number) < min) ys[i] = min;
  }
  const overshoot = row.reduce((s, _, i) => s + ((ys[i] as number) - (want[i] as number)), 0) / Math.max(1, row.length);
  for (let i = 0; i < row.length; i++) (vs[row[i] as number] as Vertex).y = (ys[i] as number) - overshoot;
}

/**
 * The layout's functions, which use only each other and globals: a worker is built from their
 * source (dashboard/layout-worker.ts), so a helper added above must be listed here too
 * (test/render.test.ts runs the layout from this source alone).
 */
export const LAYOUT_FUNCTIONS = [layeredLayout, acyclic, longestPathLayers, orderBySweeps, stack, align] as const;
