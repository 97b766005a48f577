/**
 * What a trace is: runs by depth and the edges between them. Its own file, so paging a trace
 * (trace-page.ts) need not import the walk that makes one (trace.ts).
 */
import type { Run } from '../model.js';

export interface TraceNode {
  /** Shortest distance from the root run: 0 for the root, 1 for its direct dependencies. */
  depth: number;
  run: Run;
}

export interface TraceEdge {
  /** The downstream run. */
  from: string;
  /** The upstream run it depends on. */
  to: string;
  /** The pointers `to` wrote and `from` read. */
  via: string[];
}

/** The DAG of runs behind a pointer or run. */
export interface Trace {
  target: { pointer: string } | { run: string };
  /** The run that wrote the pointer (its latest version), or the run asked for. */
  root: string;
  /** Each run once, by depth, then newest first within a depth. */
  nodes: TraceNode[];
  edges: TraceEdge[];
  /** True when the depth limit cut off runs that have further dependencies. */
  truncated: boolean;
  /** Runs in the whole trace (every depth, every page), when asked for with `total: true`. */
  total?: number;
  /** When `limit` cut this answer into pages: the `cursor` that continues with the next page. */
  next?: string;
}

/** A run as a big trace's overview draws it: no inputs, outputs, params, metrics or notes. */
export type RunHead = Pick<Run, 'id' | 'component' | 'startedAt' | 'status'>;

/**
 * A trace answered by heads (the `headsAbove` option, for an answer over that many runs): each
 * run's head, and the edges counted, not listed. About a quarter of the whole answer's bytes.
 */
export interface TraceHeads extends Omit<Trace, 'nodes' | 'edges'> {
  heads: true;
  nodes: { depth: number; run: RunHead }[];
  /** How many edges the whole answer would list. */
  edgeCount: number;
}
