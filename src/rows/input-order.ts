/**
 * Forward lookups of a few rows (a label's rows, one row's impact) through a map/many pair.
 * Chunks are partitioned by output hash, so an input row may sit in any chunk: instead of
 * searching every chunk for every query, one input order spans the whole pair (its entries
 * sorted by input high word, with a directory on the top bits), so a query costs a few probes
 * however many chunks the pair has.
 */
import type { Chunk, PairInputOrder } from './format/chunk.js';
import type { PairManifest } from './format/codec.js';
import { emit, type MatchBuilder } from './join.js';

/** Directory bits: about 4 entries per range, at most 2^20 ranges (4 MB). */
const MIN_DIR_BITS = 1;
const MAX_DIR_BITS = 20;

/**
 * The input order of a pair whose chunks (every non-empty one, in bucket order) are `chunks`.
 * Built once and kept with the first chunk: a chunk belongs to one pair content (its key holds
 * the run, pair and digest), so the order stays right, and leaves the cache with that chunk.
 */
export function pairInputOrder(chunks: readonly Chunk[]): PairInputOrder {
  const first = chunks[0] as Chunk;
  if (first.pairInputs !== undefined) return first.pairInputs;
  const starts = new Uint32Array(chunks.length + 1);
  for (let c = 0; c < chunks.length; c++) starts[c + 1] = (starts[c] as number) + (chunks[c] as Chunk).count;
  const total = starts[chunks.length] as number;
  let hi = new Uint32Array(total);
  let pos = new Uint32Array(total);
  for (let c = 0; c < chunks.length; c++) {
    const inp = (chunks[c] as Chunk).inp as Uint32Array;
    const from = starts[c] as number;
    const count = (chunks[c] as Chunk).count;
    for (let j = 0; j < count; j++) {
      hi[from + j] = inp[2 * j] as number;
      pos[from + j] = from + j;
    }
  }
  // LSD radix sort by high word, a byte at a time: linear, stable, any number of entries.
  let hi2 = new Uint32Array(total);
  let pos2 = new Uint32Array(total);
  const counts = new Uint32Array(257);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let k = 0; k < total; k++) (counts[(((hi[k] as number) >>> shift) & 255) + 1] as number)++;
    for (let b = 0; b < 256; b++) counts[b + 1] = (counts[b + 1] as number) + (counts[b] as number);
    for (let k = 0; k < total; k++) {
      const h = hi[k] as number;
      const b = (h >>> shift) & 255;
      const at = counts[b] as number;
      counts[b] = at + 1;
      hi2[at] = h;
      pos2[at] = pos[k] as number;
    }
    [hi, hi2] = [hi2, hi];
    [pos, pos2] = [pos2, pos];
  }
  const dirBits = Math.min(MAX_DIR_BITS, Math.max(MIN_DIR_BITS, Math.ceil(Math.log2(total + 1)) - 2));
  const order: PairInputOrder = { hi, pos, starts, dirBits, dir: directory(hi, dirBits) };
  first.pairInputs = order;
  return order;
}

/** Where each range of the top `bits` bits of the high words starts in `hi` (sorted). */
function directory(hi: Uint32Array, bits: number): Uint32Array {
  const shift = 32 - bits;
  const ranges = 1 << bits;
  const dir = new Uint32Array(ranges + 1);
  let k = 0;
  for (let r = 0; r < ranges; r++) {
    while (k < hi.length && (hi[k] as number) >>> shift < r) k++;
    dir[r] = k;
  }
  dir[ranges] = hi.length;
  return dir;
}

/** Forward matches of queries `queries` (q interleaved hashes) through a pair's chunks, by its input order. */
export function probeInputs(
  chunks: readonly Chunk[],
  pair: PairManifest,
  queries: Uint32Array,
  q: number,
  m: MatchBuilder,
): void {
  const { hi: his, pos, starts, dir, dirBits } = pairInputOrder(chunks);
  const shift = 32 - dirBits;
  for (let i = 0; i < q; i++) {
    const hi = (queries[2 * i] as number) >>> 0;
    const lo = (queries[2 * i + 1] as number) >>> 0;
    const r = hi >>> shift;
    let a = dir[r] as number;
    let b = dir[r + 1] as number;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((his[mid] as number) < hi) a = mid + 1;
      else b = mid;
    }
    for (let k = a; k < his.length && his[k] === hi; k++) {
      const p = pos[k] as number;
      const c = chunkAt(starts, p);
      const chunk = chunks[c] as Chunk;
      const j = p - (starts[c] as number);
      if ((chunk.inp as Uint32Array)[2 * j + 1] === lo) emit(m, m.tagOf(i), pair, chunk.out, j, chunk.text?.(), true);
    }
  }
}

/** The chunk holding entry `p` of the concatenation: the last start at or below it. */
function chunkAt(starts: Uint32Array, p: number): number {
  let a = 0;
  let b = starts.length - 1;
  while (b - a > 1) {
    const mid = (a + b) >>> 1;
    if ((starts[mid] as number) <= p) a = mid;
    else b = mid;
  }
  return a;
}
