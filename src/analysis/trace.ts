import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { checkOptions, checkTime, checkWholeNumber } from '../validate.js';

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
}

export interface TraceOptions {
  /** Stop after this many levels of dependencies (0: the root only). Default: no limit. */
  depth?: number;
  /**
   * For a pointer: trace the version written by the newest run that started before this time
   * (epoch ms), not the latest. Default: the latest version.
   */
  at?: number;
}

/** Checks trace options as given by a caller (invalid_input naming the option). */
export function checkTraceOptions(options: unknown): TraceOptions {
  const o = checkOptions<TraceOptions>('options', options, ['depth', 'at']);
  if (o.depth !== undefined) checkWholeNumber('depth', o.depth);
  if (o.at !== undefined) checkTime('at', o.at);
  return o;
}

const newestFirst = (a: Run, b: Run): number => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Breadth-first over dependencies, one batched store read per level. */
export async function traceFromRun(
  store: Store,
  root: Run,
  target: Trace['target'],
  options: TraceOptions = {},
): Promise<Trace> {
  const limit = options.depth ?? Number.POSITIVE_INFINITY;
  const nodes: TraceNode[] = [{ depth: 0, run: root }];
  // Runs fetched so far by id; an id maps to null while its fetch is pending or when it is missing.
  const found = new Map<string, Run | null>([[root.id, root]]);
  const edges: TraceEdge[] = [];
  let level: Run[] = [root];
  let truncated = false;
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > limit) {
      truncated = level.some((r) => r.dependencies.length > 0);
      break;
    }
    const wanted: string[] = [];
    for (const run of level) {
      for (const dep of run.dependencies) {
        if (!found.has(dep)) {
          found.set(dep, null);
          wanted.push(dep);
        }
      }
    }
    const fetched = wanted.length === 0 ? [] : await store.getRuns(wanted);
    const next: Run[] = [];
    for (const run of fetched) {
      if (run === undefined) continue; // a dependency deleted or never synced: the trace shows what exists
      next.push(run);
      found.set(run.id, run);
    }
    if (next.length > 1) next.sort(newestFirst);
    for (const run of next) nodes.push({ depth, run });
    for (const run of level) {
      for (const dep of run.dependencies) {
        const upstream = found.get(dep);
        if (upstream == null) continue;
        const via = run.inputs.length === 1 ? run.inputs : run.inputs.filter((p) => upstream.outputs.includes(p));
        edges.push({ from: run.id, to: dep, via: via === run.inputs ? via.slice() : via });
      }
    }
    level = next;
  }
  return { target, root: root.id, nodes, edges, truncated };
}
