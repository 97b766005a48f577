/**
 * A strict consumer of every pipetrace subpath, as a user writes it. test/package.test.ts copies
 * it to index.ts (ESM, bundler) and index.cts (CommonJS) beside the packed package and runs tsc
 * with declaration emit, so an unexported type in a public signature fails as TS2742.
 */
import { createPipetrace, isPipetraceError, type LineageEdge, type LineageNode, type Run } from 'pipetrace';
import { dexieStore } from 'pipetrace/adapters/dexie';
import { fsJsonStore } from 'pipetrace/adapters/fs-json';
import { httpStore } from 'pipetrace/adapters/http';
import { indexedDbStore } from 'pipetrace/adapters/indexeddb';
import { memoryStore } from 'pipetrace/adapters/memory';
import { postgresStore } from 'pipetrace/adapters/postgres';
import { createAnalyst } from 'pipetrace/analyst';
import { createPipetrace as createBrowserPipetrace } from 'pipetrace/browser';
import { mount } from 'pipetrace/dashboard';
import { createPipetrace as createNodePipetrace, defaultStore } from 'pipetrace/node';
import { exportEvents } from 'pipetrace/openlineage';
import { renderReview, renderRowTrace, renderTrace, toMermaid } from 'pipetrace/render';
import { createServer } from 'pipetrace/server';
import { sampleRun, storeConformance } from 'pipetrace/testing';
import { nodeWorkerFactory } from 'pipetrace/worker';

export const pt = createPipetrace({ store: memoryStore() });
export const nodePt = createNodePipetrace();
export const browserPt = () => createBrowserPipetrace();
export const store = defaultStore('.pipetrace');
export const dexie = dexieStore({ name: 'consumer' });
export const idb = indexedDbStore({ name: 'consumer' });
export const http = httpStore({ url: 'http://127.0.0.1:1' });
export const fsStore = () => fsJsonStore({ dir: '.pipetrace' });
export const pgStore = () => postgresStore({ url: 'postgres://pipetrace@127.0.0.1:5432/lineage' });
export const analyst = createAnalyst({ store: pt.store, workerFactory: nodeWorkerFactory() });
export const server = createServer({ store: pt.store });
export const sample: Run = sampleRun();
export const conformance = storeConformance;
export const mountIt = (element: HTMLElement) => mount(element, { store: pt.store });
export const events = () => exportEvents(pt.store);

/** Each method as a value: declaration emit must name every parameter and result type (else TS2742). */
export const facade = {
  component: pt.component.bind(pt),
  tag: pt.tag.bind(pt),
  components: pt.components.bind(pt),
  tags: pt.tags.bind(pt),
  startRun: pt.startRun.bind(pt),
  logRun: pt.logRun.bind(pt),
  logRuns: pt.logRuns.bind(pt),
  flush: pt.flush.bind(pt),
  inspect: pt.inspect.bind(pt),
  addNote: pt.addNote.bind(pt),
  history: pt.history.bind(pt),
  recent: pt.recent.bind(pt),
  pointer: pt.pointer.bind(pt),
  setPointerType: pt.setPointerType.bind(pt),
  flag: pt.flag.bind(pt),
  unflag: pt.unflag.bind(pt),
  flagRows: pt.flagRows.bind(pt),
  unflagRows: pt.unflagRows.bind(pt),
  flaggedRows: pt.flaggedRows.bind(pt),
  unflagAll: pt.unflagAll.bind(pt),
  flagged: pt.flagged.bind(pt),
  trace: pt.trace.bind(pt),
  staleness: pt.staleness.bind(pt),
  review: pt.review.bind(pt),
  reviewRows: pt.reviewRows.bind(pt),
  recordRows: pt.recordRows.bind(pt),
  traceRow: pt.traceRow.bind(pt),
  impact: pt.impact.bind(pt),
  graph: pt.graph.bind(pt),
};
export const analystMethods = {
  trace: analyst.trace,
  staleness: analyst.staleness,
  review: analyst.review,
  reviewRows: analyst.reviewRows,
  traceRow: analyst.traceRow,
  impact: analyst.impact,
  history: analyst.history,
  ping: analyst.ping,
  close: analyst.close,
};
export const storeMethods = { live: dexie.live.bind(dexie), scanRuns: dexie.scanRuns.bind(dexie) };

export async function main() {
  // The graph is a typed graphology graph, not `any`.
  const graph = await pt.graph();
  const nodes: string[] = graph.nodes();
  const attributes: LineageNode = graph.getNodeAttributes(nodes[0] ?? '');
  const edges: LineageEdge[] = graph.edges().map((e) => graph.getEdgeAttributes(e));
  // A Dexie store is live: subscribe is there, not possibly undefined.
  const unsubscribe: () => void = dexie.subscribe(() => {});
  unsubscribe();
  const trace = await pt.trace('models/fare.pkl');
  const review = await pt.review({ limit: 5 });
  const rows = await pt.reviewRows({ limit: 5 });
  const rowTrace = await pt.traceRow('predictions.parquet', 'order-42');
  const html: string = renderTrace(trace) + renderReview(review) + renderRowTrace(rowTrace) + toMermaid(trace);
  const progress = await analyst.review({ onProgress: (p) => p.records });
  try {
    await pt.inspect('nope');
  } catch (error) {
    if (isPipetraceError(error, 'not_found')) return { attributes, edges, html, rows, progress };
  }
  return { attributes, edges, html, rows, progress, review };
}
