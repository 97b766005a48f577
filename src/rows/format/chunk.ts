import { PipetraceError } from '../../errors.js';
import { primeLoops } from '../../monitor/prime.js';
import { allocBlob, decodeBlob, encodeBlob, type PairManifest } from './codec.js';
import { type ChunkTarget, type ScatterSource, scatterByChunk, scatterDirect } from './scatter.js';

/**
 * The chunk format. A pair's entries are split by the top `bits` bits of the output hash into
 * chunks, and inside a chunk by the next `sub` bits into sub-buckets, with one counting sort.
 *
 * Version 2 (written now): JSON header {v: 2, kind, count, sub, bits, narrow, o16, w}, then
 * - the 2^sub + 1 sub-bucket offsets, u16 when count < 65536 (`o16`), else u32;
 * - output hashes: `narrow` (bits + sub = 16: the top 16 bits of the high word are the
 *   position, so only the low words and the high words' low 16 bits are stored: 6 bytes an
 *   entry) or wide, interleaved (hi, lo) u32 pairs (8 bytes);
 * - for edges (map, many) the input hashes, interleaved (hi, lo) u32 pairs;
 * - narrow only: the u16 low halves of the output high words.
 * Sections are padded to whole u32 words. A 1:1 mapping of a pair above NARROW_MIN_ROWS rows
 * costs 14 bytes plus offsets, a kept row 6.
 * Version 1 (no `v`): u32 offsets (sub = 6), wide output hashes, then input hashes. Still read.
 */
export const CHUNK_FORMAT = 2;

/** Entries per chunk, aimed at: a one-row query reads one chunk of about this many entries. */
export const CHUNK_ROWS = 8192;
/**
 * Partition bits at most: a pair has at most 1,024 chunks, and past 8M rows its chunks grow
 * instead (20M rows: about 20k entries, 270 KB a chunk). Every chunk is a blob, and a store's
 * open reads an index entry per blob: 100M mappings in 4,096-chunk pairs made fs-json open
 * 20k blob entries (about 0.3 s). Readers take the bits from the manifest, so either reads.
 */
export const MAX_BITS = 10;
/** Sub-bucket bits of wide chunks. */
const WIDE_SUB_BITS = 6;
/** Narrow chunks need bits + sub = 16; below 6 partition bits the offsets would cost too much. */
const NARROW_MIN_BITS = 6;
/** Pairs with more rows than this are stored narrow (6 partition bits and more). */
export const NARROW_MIN_ROWS = CHUNK_ROWS << (NARROW_MIN_BITS - 1);

const DIGEST_PLACEHOLDER = '0000000000000000';

/** How a pair of n entries is split: partition bits, sub-bucket bits, narrow or wide. */
export function planOf(n: number, maxBits = MAX_BITS): { bits: number; sub: number; narrow: boolean } {
  let bits = 0;
  while (bits < maxBits && n > CHUNK_ROWS * 2 ** bits) bits++;
  const narrow = bits >= NARROW_MIN_BITS;
  return { bits, sub: narrow ? 16 - bits : WIDE_SUB_BITS, narrow };
}
const encoder = new TextEncoder();

export interface ChunkHeader {
  /** Format version; absent in version 1. */
  v?: number;
  kind: 'edges' | 'keep';
  count: number;
  /** Sub-bucket bits. */
  sub: number;
  /** Version 2: the pair's partition bits. */
  bits?: number;
  /** Version 2: output high words stored as their low 16 bits (bits + sub = 16). */
  narrow?: boolean;
  /** Version 2: u16 offsets. */
  o16?: boolean;
  /** Version 2: the pair's content digest (PairManifest.w). */
  w?: string;
}

/** A decoded chunk: output hashes, and input hashes for edges (map, many). */
export interface Chunk {
  /** The hash partition this chunk holds. */
  bucket: number;
  count: number;
  /** Sub-bucket bits, and the 2^sub + 1 offsets of the sub-buckets' entries. */
  sub: number;
  offsets: Uint16Array | Uint32Array;
  /** Output hashes, interleaved (hi, lo); on a narrow chunk built on first use (lookups read `narrow`). */
  out: Uint32Array;
  /** Narrow chunks as stored: the low words, and the low 16 bits of the high words (the top 16 are bucket and sub-bucket). */
  narrow?: { lo: Uint32Array; hi16: Uint16Array };
  inp?: Uint32Array;
  text?: () => unknown[];
  /** On a pair's first chunk, built on the first few-row forward lookup (src/rows/input-order.ts). */
  pairInputs?: PairInputOrder;
}

