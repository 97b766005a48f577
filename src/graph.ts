import Graph from 'graphology';
import type { AbstractGraph } from 'graphology-types';
import type { Run } from './model.js';
import { inferPointerType } from './pointers.js';

export type LineageNode =
  | { kind: 'run'; id: string; component: string; startedAt: number; endedAt: number; status: Run['status'] }
  | { kind: 'pointer'; name: string; type: string; flagged: boolean };

export type LineageEdge = { kind: 'read' | 'wrote' };

/**
 * The lineage graph's type. Named through graphology-types, not graphology's default export:
 * under node16 ESM resolution that default is a namespace and cannot name a type.
 */
export type LineageGraph = AbstractGraph<LineageNode, LineageEdge>;

/** Node keys in the lineage graph. */
export const runNode = (id: string): string => `run:${id}`;
export const pointerNode = (name: string): string => `pointer:${name}`;

/**
 * The lineage as a graphology graph: runs and pointers are nodes, reads (pointer → run) and
 * writes (run → pointer) are edges. Built on demand from the runs given; use graphology's
 * export() or its many libraries (layout, traversal, GEXF) on it.
 */
export function lineageGraph(
  runs: Iterable<Run>,
  pointerInfo: (name: string) => { type?: string; flagged?: boolean } | undefined = () => undefined,
): LineageGraph {
  const graph = new Graph<LineageNode, LineageEdge>({ type: 'directed', multi: false, allowSelfLoops: false });
  const ensurePointer = (name: string) => {
    const key = pointerNode(name);
    if (!graph.hasNode(key)) {
      const info = pointerInfo(name);
      graph.addNode(key, {
        kind: 'pointer',
        name,
        type: info?.type ?? inferPointerType(name),
        flagged: info?.flagged ?? false,
      });
    }
    return key;
  };
  for (const run of runs) {
    const key = runNode(run.id);
    graph.mergeNode(key, {
      kind: 'run',
      id: run.id,
      component: run.component,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      status: run.status,
    });
    for (const p of run.inputs) graph.mergeEdge(ensurePointer(p), key, { kind: 'read' });
    for (const p of run.outputs) graph.mergeEdge(key, ensurePointer(p), { kind: 'wrote' });
  }
  return graph;
}
