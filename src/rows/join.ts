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

/** Growable (tag, hi, lo) columns. */
class Column {
  count = 0;
  tag: Int32Array;
  hash: Uint32Array;
  constructor(
    capacity: number,
    private readonly pool: BufferPool | undefined,
  ) {
    this.tag = pool?.i32(capacity) ?? new Int32Array(capacity);
    this.hash = pool?.u32(2 * capacity) ?? new Uint32Array(2 * capacity);
  }
  private grow(): void {
    const n = this.count * 2;
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
  /** Interleaved (hi, lo) hashes. */
  hash: Uint32Array;
  /** The query's index or tag. */
  tag: Int32Array;
  from: number;
  to: number;
}

// A hash table over one chunk's entries, reused and grown on demand: a chunk holds about
// CHUNK_ROWS entries (about 20k in a pair of 20M rows), so the table (200-800 KB) stays in
// cache while the chunk's queries probe it.
let tabKeys = new Uint32Array(2 * 16384);
let tabFirst = new Int32Array(16384);
let chain = new Int32Array(16384);

/**
 * Joins one chunk's queries with its entries: a table over the entries (equal hashes chain,
 * in entry order), probed by each query in turn. No allocation per chunk.
 */
export function joinChunk(chunk: Chunk, other: Uint32Array | undefined, q: ChunkQueries, m: MatchBuilder): void {
  const n = chunk.count;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  if (tabFirst.length < cap) {
    tabFirst = new Int32Array(cap);
    tabKeys = new Uint32Array(2 * cap);
  }
  if (chain.length < n) chain = new Int32Array(n);
  const first = tabFirst;
  const keys = tabKeys;
  const next = chain;
  first.fill(0, 0, cap);
  const mask = cap - 1;
  const narrow = chunk.narrow;
  // A narrow chunk's stored halves: the top 16 bits of an entry's high word are its sub-bucket's.
  const out = narrow === undefined ? chunk.out : undefined;
  let sb = chunk.offsets.length - 2;
  let top = 0;
  for (let j = n - 1; j >= 0; j--) {
    let hi: number;
    let lo: number;
    if (narrow === undefined) {
      hi = (out as Uint32Array)[2 * j] as number;
      lo = (out as Uint32Array)[2 * j + 1] as number;
    } else {
      while (j < (chunk.offsets[sb] as number)) sb--;
      top = (((chunk.bucket << chunk.sub) | sb) << 16) >>> 0;
      hi = (top | (narrow.hi16[j] as number)) >>> 0;
      lo = narrow.lo[j] as number;
    }
    let slot = lo & mask;
    for (;;) {
      const f = first[slot] as number;
      if (f === 0) {
        first[slot] = j + 1;
        keys[2 * slot] = hi;
        keys[2 * slot + 1] = lo;
        next[j] = 0;
        break;
      }
      if (keys[2 * slot + 1] === lo && keys[2 * slot] === hi) {
        next[j] = f;
        first[slot] = j + 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const { hash, tag } = q;
  const misses = m.tracksMisses;
  for (let k = q.from; k < q.to; k++) {
    const hi = hash[2 * k] as number;
    const lo = hash[2 * k + 1] as number;
    let slot = lo & mask;
    for (;;) {
      const f = first[slot] as number;
      if (f === 0) {
        if (misses) m.miss(tag[k] as number, hi, lo);
        break;
      }
      if (keys[2 * slot + 1] === lo && keys[2 * slot] === hi) {
        for (let e = f; e !== 0; e = next[e - 1] as number) {
          const j = e - 1;
          // No input side (a keep pair): a kept row is its own input.
          if (other === undefined) m.pushTagged(tag[k] as number, hi, lo);
          else m.pushTagged(tag[k] as number, other[2 * j] as number, other[2 * j + 1] as number);
        }
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
}
