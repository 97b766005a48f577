/**
 * Pages of a trace: a bounded slice of its runs (in `nodes` order) with the edges that close on
 * them, and the cursor that continues. The cursor names the root run, so the next pages follow
 * the same trace even when a newer run has since written the pointer.
 */
import { invalid } from '../errors.js';
import type { Trace } from './trace-types.js';

/** Where the next page starts: the position in `nodes` and the root run. */
export interface TraceCursor {
  offset: number;
  root: string;
}

export function encodeTraceCursor(cursor: TraceCursor): string {
  return `${cursor.offset.toString(36)}~${cursor.root}`;
}

export function decodeTraceCursor(text: unknown): TraceCursor {
  const at = typeof text === 'string' ? text.indexOf('~') : -1;
  const raw = typeof text === 'string' ? text.slice(0, at) : '';
  const offset = /^[0-9a-z]{1,10}$/.test(raw) ? Number.parseInt(raw, 36) : Number.NaN;
  const root = typeof text === 'string' ? text.slice(at + 1) : '';
  if (!Number.isSafeInteger(offset) || root.length === 0 || root.length > 256) {
    throw invalid('cursor', 'not a cursor returned by a previous page of this trace');
  }
  return { offset, root };
}

/** The runs from `offset` (at most `limit`) and each edge whose later run is among them. */
export function pageOfTrace(trace: Trace, offset: number, limit: number): Trace {
  const end = Math.min(trace.nodes.length, offset + limit);
  const position = new Map(trace.nodes.map((n, i) => [n.run.id, i]));
  const edges = trace.edges.filter((e) => {
    const last = Math.max(position.get(e.from) ?? -1, position.get(e.to) ?? -1);
    return last >= offset && last < end;
  });
  const page: Trace = { ...trace, nodes: trace.nodes.slice(offset, end), edges };
  if (end < trace.nodes.length) page.next = encodeTraceCursor({ offset: end, root: trace.root });
  else delete page.next;
  return page;
}
