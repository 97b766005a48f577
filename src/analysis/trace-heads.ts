/** A trace answer in heads form (the `headsAbove` option): what an overview of a big trace draws. */
import type { Trace, TraceHeads } from './trace-types.js';

/** The heads form of a trace answer: each run's head, the edges counted. */
export function traceHeads(trace: Trace): TraceHeads {
  const { nodes, edges, ...rest } = trace;
  return {
    ...rest,
    heads: true,
    nodes: nodes.map(({ depth, run }) => ({
      depth,
      run: { id: run.id, component: run.component, startedAt: run.startedAt, status: run.status },
    })),
    edgeCount: edges.length,
  };
}
