import { invalid } from '../../errors.js';
import { primeLoops } from '../../monitor/prime.js';
import { hashKeyInto, type RowKey } from './keys.js';

/** Where one chunk's entries go while partitioning (see chunk.ts for the layout). */
export interface ChunkTarget {
  /** narrow: low words; wide: (hi, lo) pairs. */
  out: Uint32Array;
  inp: Uint32Array | undefined;
  /** narrow: the low 16 bits of the high words. */
  hi16: Uint16Array | undefined;
  text: unknown[] | undefined;
}

/** A pair's entries: output hashes, and input hashes or input keys for edges. */
export interface ScatterSource {
  out: Uint32Array;
  inp?: Uint32Array;
  /** Input keys hashed straight into place (instead of `inp`). */
  inputKeys?: ArrayLike<RowKey>;
  /** Original keys as JSON values: one per entry (keep) or (output, input) per entry. */
  text?: unknown[];
}

/** How entries are placed: slot = hi >>> shift is (chunk << sub) | sub-bucket. */
export interface ScatterPlan {
  n: number;
  bits: number;
  sub: number;
  shift: number;
  narrow: boolean;
  edges: boolean;
  targets: (ChunkTarget | undefined)[];
  /** Per slot: the index within its chunk where the slot's next entry goes (advanced here). */
  cursor: Int32Array;
}

/**
 * Places every entry at its slot's cursor in one pass. Each entry lands in one of 2^(bits+sub)
 * places spread over all the chunks: a cache miss per write once the chunks outgrow the cache,
 * so this is for small pairs and for pairs with original keys.
 */
export function scatterDirect(src: ScatterSource, plan: ScatterPlan): void {
  const { n, shift, sub, narrow, edges, targets, cursor } = plan;
  const { out, inp, inputKeys, text } = src;
  for (let i = 0; i < n; i++) {
    const hi = out[2 * i] as number;
    const lo = out[2 * i + 1] as number;
    const g = hi >>> shift;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    const w = targets[g >>> sub] as ChunkTarget;
    if (narrow) {
      w.out[at] = lo;
      (w.hi16 as Uint16Array)[at] = hi;
    } else {
      w.out[2 * at] = hi;
      w.out[2 * at + 1] = lo;
    }
    if (edges) {
      const target = w.inp as Uint32Array;
      if (inp !== undefined) {
        target[2 * at] = inp[2 * i] as number;
        target[2 * at + 1] = inp[2 * i + 1] as number;
      } else hashInput(inputKeys as ArrayLike<RowKey>, i, target, 2 * at);
    }
    if (text !== undefined) {
      const t = w.text as unknown[];
      if (edges) {
        t[2 * at] = text[2 * i];
        t[2 * at + 1] = text[2 * i + 1];
      } else t[at] = text[i];
    }
  }
}

/** Entries per segment of scatterByChunk: 16 MiB of scratch for edges, reused segment after segment. */
const SEGMENT = 1 << 20;

/**
 * The same placement for big narrow pairs without original keys, a segment of entries at a
 * time in two stable passes: first by chunk into a scratch array (a sequential write stream
 * per chunk), then chunk by chunk to their slots (the segment's share of each slot is a few
 * neighbouring entries, so whole cache lines are written instead of one word per miss). The
 * result is byte for byte what scatterDirect writes. The loops are small functions of typed
 * arrays, primed below: as loops of one long call they were compiled on the stack midway and
 * deoptimised at their ends, and the first (and in a bench, only) pair ran 2-3x slower.
 */
export function scatterByChunk(src: ScatterSource, plan: ScatterPlan): void {
  const { n, bits, shift, edges, targets, cursor } = plan;
  const { out, inp, inputKeys } = src;
  const chunks = 1 << bits;
  const chunkShift = 32 - bits;
  // Words per scratch entry: hi, lo, then the input's hi, lo for edges.
  const e = edges ? 4 : 2;
  const scratch = scratchOf(Math.min(n, SEGMENT) * e);
  const starts = new Int32Array(chunks + 1);
  const next = new Int32Array(chunks);
  for (let from = 0; from < n; from += SEGMENT) {
    const to = Math.min(n, from + SEGMENT);
    countByChunk(out, from, to, chunkShift, starts, next);
    if (!edges) toScratchKeep(out, from, to, chunkShift, next, scratch);
    else if (inp !== undefined) toScratchEdges(out, inp, from, to, chunkShift, next, scratch);
    else {
      toScratchKeep(out, from, to, chunkShift, next, scratch, 4);
      // Input keys hashed in their entries' scratch places (next[c] now ends chunk c's run).
      hashInputsInto(out, inputKeys as ArrayLike<RowKey>, from, to, chunkShift, starts, scratch);
    }
    for (let c = 0; c < chunks; c++) {
      const w = targets[c];
      if (w === undefined) continue;
      const j0 = starts[c] as number;
      const j1 = starts[c + 1] as number;
      if (edges) fromScratchEdges(scratch, j0, j1, shift, cursor, w.out, w.hi16 as Uint16Array, w.inp as Uint32Array);
      else fromScratchKeep(scratch, j0, j1, shift, cursor, w.out, w.hi16 as Uint16Array);
    }
  }
}

// The scratch, kept between calls: a pair written a region at a time calls once per region,
// and fresh memory costs more to touch than the pass itself (the calls never overlap).
let kept = new Uint32Array(0);
const scratchOf = (words: number): Uint32Array => {
  if (kept.length < words) kept = new Uint32Array(words);
  return kept.subarray(0, words);
};

