import { invalid } from '../errors.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { checkOptions, checkTime, checkWholeNumber } from '../validate.js';
import { decodeTraceCursor, pageOfTrace } from './trace-page.js';
import type { Trace, TraceEdge, TraceNode } from './trace-types.js';

export type { RunHead, Trace, TraceEdge, TraceHeads, TraceNode } from './trace-types.js';

export interface TraceOptions {
  /** Stop after this many levels of dependencies (0: the root only). Default: no limit. */
  depth?: number;
  /**
   * For a pointer: trace the version written by the newest run that started before this time
   * (epoch ms), not the latest. Default: the latest version.
   */
  at?: number;
  /**
   * At most this many runs in this answer (a page, in `nodes` order); `next` then continues. Each
   * edge comes with the later of its two runs, so the pages together hold every edge once.
   * Default: all (the HTTP route caps it at `TRACE_PAGE_MAX`).
   */
  limit?: number;
  /** The `next` of the previous page: continues the same trace (the same root run). */
  cursor?: string;
  /** Also count the runs of the whole trace, beyond `depth` and `limit`, as `total`. */
  total?: boolean;
  /**
   * When the answer holds more than this many runs, send it as `TraceHeads`: each run's head (id,
   * component, start, status) and the edges counted. An overview of a big trace draws from heads
   * and asks for a whole run (`inspect`) when it opens one. Default: always whole runs.
   */
  headsAbove?: number;
}

/** Checks trace options as given by a caller (invalid_input naming the option). */
export function checkTraceOptions(options: unknown): TraceOptions {
  const o = checkOptions<TraceOptions>('options', options, ['depth', 'at', 'limit', 'cursor', 'total', 'headsAbove']);
  if (o.depth !== undefined) checkWholeNumber('depth', o.depth);
  if (o.at !== undefined) checkTime('at', o.at);
  if (o.limit !== undefined) checkWholeNumber('limit', o.limit, 1);
  if (o.cursor !== undefined) decodeTraceCursor(o.cursor);
  if (o.total !== undefined && typeof o.total !== 'boolean') throw invalid('total', 'must be true or false');
  if (o.headsAbove !== undefined) checkWholeNumber('headsAbove', o.headsAbove);
  return o;
}

const newestFirst = (a: Run, b: Run): number => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The trace behind a run: the levels up to `depth`, then the page `limit`/`cursor` ask for, with
 * the count of the whole trace when `total` asks for it (one walk serves both).
 */
export async function traceFromRun(
  store: Store,
  root: Run,
  target: Trace['target'],
  options: Omit<TraceOptions, 'at' | 'headsAbove'> = {},
): Promise<Trace> {
  const depth = options.depth ?? Number.POSITIVE_INFINITY;
  const walked = await walk(store, root, target, options.total === true ? Number.POSITIVE_INFINITY : depth);
  const trace =
    walked.nodes.length > 0 && depth < Number.POSITIVE_INFINITY && options.total === true
      ? withinDepth(walked, depth)
      : walked;
  if (options.total === true) trace.total = walked.nodes.length;
  if (options.limit === undefined && options.cursor === undefined) return trace;
  const offset = options.cursor === undefined ? 0 : decodeTraceCursor(options.cursor).offset;
  return pageOfTrace(trace, offset, options.limit ?? Number.POSITIVE_INFINITY);
}

/** The part of a whole walk that a walk stopped at `depth` returns (same order, same edges). */
function withinDepth(whole: Trace, depth: number): Trace {
  const nodes = whole.nodes.filter((n) => n.depth <= depth);
  const depthOf = new Map(nodes.map((n) => [n.run.id, n.depth]));
  // A walk stopped at `depth` reads the dependencies of the runs above it, not of the last level.
  const edges = whole.edges.filter((e) => (depthOf.get(e.from) ?? depth) < depth);
  const truncated = nodes.some((n) => n.depth === depth && n.run.dependencies.length > 0);
  return { target: whole.target, root: whole.root, nodes, edges, truncated };
}

/** Breadth-first over dependencies, one batched store read per level. */
async function walk(store: Store, root: Run, target: Trace['target'], limit: number): Promise<Trace> {
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
