import { CHUNK_FORMAT, type ChunkHeader, countSlots, layout, planOf, startChunk } from './chunk.js';
import { type ChunkTarget, scatterByChunk, scatterDirect } from './scatter.js';

/**
 * A pair's entries already split by the top `bits` bits of the output hash into regions (as a
 * RowRecorder given `expected` keeps them). Region r holds fill[r] entries from entry r * cap
 * of `out` (the outputs' (hi, lo) pairs) and of `inp` for edges, in the order they were added.
 */
export interface RegionSource {
  bits: number;
  out: Uint32Array;
  inp: Uint32Array | undefined;
  cap: number;
  fill: Int32Array;
}

/**
 * Whether a pair of n entries in regions of `regionBits` can be encoded a region at a time:
 * every chunk then lies in one region, and entries keep the order partitionChunks gives them
 * (the order they were added). The bytes are partitionChunks' bytes, but for the pair's digest.
 */
export function streamable(n: number, regionBits: number): boolean {
  return n > 0 && regionBits > 0 && planOf(n).bits >= regionBits;
}

const encoder = new TextEncoder();

// A pair's slot counts and cursors (2^16 slots at most, 256 KiB each), kept between calls: a
// region is encoded in one synchronous call, and fresh memory costs more to touch than using it.
let counts = new Int32Array(0);
let cursors = new Int32Array(0);
/** The slot counts, zero from slot `from` to `to` (the region's slots: the only ones counted). */
function slotsOf(slots: number, from: number, to: number): Int32Array {
  if (counts.length !== slots) {
    counts = new Int32Array(slots);
    cursors = new Int32Array(slots);
  } else counts.fill(0, from, to);
  return counts;
}

/**
 * Encodes the chunks of region r of a streamable pair of n entries, as partitionChunks does
 * (the same kernels on the region's entries), into buffers of the sizes `take` is asked for;
 * `w` is the pair's digest. Every byte of each blob is written: `take` may hand out used memory.
 */
export function partitionRegion(
  src: RegionSource,
  n: number,
  r: number,
  edges: boolean,
  w: string,
  take: (bytes: number) => Uint8Array,
): { index: number; count: number; data: Uint8Array }[] {
  const { bits, sub, narrow } = planOf(n);
  const m = src.fill[r] as number;
  const out = src.out.subarray(2 * r * src.cap, 2 * (r * src.cap + m));
  const inp = edges ? (src.inp as Uint32Array).subarray(2 * r * src.cap, 2 * (r * src.cap + m)) : undefined;
  const subs = 1 << sub;
  const shift = 32 - bits - sub;
  // The region's chunks, and their slots (chunk << sub | sub-bucket), are a contiguous range.
  const c0 = r << (bits - src.bits);
  const c1 = (r + 1) << (bits - src.bits);
  const slotCounts = slotsOf((1 << bits) * subs, c0 * subs, c1 * subs);
  countSlots(out, m, shift, slotCounts);
  // startChunk sets every cursor of the region's chunks before the scatter reads one.
  const cursor = cursors;
  const targets: (ChunkTarget | undefined)[] = new Array(1 << bits);
  const done: { index: number; count: number; data: Uint8Array }[] = [];
  for (let c = c0; c < c1; c++) {
    let count = 0;
    for (let g = c * subs; g < (c + 1) * subs; g++) count += slotCounts[g] as number;
    if (count === 0) continue;
    const o16 = count < 65536;
    const header: ChunkHeader = { v: CHUNK_FORMAT, kind: edges ? 'edges' : 'keep', count, sub, bits, narrow, o16, w };
    const lay = layout(count, sub, narrow, o16, edges);
    const head = encoder.encode(JSON.stringify(header));
    const bodyAt = 12 + ((head.length + 3) & ~3);
    const data = take(bodyAt + lay.words * 4);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    view.setUint32(0, head.length, true);
    view.setUint32(4, lay.words, true);
    view.setUint32(8, 0, true);
    data.fill(0, 12, bodyAt);
    data.set(head, 12);
    const body = new Uint32Array(data.buffer, data.byteOffset + bodyAt, lay.words);
    // The two words that may hold padding (an odd count of u16 offsets, of hi16 halves).
    body[lay.outAt - 1] = 0;
    body[lay.words - 1] = 0;
    targets[c] = startChunk(body, c, count, sub, narrow, o16, edges, slotCounts, cursor).target;
    done.push({ index: c, count, data });
  }
  const plan = { n: m, bits, sub, shift, narrow, edges, targets, cursor };
  const part = inp === undefined ? { out } : { out, inp };
  if (narrow) scatterByChunk(part, plan);
  else scatterDirect(part, plan);
  return done;
}
