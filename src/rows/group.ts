/**
 * A bulk lookup's queries grouped by chunk in two counting-sort passes: first by window of
 * chunks (a few dozen write streams over the whole array), then, one window at a time, by
 * chunk within a buffer of the window's size. One pass straight into a pair's 1,024 chunks
 * writes to 1,024 places of a 240 MB array at 20M queries: a cache and TLB miss a query.
 */
import type { PairManifest } from './format/codec.js';
import type { BufferPool } from './pool.js';

export interface WindowGroups {
  /** Chunk indexes with queries, in windows (ascending). */
  windows: number[][];
  /** (hi, lo, tag) per query, grouped by window. */
  byWindow: Uint32Array;
  /** Where each window's queries start in byWindow (one more than there are windows). */
  windowStart: Int32Array;
  /** Queries per chunk. */
  perChunk: Int32Array;
  /** The most queries of one window. */
  largest: number;
}

const chunkOf = (hi: number, bits: number): number => (bits === 0 ? 0 : (hi >>> 0) >>> (32 - bits));

/**
 * Groups queries (interleaved (hi, lo) hashes, in parts) by window; a query's tag is tags[i]
 * for its index i across the parts, or i. `windowsOf` cuts the chunks with queries into windows.
 */
export function groupByWindow(
  pair: PairManifest,
  parts: readonly Uint32Array[],
  tags: Int32Array | undefined,
  windowsOf: (indexes: number[]) => number[][],
  pool: BufferPool | undefined,
): WindowGroups {
  const bits = pair.bits;
  const chunksN = pair.counts.length;
  const perChunk = new Int32Array(chunksN);
  let q = 0;
  for (const p of parts) {
    const n = p.length >>> 1;
    for (let i = 0; i < n; i++) (perChunk[chunkOf(p[2 * i] as number, bits)] as number)++;
    q += n;
  }
  const wanted: number[] = [];
  for (let c = 0; c < chunksN; c++) if ((perChunk[c] as number) > 0) wanted.push(c);
  const windows = windowsOf(wanted);
  const winOf = new Int32Array(chunksN);
  const windowStart = new Int32Array(windows.length + 1);
  let largest = 0;
  for (const [w, window] of windows.entries()) {
    let n = 0;
    for (const c of window) {
      winOf[c] = w;
      n += perChunk[c] as number;
    }
    windowStart[w + 1] = (windowStart[w] as number) + n;
    largest = Math.max(largest, n);
  }
  const fill = windowStart.slice(0, windows.length);
  const byWindow = pool?.u32(3 * q) ?? new Uint32Array(3 * q);
  let base = 0;
  for (const p of parts) {
    const n = p.length >>> 1;
    for (let i = 0; i < n; i++) {
      const hi = p[2 * i] as number;
      const w = winOf[chunkOf(hi, bits)] as number;
      const at = fill[w] as number;
      fill[w] = at + 1;
      byWindow[3 * at] = hi;
      byWindow[3 * at + 1] = p[2 * i + 1] as number;
      byWindow[3 * at + 2] = tags === undefined ? base + i : (tags[base + i] as number);
    }
    base += n;
  }
  return { windows, byWindow, windowStart, perChunk, largest };
}

/**
 * Orders window w's queries by chunk into `into` (3 words a query). Returns where each chunk's
 * queries start there, indexed by chunk - window[0] (one more than the window's span).
 */
export function groupWindow(g: WindowGroups, w: number, into: Uint32Array, bits: number): Int32Array {
  const window = g.windows[w] as number[];
  const c0 = window[0] as number;
  const span = (window[window.length - 1] as number) - c0 + 1;
  const start = new Int32Array(span + 1);
  for (const c of window) start[c - c0 + 1] = g.perChunk[c] as number;
  for (let i = 0; i < span; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const fill = start.slice(0, span);
  const from = g.windowStart[w] as number;
  const to = g.windowStart[w + 1] as number;
  const src = g.byWindow;
  for (let k = from; k < to; k++) {
    const hi = src[3 * k] as number;
    const at = fill[chunkOf(hi, bits) - c0] as number;
    fill[chunkOf(hi, bits) - c0] = at + 1;
    into[3 * at] = hi;
    into[3 * at + 1] = src[3 * k + 1] as number;
    into[3 * at + 2] = src[3 * k + 2] as number;
  }
  return start;
}