/** Every entry of a pair's chunks (concatenated in bucket order) ordered by input high word. */
export interface PairInputOrder {
  /** Input high words, ascending. */
  hi: Uint32Array;
  /** Where each sits in the concatenation of the chunks' entries. */
  pos: Uint32Array;
  /** Where each chunk starts in that concatenation (one more than there are chunks). */
  starts: Uint32Array;
  /** Where each range of the top `dirBits` bits of the high words starts in `hi`. */
  dir: Uint32Array;
  dirBits: number;
}

/** Word layout of a version 2 chunk body. */
export function layout(count: number, sub: number, narrow: boolean, o16: boolean, edges: boolean) {
  const offsetWords = o16 ? ((1 << sub) + 2) >>> 1 : (1 << sub) + 1;
  const outAt = offsetWords;
  const inpAt = outAt + (narrow ? count : 2 * count);
  const hi16At = inpAt + (edges ? 2 * count : 0);
  const words = hi16At + (narrow ? (count + 1) >>> 1 : 0);
  return { outAt, inpAt, hi16At, words };
}

/**
 * Sets chunk c's sub-bucket offsets in its body, and its slots' cursors, from the slot counts;
 * returns the offsets and where the chunk's entries go.
 */
export function startChunk(
  body: Uint32Array,
  c: number,
  count: number,
  sub: number,
  narrow: boolean,
  o16: boolean,
  edges: boolean,
  slotCounts: Int32Array,
  cursor: Int32Array,
): { offsets: Uint16Array | Uint32Array; target: ChunkTarget } {
  const lay = layout(count, sub, narrow, o16, edges);
  const subs = 1 << sub;
  const offsets = o16 ? new Uint16Array(body.buffer, body.byteOffset, subs + 1) : body.subarray(0, subs + 1);
  let next = 0;
  for (let sb = 0; sb < subs; sb++) {
    offsets[sb] = next;
    cursor[c * subs + sb] = next;
    next += slotCounts[c * subs + sb] as number;
  }
  offsets[subs] = next;
  const target: ChunkTarget = {
    out: body.subarray(lay.outAt, lay.inpAt),
    inp: edges ? body.subarray(lay.inpAt, lay.hi16At) : undefined,
    hi16: narrow ? new Uint16Array(body.buffer, body.byteOffset + 4 * lay.hi16At, count) : undefined,
    text: undefined,
  };
  return { offsets, target };
}

/** One chunk being written while partitioning: its blob, header, offsets and entry targets. */
interface ChunkWriter extends ChunkTarget {
  data: Uint8Array | undefined;
  body: Uint32Array;
  header: ChunkHeader;
  offsets: Uint16Array | Uint32Array;
}

/** The source of a pair's entries: output hashes, and input hashes or input keys for edges. */
export type PartitionSource = ScatterSource;

/**
 * Splits a pair into chunk blobs with one counting sort (no comparison sort): the top `bits`
 * bits of the output hash pick the chunk, the next `sub` its sub-bucket. Input keys, when
 * given, are hashed straight into place (`twoPass: false` forces the one-pass placement, for
 * tests). Returns the pair's partition bits, entry counts per chunk, content digest, and the
 * blobs of non-empty chunks.
 */
