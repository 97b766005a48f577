import type { Chunk } from './format/chunk.js';
import type { PairManifest } from './format/codec.js';
import type { BufferPool } from './pool.js';

/** Matches of a lookup: for each match, the query it answers and the hash on the other side. */
export interface Matches {
  count: number;
  /** The query's index, or its tag where the lookup was given tags. */
  query: Int32Array;
  hash: Uint32Array;
  /** Original key of the matched row where the pair kept keys. */
  key: (unknown | undefined)[] | undefined;
  /** Original key of the query row where the pair kept keys. */
  queryKey: (unknown | undefined)[] | undefined;
  /** With `misses`: the queries that matched nothing (hash and index or tag). */
  missed?: { count: number; query: Int32Array; hash: Uint32Array };
}

/**
 * Growable (tag, hi, lo) columns. The arrays are taken at the first push, not before: a bulk
 * lookup groups its queries first, and the buffers it gives back then can hold the matches.
 */
class Column {
  count = 0;
  tag: Int32Array = new Int32Array(0);
  hash: Uint32Array = new Uint32Array(0);
  constructor(
    private readonly capacity: number,
    private readonly pool: BufferPool | undefined,
  ) {}
  private grow(): void {
    const n = this.count === 0 ? this.capacity : this.count * 2;
    const t2 = this.pool?.i32(n) ?? new Int32Array(n);
    t2.set(this.tag.subarray(0, this.count));
    this.pool?.release(this.tag);
    this.tag = t2;
    const h2 = this.pool?.u32(2 * n) ?? new Uint32Array(2 * n);
    h2.set(this.hash.subarray(0, 2 * this.count));
    this.pool?.release(this.hash);
    this.hash = h2;
  }
  push(tag: number, hi: number, lo: number): void {
    if (this.count === this.tag.length) this.grow();
    this.tag[this.count] = tag;
    this.hash[2 * this.count] = hi;
    this.hash[2 * this.count + 1] = lo;
    this.count++;
  }
}

export class MatchBuilder {
  private readonly matches: Column;
  private readonly misses: Column | undefined;
  key: (unknown | undefined)[] | undefined;
  queryKey: (unknown | undefined)[] | undefined;

  constructor(
    expected: number,
    private readonly tags?: Int32Array,
    trackMisses = false,
    pool?: BufferPool,
  ) {
    // A few queries (a trace step) usually match once each: exactly sized, done() need not cut.
    this.matches = new Column(expected <= 8 ? Math.max(1, expected) : expected, pool);
    if (trackMisses) this.misses = new Column(16, undefined);
  }

  get count(): number {
    return this.matches.count;
  }

  /** The tag of query `q`: its index, or tags[q]. */
  tagOf(q: number): number {
    return this.tags === undefined ? q : (this.tags[q] as number);
  }

  /** A match of the query tagged `tag` (see tagOf), with keys where the pair kept them. */
  push(tag: number, hi: number, lo: number, key?: unknown, queryKey?: unknown): void {
    const at = this.matches.count;
    if (key !== undefined || queryKey !== undefined) {
      this.key ??= [];
      this.queryKey ??= [];
      this.key[at] = key;
      this.queryKey[at] = queryKey;
    }
    this.matches.push(tag, hi, lo);
  }

  /** push() without keys, for the bulk join. */
  pushTagged(tag: number, hi: number, lo: number): void {
    this.matches.push(tag, hi, lo);
  }

  /** The query tagged `tag` (its hash `hi`, `lo`) matched nothing. */
  miss(tag: number, hi: number, lo: number): void {
    this.misses?.push(tag, hi, lo);
  }

  get tracksMisses(): boolean {
    return this.misses !== undefined;
  }

  done(): Matches {
    const c = this.matches;
    const whole = c.count === c.tag.length;
    const m: Matches = {
      count: c.count,
      query: whole ? c.tag : c.tag.subarray(0, c.count),
      hash: whole ? c.hash : c.hash.subarray(0, 2 * c.count),
      key: this.key,
      queryKey: this.queryKey,
    };
    const x = this.misses;
    if (x !== undefined)
      m.missed = { count: x.count, query: x.tag.subarray(0, x.count), hash: x.hash.subarray(0, 2 * x.count) };
    return m;
  }
}

/** Emits entry j of a chunk as a match of the query tagged `query` (with keys where the pair kept them). */
export function emit(
  m: MatchBuilder,
  query: number,
  pair: PairManifest,
  other: Uint32Array,
  j: number,
  text: unknown[] | undefined,
  forward: boolean,
): void {
  if (text === undefined) m.push(query, other[2 * j] as number, other[2 * j + 1] as number);
  else if (pair.kind === 'keep') m.push(query, other[2 * j] as number, other[2 * j + 1] as number, text[j], text[j]);
  else if (forward) m.push(query, other[2 * j] as number, other[2 * j + 1] as number, text[2 * j], text[2 * j + 1]);
  else m.push(query, other[2 * j] as number, other[2 * j + 1] as number, text[2 * j + 1], text[2 * j]);
}

/** Queries of one chunk, copied out contiguously so the join reads them in order. */
export interface ChunkQueries {
  /** (hi, lo, tag) per query: the hash and the query's index or tag. */
  q3: Uint32Array;
  from: number;
  to: number;
  /** The pair's partition bits (a query's sub-bucket follows them). */
  bits: number;
}

// Scratch arrays reused by every join: the chunk's queries ordered by sub-bucket, and a small
// table over one sub-bucket's entries (a few hundred in a pair of 20M rows: it stays in L1).
let bySub = new Int32Array(1024);
let subStart = new Int32Array((1 << 16) + 1);
let table = new Int32Array(1024);
let chain = new Int32Array(1024);