/** Entries of out[from, to) per chunk, as start offsets (starts) and write cursors (next). */
function countByChunk(
  out: Uint32Array,
  from: number,
  to: number,
  chunkShift: number,
  starts: Int32Array,
  next: Int32Array,
): void {
  starts.fill(0);
  for (let i = from; i < to; i++) {
    const c = ((out[2 * i] as number) >>> chunkShift) + 1;
    starts[c] = (starts[c] as number) + 1;
  }
  for (let c = 0; c < next.length; c++) {
    starts[c + 1] = (starts[c + 1] as number) + (starts[c] as number);
    next[c] = starts[c] as number;
  }
}

/** Output (hi, lo) to scratch by chunk, `e` words an entry (the rest is left to the caller). */
function toScratchKeep(
  out: Uint32Array,
  from: number,
  to: number,
  chunkShift: number,
  next: Int32Array,
  scratch: Uint32Array,
  e = 2,
): void {
  for (let i = from; i < to; i++) {
    const hi = out[2 * i] as number;
    const c = hi >>> chunkShift;
    const at = (next[c] as number) * e;
    next[c] = (next[c] as number) + 1;
    scratch[at] = hi;
    scratch[at + 1] = out[2 * i + 1] as number;
  }
}

/** Output and input (hi, lo) to scratch by chunk, 4 words an entry. */
function toScratchEdges(
  out: Uint32Array,
  inp: Uint32Array,
  from: number,
  to: number,
  chunkShift: number,
  next: Int32Array,
  scratch: Uint32Array,
): void {
  for (let i = from; i < to; i++) {
    const hi = out[2 * i] as number;
    const c = hi >>> chunkShift;
    const at = (next[c] as number) * 4;
    next[c] = (next[c] as number) + 1;
    scratch[at] = hi;
    scratch[at + 1] = out[2 * i + 1] as number;
    scratch[at + 2] = inp[2 * i] as number;
    scratch[at + 3] = inp[2 * i + 1] as number;
  }
}

/** Hashes input keys into the scratch places toScratchKeep(e = 4) gave their entries. */
function hashInputsInto(
  out: Uint32Array,
  keys: ArrayLike<RowKey>,
  from: number,
  to: number,
  chunkShift: number,
  starts: Int32Array,
  scratch: Uint32Array,
): void {
  const next = starts.slice(0, starts.length - 1);
  for (let i = from; i < to; i++) {
    const c = (out[2 * i] as number) >>> chunkShift;
    const at = (next[c] as number) * 4;
    next[c] = (next[c] as number) + 1;
    hashInput(keys, i, scratch, at + 2);
  }
}

/** One chunk's share of a segment from scratch to its slots: narrow low words and hi16. */
function fromScratchKeep(
  scratch: Uint32Array,
  j0: number,
  j1: number,
  shift: number,
  cursor: Int32Array,
  lows: Uint32Array,
  hi16: Uint16Array,
): void {
  for (let j = j0; j < j1; j++) {
    const k = 2 * j;
    const hi = scratch[k] as number;
    const g = hi >>> shift;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    lows[at] = scratch[k + 1] as number;
    hi16[at] = hi & 0xffff;
  }
}

/** The same with input hashes, 4 scratch words an entry. */
function fromScratchEdges(
  scratch: Uint32Array,
  j0: number,
  j1: number,
  shift: number,
  cursor: Int32Array,
  lows: Uint32Array,
  hi16: Uint16Array,
  inp: Uint32Array,
): void {
  for (let j = j0; j < j1; j++) {
    const k = 4 * j;
    const hi = scratch[k] as number;
    const g = hi >>> shift;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    lows[at] = scratch[k + 1] as number;
    hi16[at] = hi & 0xffff;
    inp[2 * at] = scratch[k + 2] as number;
    inp[2 * at + 1] = scratch[k + 3] as number;
  }
}

function hashInput(keys: ArrayLike<RowKey>, i: number, target: Uint32Array, at: number): void {
  try {
    hashKeyInto(keys[i] as RowKey, target, at);
  } catch (error) {
    if (error instanceof Error && 'field' in error && error.field === 'key') {
      throw invalid(`keys[${i}]`, error.message.replace(/^key: /, ''));
    }
    throw error;
  }
}

// Type feedback for every kernel before the first big pair (see scatterByChunk).
primeLoops(() => {
  const out = Uint32Array.of(0x80000001, 0xfffffffe, 0x00010002, 3, 0xc0000000, 5);
  const inp = Uint32Array.of(0xffffffff, 1, 2, 0x80000000, 4, 5);
  const make = (edges: boolean): ChunkTarget => ({
    out: new Uint32Array(3),
    inp: edges ? new Uint32Array(6) : undefined,
    hi16: new Uint16Array(3),
    text: undefined,
  });
  for (const edges of [false, true]) {
    const targets = [make(edges), make(edges)];
    const plan = { n: 3, bits: 1, sub: 15, shift: 16, narrow: true, edges, targets, cursor: new Int32Array(1 << 16) };
    // Slot cursors as partitionChunks sets them: each chunk's slots start at 0.
    scatterByChunk(edges ? { out, inp } : { out }, plan);
    if (edges) scatterByChunk({ out, inputKeys: ['a', 'b', 'c'] }, { ...plan, cursor: new Int32Array(1 << 16) });
  }
});