export function partitionChunks(
  src: PartitionSource,
  edges: boolean,
  maxBits = MAX_BITS,
  twoPass = true,
): { bits: number; counts: number[]; w: string; chunks: { index: number; data: Uint8Array }[] } {
  const out = src.out;
  const n = out.length >>> 1;
  const { bits, sub, narrow } = planOf(n, maxBits);
  const chunks = 1 << bits;
  const shift = 32 - bits - sub;
  const subs = 1 << sub;
  const slots = chunks * subs;
  const slotCounts = new Int32Array(slots);
  countSlots(out, n, shift, slotCounts);
  const counts = new Int32Array(chunks);
  for (let g = 0; g < slots; g++) (counts[g >>> sub] as number) += slotCounts[g] as number;
  const writers: (ChunkWriter | undefined)[] = new Array(chunks);
  // Where the next entry of each slot goes, as an index within its chunk.
  const cursor = new Int32Array(slots);
  for (let c = 0; c < chunks; c++) {
    const count = counts[c] as number;
    if (count === 0) continue;
    const o16 = count < 65536;
    // The digest is known only after the scatter: a placeholder of its length holds its place.
    const header: ChunkHeader = {
      v: CHUNK_FORMAT,
      kind: edges ? 'edges' : 'keep',
      count,
      sub,
      bits,
      narrow,
      o16,
      w: DIGEST_PLACEHOLDER,
    };
    const lay = layout(count, sub, narrow, o16, edges);
    let data: Uint8Array | undefined;
    let body: Uint32Array;
    if (src.text === undefined) ({ data, body } = allocBlob(header, lay.words));
    else body = new Uint32Array(lay.words);
    const { offsets, target } = startChunk(body, c, count, sub, narrow, o16, edges, slotCounts, cursor);
    writers[c] = {
      data,
      body,
      header,
      offsets,
      ...target,
      text: src.text === undefined ? undefined : new Array(edges ? 2 * count : count),
    };
  }
  const plan = { n, bits, sub, shift, narrow, edges, targets: writers, cursor };
  // Big narrow pairs in two cache-friendly passes; the direct pass writes the same bytes.
  if (narrow && src.text === undefined && twoPass) scatterByChunk(src, plan);
  else scatterDirect(src, plan);
  // A content digest of the pair: chunk keys are never rewritten, except by two writers racing
  // on one run; the digest tells their chunks apart (see chunk-cache.ts). Sums of mixed words
  // and their positions: no chain of multiplications through the scatter loop.
  const d = Int32Array.of(n | 0, 0x2545f491);
  for (let c = 0; c < chunks; c++) {
    const w = writers[c];
    if (w !== undefined) digestBody(w.body, c, d);
  }
  const digest =
    ((d[0] as number) >>> 0).toString(16).padStart(8, '0') + ((d[1] as number) >>> 0).toString(16).padStart(8, '0');
  const blobs: { index: number; data: Uint8Array }[] = [];
  for (let c = 0; c < chunks; c++) {
    const w = writers[c];
    if (w === undefined) continue;
    w.header.w = digest;
    let data: Uint8Array;
    if (w.data !== undefined) {
      data = w.data;
      // Same length as the placeholder's header (16 hex digits either way).
      data.set(encoder.encode(JSON.stringify(w.header)), 12);
    } else data = encodeBlob(w.header, w.body, JSON.stringify(w.text));
    blobs.push({ index: c, data });
  }
  return { bits, counts: Array.from(counts), w: digest, chunks: blobs };
}

/** Entries per slot (the top bits of the output high word, from `shift` down). */
export function countSlots(out: Uint32Array, n: number, shift: number, slotCounts: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const g = (out[2 * i] as number) >>> shift;
    slotCounts[g] = (slotCounts[g] as number) + 1;
  }
}

/** Adds chunk c's body to the pair digest d (two i32 sums): mixed words and their positions. */
function digestBody(body: Uint32Array, c: number, d: Int32Array): void {
  let d1 = d[0] as number;
  let d2 = d[1] as number;
  for (let j = 0; j < body.length; j++) {
    const x = body[j] as number;
    d1 = (d1 + Math.imul(x ^ j, 0x9e3779b1)) | 0;
    d2 = (d2 + Math.imul(x ^ (x >>> 15), 0x85ebca77)) | 0;
  }
  d[0] = Math.imul(d1 ^ c, 0xc2b2ae35);
  d[1] = d2;
}

// Type feedback for the loops before the first big pair (see scatterByChunk).
primeLoops(() => {
  countSlots(Uint32Array.of(0xffffffff, 1, 2, 3), 2, 28, new Int32Array(16));
  digestBody(Uint32Array.of(0xffffffff, 1, 0x80000000), 1, Int32Array.of(3, 0x2545f491));
});