/**
 * Joins one chunk's queries with its entries, one sub-bucket at a time: the queries are
 * ordered by sub-bucket (a counting sort), then each sub-bucket's queries probe a table over
 * its entries (equal hashes chain, in entry order), or scan them when only a few ask. No
 * allocation per chunk; narrow chunks are read as stored. Matches come out by sub-bucket.
 */
export function joinChunk(chunk: Chunk, other: Uint32Array | undefined, q: ChunkQueries, m: MatchBuilder): void {
  const { q3, from, to } = q;
  const sub = chunk.sub;
  const subs = 1 << sub;
  const shift = 32 - q.bits - sub;
  const subMask = subs - 1;
  const nq = to - from;
  if (bySub.length < nq) bySub = new Int32Array(Math.max(nq, 2 * bySub.length));
  if (subStart.length < subs + 1) subStart = new Int32Array(subs + 1);
  const start = subStart;
  start.fill(0, 0, subs + 1);
  for (let k = from; k < to; k++) (start[(((q3[3 * k] as number) >>> shift) & subMask) + 1] as number)++;
  for (let sb = 0; sb < subs; sb++) start[sb + 1] = (start[sb + 1] as number) + (start[sb] as number);
  const order = bySub;
  for (let k = from; k < to; k++) {
    const sb = ((q3[3 * k] as number) >>> shift) & subMask;
    const at = start[sb] as number;
    start[sb] = at + 1;
    order[at] = k;
  }
  // start[sb] is now the end of sub-bucket sb's queries (and the start of sb + 1's).
  const narrow = chunk.narrow;
  const wide = narrow === undefined;
  // Wide: (hi, lo) pairs. Narrow: the stored halves (never the full pairs: they would be built).
  const out = wide ? chunk.out : undefined;
  const lo32 = narrow?.lo as Uint32Array;
  const hi16 = narrow?.hi16;
  const offsets = chunk.offsets;
  const misses = m.tracksMisses;
  let qa = 0;
  for (let sb = 0; sb < subs; sb++) {
    const qb = start[sb] as number;
    if (qa === qb) continue;
    const ea = offsets[sb] as number;
    const eb = offsets[sb + 1] as number;
    const ne = eb - ea;
    if (ne === 0 || (qb - qa) * ne <= 4 * (ne + (qb - qa))) {
      // Few queries (or few entries): scan the sub-bucket for each.
      for (let x = qa; x < qb; x++) {
        const k = order[x] as number;
        const hi = q3[3 * k] as number;
        const lo = q3[3 * k + 1] as number;
        const tag = q3[3 * k + 2] as number;
        let found = false;
        for (let j = ea; j < eb; j++) {
          if (wide) {
            if ((out as Uint32Array)[2 * j + 1] !== lo || (out as Uint32Array)[2 * j] !== hi) continue;
          } else if (lo32[j] !== lo || (hi16 as Uint16Array)[j] !== (hi & 0xffff)) continue;
          found = true;
          if (other === undefined) m.pushTagged(tag, hi, lo);
          else m.pushTagged(tag, other[2 * j] as number, other[2 * j + 1] as number);
        }
        if (!found && misses) m.miss(tag, hi, lo);
      }
      qa = qb;
      continue;
    }
    let cap = 16;
    while (cap < 2 * ne) cap *= 2;
    if (table.length < cap) table = new Int32Array(cap);
    if (chain.length < ne) chain = new Int32Array(Math.max(ne, 2 * chain.length));
    const first = table;
    const next = chain;
    first.fill(0, 0, cap);
    const mask = cap - 1;
    // Entries last to first, so equal hashes chain in entry order.
    for (let j = eb - 1; j >= ea; j--) {
      const lo = (wide ? (out as Uint32Array)[2 * j + 1] : lo32[j]) as number;
      let slot = lo & mask;
      for (;;) {
        const f = first[slot] as number;
        if (f === 0) {
          first[slot] = j + 1;
          next[j - ea] = 0;
          break;
        }
        const e = f - 1;
        const same = wide
          ? (out as Uint32Array)[2 * e + 1] === lo && (out as Uint32Array)[2 * e] === (out as Uint32Array)[2 * j]
          : lo32[e] === lo && (hi16 as Uint16Array)[e] === (hi16 as Uint16Array)[j];
        if (same) {
          next[j - ea] = f;
          first[slot] = j + 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    for (let x = qa; x < qb; x++) {
      const k = order[x] as number;
      const hi = q3[3 * k] as number;
      const lo = q3[3 * k + 1] as number;
      const tag = q3[3 * k + 2] as number;
      let slot = lo & mask;
      for (;;) {
        const f = first[slot] as number;
        if (f === 0) {
          if (misses) m.miss(tag, hi, lo);
          break;
        }
        const e = f - 1;
        const same = wide
          ? (out as Uint32Array)[2 * e + 1] === lo && (out as Uint32Array)[2 * e] === hi
          : lo32[e] === lo && (hi16 as Uint16Array)[e] === (hi & 0xffff);
        if (same) {
          for (let g = f; g !== 0; g = next[g - 1 - ea] as number) {
            const j = g - 1;
            // No input side (a keep pair): a kept row is its own input.
            if (other === undefined) m.pushTagged(tag, hi, lo);
            else m.pushTagged(tag, other[2 * j] as number, other[2 * j + 1] as number);
          }
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    qa = qb;
  }
}
