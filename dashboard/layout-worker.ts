/**
 * The trace layout off the page's main thread: a Web Worker built from the layout's own source
 * (a blob URL), so an embedding page needs no extra file and no same-origin worker script. Where
 * workers are refused (a strict CSP, no Worker) the layout runs in the page instead.
 */
import {
  LAYOUT_FUNCTIONS,
  type Layout,
  type LayoutEdgeInput,
  type LayoutNodeInput,
  layeredLayout,
} from '../src/render/layout.js';

/** The worker's script: the layout functions and a message handler. */
export function layoutWorkerSource(): string {
  return `${LAYOUT_FUNCTIONS.map(String).join('\n')}
onmessage = (e) => {
  const { id, nodes, edges } = e.data;
  try { postMessage({ id, layout: ${layeredLayout.name}(nodes, edges) }); }
  catch (error) { postMessage({ id, error: String(error) }); }
};`;
}

type Waiter = { resolve: (layout: Layout) => void; reject: (error: Error) => void };
let worker: Worker | null | undefined;
let seq = 0;
const waiting = new Map<number, Waiter>();

function start(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const url = URL.createObjectURL(new Blob([layoutWorkerSource()], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = (e: MessageEvent<{ id: number; layout?: Layout; error?: string }>) => {
      const waiter = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      if (e.data.layout !== undefined) waiter?.resolve(e.data.layout);
      else waiter?.reject(new Error(e.data.error ?? 'layout failed'));
    };
    // A worker that cannot start (or dies) hands its calls back to the page.
    w.onerror = (e) => {
      e.preventDefault();
      worker = null;
      for (const waiter of waiting.values()) waiter.reject(new Error('the layout worker failed'));
      waiting.clear();
    };
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

/** Lays out a graph in the worker; `where` says where it ran ('page' when workers are refused). */
export async function layoutOffThread(
  nodes: LayoutNodeInput[],
  edges: LayoutEdgeInput[],
): Promise<{ layout: Layout; where: 'worker' | 'page' }> {
  const w = start();
  if (w !== null) {
    try {
      const id = ++seq;
      const layout = await new Promise<Layout>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, nodes, edges });
      });
      return { layout, where: 'worker' };
    } catch {
      // fall through: the page lays it out
    }
  }
  return { layout: layeredLayout(nodes, edges), where: 'page' };
}