/** Full (hi, lo) output pairs of a narrow chunk. */
function widen(
  bucket: number,
  sub: number,
  offsets: Uint16Array | Uint32Array,
  lo: Uint32Array,
  hi16: Uint16Array,
  count: number,
): Uint32Array {
  const out = new Uint32Array(2 * count);
  for (let sb = 0; sb < 1 << sub; sb++) {
    const top = ((bucket << sub) | sb) << 16;
    for (let j = offsets[sb] as number, end = offsets[sb + 1] as number; j < end; j++) {
      out[2 * j] = top | (hi16[j] as number);
      out[2 * j + 1] = lo[j] as number;
    }
  }
  return out;
}

/** Decodes a chunk blob of a pair (either format version); a bad blob is a storage error. */
export function decodeChunk(data: Uint8Array, key: string, pair: PairManifest, bucket: number): Chunk {
  const bad = (why: string) =>
    new PipetraceError('storage', `row lineage blob ${key} is corrupt: ${why}`, { details: { key } });
  const blob = decodeBlob<ChunkHeader>(data, key);
  const h = blob.header;
  if (h === null || typeof h !== 'object') throw bad('no header');
  const { count, sub } = h;
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(sub) || sub < 0 || sub > 16) throw bad('bad header');
  if (h.kind !== 'edges' && h.kind !== 'keep') throw bad('bad kind');
  const edges = h.kind === 'edges';
  const body = blob.body;
  let chunk: Chunk;
  if (h.v === undefined) {
    const base = (1 << sub) + 1;
    if (body.length !== base + count * (edges ? 4 : 2)) throw bad('wrong length');
    chunk = { bucket, count, sub, offsets: body.subarray(0, base), out: body.subarray(base, base + 2 * count) };
    if (edges) chunk.inp = body.subarray(base + 2 * count, base + 4 * count);
  } else if (h.v === CHUNK_FORMAT) {
    if (h.w !== undefined && pair.w !== undefined && h.w !== pair.w) {
      throw new PipetraceError(
        'storage',
        `row lineage blob ${key} does not belong to the pair its run's manifest lists (written concurrently?)`,
        { details: { key } },
      );
    }
    const narrow = h.narrow === true;
    const o16 = h.o16 === true;
    const bits = h.bits ?? pair.bits;
    if (narrow && bits + sub !== 16) throw bad('narrow chunk without 16 position bits');
    const lay = layout(count, sub, narrow, o16, edges);
    if (body.length !== lay.words) throw bad('wrong length');
    const subs = 1 << sub;
    const offsets = o16 ? new Uint16Array(body.buffer, body.byteOffset, subs + 1) : body.subarray(0, subs + 1);
    for (let sb = 0; sb < subs; sb++) if ((offsets[sb] as number) > (offsets[sb + 1] as number)) throw bad('offsets');
    if (offsets[0] !== 0 || offsets[subs] !== count) throw bad('offsets do not add up');
    if (narrow) {
      const lo = body.subarray(lay.outAt, lay.inpAt);
      const hi16 = new Uint16Array(body.buffer, body.byteOffset + 4 * lay.hi16At, count);
      // Lookups read the stored halves; full (hi, lo) pairs are built only where a reader asks.
      let out: Uint32Array | undefined;
      chunk = {
        bucket,
        count,
        sub,
        offsets,
        narrow: { lo, hi16 },
        get out() {
          out ??= widen(bucket, sub, offsets, lo, hi16, count);
          return out;
        },
      };
    } else chunk = { bucket, count, sub, offsets, out: body.subarray(lay.outAt, lay.inpAt) };
    if (edges) chunk.inp = body.subarray(lay.inpAt, lay.hi16At);
  } else {
    throw new PipetraceError(
      'storage',
      `row lineage blob ${key} has chunk format version ${JSON.stringify(h.v)}; this pipetrace reads versions 1 and ${CHUNK_FORMAT} (a newer pipetrace wrote it?)`,
      { details: { key, version: h.v } },
    );
  }
  if (blob.text !== undefined) chunk.text = blob.text;
  return chunk;
}
