/**
 * A pair's summary, recorded at write time for the row review (src/rows/review-chain.ts): whether
 * its output rows are distinct, and order-free fingerprints of its output and input rows (sums of
 * mixed hashes). Equal fingerprints and counts on a pair's inputs and its upstream pair's outputs
 * mean every input row has its parent there, so a review can carry "all of the pair" instead of
 * walking every row. Stores written before it have no summary and are reviewed row by row.
 */
import { decodeChunk } from './format/chunk.js';
import type { PairManifest, PairSummary } from './format/codec.js';

export type { PairSummary };

const fmix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/**
 * Adds hashes to a multiset fingerprint f: two 32-bit sums of differently mixed hashes. One
 * function per layout, each called with one array type only: a loop fed both Uint16Array and
 * Uint32Array high words checks the array's type on every load.
 */
const mixOut = (h: number, l: number): number => fmix(Math.imul(h, 0x9e3779b1) ^ l);
const mixIn = (h: number, l: number): number => fmix(Math.imul(l ^ 0x27d4eb2f, 0x165667b1) ^ h);

/** Entries ea..eb of a narrow chunk: high words are top | hi16[j], low words lo[j]. */
function addNarrow(f: Int32Array, hi16: Uint16Array, lo: Uint32Array, top: number, ea: number, eb: number): void {
  let a = f[0] as number;
  let b = f[1] as number;
  for (let j = ea; j < eb; j++) {
    const h = (hi16[j] as number) | top;
    const l = lo[j] as number;
    a = (a + mixOut(h, l)) | 0;
    b = (b + mixIn(h, l)) | 0;
  }
  f[0] = a;
  f[1] = b;
}

/** Entries ea..eb of interleaved (hi, lo) words. */
function addWide(f: Int32Array, words: Uint32Array, ea: number, eb: number): void {
  let a = f[0] as number;
  let b = f[1] as number;
  for (let j = ea; j < eb; j++) {
    const h = words[2 * j] as number;
    const l = words[2 * j + 1] as number;
    a = (a + mixOut(h, l)) | 0;
    b = (b + mixIn(h, l)) | 0;
  }
  f[0] = a;
  f[1] = b;
}

const hex = (f: Int32Array): string =>
  ((f[0] as number) >>> 0).toString(16).padStart(8, '0') + ((f[1] as number) >>> 0).toString(16).padStart(8, '0');

// One table of entry indexes, reused for every sub-bucket (a few hundred entries: it stays in cache).
let table = new Int32Array(1 << 10);

/**
 * Whether a hash repeats within entries ea..eb of one sub-bucket: `hi` and `lo` give entry j's
 * words at hi[j * step], lo[j * step] (a narrow chunk's high words are their low 16 bits: the
 * rest is the sub-bucket's, equal for all). A pair's chunks are all narrow or all wide, so in
 * a big pair this sees one array type.
 */
function repeats(hi: Uint32Array | Uint16Array, lo: Uint32Array, step: number, ea: number, eb: number): boolean {
  let cap = 16;
  while (cap < 2 * (eb - ea)) cap *= 2;
  if (table.length < cap) table = new Int32Array(cap);
  const t = table;
  t.fill(0, 0, cap);
  const mask = cap - 1;
  for (let j = ea; j < eb; j++) {
    const l = lo[j * step] as number;
    const h = hi[j * step] as number;
    let slot = l & mask;
    for (;;) {
      const e = t[slot] as number;
      if (e === 0) {
        t[slot] = j + 1;
        break;
      }
      if (lo[(e - 1) * step] === l && hi[(e - 1) * step] === h) return true;
      slot = (slot + 1) & mask;
    }
  }
  return false;
}

/** The summary of a pair from its chunk blobs as written (every entry is in one of them). */
export function summarizePair(pair: PairManifest, chunks: readonly { index: number; data: Uint8Array }[]): PairSummary {
  const summer = new PairSummer(pair);
  for (const { index, data } of chunks) summer.add(index, data);
  return summer.result();
}

/** A pair's summary built a chunk at a time, as its chunks are written (order-free sums). */
export class PairSummer {
  private readonly out = new Int32Array(2);
  private readonly inp = new Int32Array(2);
  private distinct = true;

  /** `pair` needs the fields decodeChunk reads (bits, w) and its kind. */
  constructor(private readonly pair: PairManifest) {}

  /** Adds chunk `index`, given as its blob. */
  add(index: number, data: Uint8Array): void {
    const { out, inp } = this;
    const chunk = decodeChunk(data, `chunk ${index}`, this.pair, index);
    const offsets = chunk.offsets;
    const narrow = chunk.narrow;
    for (let sb = 0; sb + 1 < offsets.length; sb++) {
      const ea = offsets[sb] as number;
      const eb = offsets[sb + 1] as number;
      if (narrow !== undefined) {
        // The top 16 bits of a narrow high word are its bucket and sub-bucket.
        const { lo, hi16 } = narrow;
        addNarrow(out, hi16, lo, ((index << chunk.sub) | sb) << 16, ea, eb);
        if (this.distinct && eb - ea > 1 && repeats(hi16, lo, 1, ea, eb)) this.distinct = false;
      } else {
        const o = chunk.out;
        addWide(out, o, ea, eb);
        if (this.distinct && eb - ea > 1 && repeats(o, o.subarray(1), 2, ea, eb)) this.distinct = false;
      }
    }
    if (chunk.inp !== undefined) addWide(inp, chunk.inp, 0, chunk.count);
  }

  result(): PairSummary {
    const o = hex(this.out);
    return { v: 1, d: this.distinct, o, i: this.pair.kind === 'keep' ? o : hex(this.inp) };
  }
}
