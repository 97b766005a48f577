import { PipetraceError } from '../errors.js';
import type { Store } from '../store.js';
import { bucketOf, type ChunkHeader, chunkKey, decodeBlob, type PairManifest } from './codec.js';
import { HashTable64 } from './hashset.js';

/** A decoded chunk: output hashes, and input hashes for edges (map, many). */
export interface Chunk {
  /** The hash partition this chunk holds. */
  bucket: number;
  count: number;
  /** Sub-bucket bits, and the 2^sub + 1 offsets of the sub-buckets' entries. */
  sub: number;
  offsets: Uint32Array;
  out: Uint32Array;
  inp?: Uint32Array;
  text?: () => unknown[];
}

// Chunk keys are never reused with other content (pair ids only grow), so decoded chunks can
// be cached per store for warm queries. Bounded by bytes.
const CACHE_BYTES = 256 * 1024 * 1024;
interface Cache {
  map: Map<string, Chunk>;
  bytes: number;
}
const caches = new WeakMap<Store, Cache>();

function cacheOf(store: Store): Cache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = { map: new Map(), bytes: 0 };
    caches.set(store, cache);
  }
  return cache;
}

const chunkBytes = (c: Chunk): number => c.out.byteLength + (c.inp?.byteLength ?? 0);

/** Loads chunks of a pair (one getBlobs for all that are not cached). */
export async function loadChunks(
  store: Store,
  runId: string,
  pair: PairManifest,
  indexes: readonly number[],
): Promise<Chunk[]> {
  const cache = cacheOf(store);
  const out: (Chunk | undefined)[] = [];
  const missing: string[] = [];
  const missingAt: number[] = [];
  const missingBucket: number[] = [];
  for (const c of indexes) {
    if ((pair.counts[c] ?? 0) === 0) continue;
    const key = chunkKey(runId, pair.id, c);
    const hit = cache.map.get(key);
    if (hit !== undefined) {
      cache.map.delete(key);
      cache.map.set(key, hit);
      out.push(hit);
    } else {
      missingAt.push(out.length);
      missingBucket.push(c);
      out.push(undefined);
      missing.push(key);
    }
  }
  if (missing.length > 0) {
    const datas = await store.getBlobs(missing);
    for (let i = 0; i < missing.length; i++) {
      const key = missing[i] as string;
      const data = datas[i];
      if (data === undefined) continue;
      const blob = decodeBlob<ChunkHeader>(data, key);
      const count = blob.header.count;
      const bucket = missingBucket[i] as number;
      const sub = blob.header.sub;
      const base = (1 << sub) + 1;
      if (!(sub >= 0 && sub <= 16) || blob.body.length !== base + count * (blob.header.kind === 'edges' ? 4 : 2)) {
        throw new PipetraceError('storage', `row lineage blob ${key} is corrupt`, { details: { key } });
      }
      const offsets = blob.body.subarray(0, base);
      const chunk: Chunk =
        blob.header.kind === 'edges'
          ? {
              bucket,
              count,
              sub,
              offsets,
              out: blob.body.subarray(base, base + 2 * count),
              inp: blob.body.subarray(base + 2 * count, base + 4 * count),
            }
          : { bucket, count, sub, offsets, out: blob.body.subarray(base, base + 2 * count) };
      if (blob.text !== undefined) chunk.text = blob.text;
      out[missingAt[i] as number] = chunk;
      cache.map.set(key, chunk);
      cache.bytes += chunkBytes(chunk);
    }
    for (const [key, chunk] of cache.map) {
      if (cache.bytes <= CACHE_BYTES) break;
      cache.map.delete(key);
      cache.bytes -= chunkBytes(chunk);
    }
  }
  return out.filter((c): c is Chunk => c !== undefined);
}

/** Matches of a lookup: for each match, the query it answers and the hash on the other side. */
export interface Matches {
  count: number;
  query: Int32Array;
  hash: Uint32Array;
  /** Original key of the matched row where the pair kept keys. */
  key: (unknown | undefined)[] | undefined;
  /** Original key of the query row where the pair kept keys. */
  queryKey: (unknown | undefined)[] | undefined;
}

class MatchBuilder {
  count = 0;
  query: Int32Array;
  hash: Uint32Array;
  constructor(expected: number) {
    const n = Math.max(16, expected);
    this.query = new Int32Array(n);
    this.hash = new Uint32Array(2 * n);
  }
  key: (unknown | undefined)[] | undefined;
  queryKey: (unknown | undefined)[] | undefined;

  push(q: number, hi: number, lo: number, key?: unknown, queryKey?: unknown): void {
    if (this.count === this.query.length) {
      const q2 = new Int32Array(this.count * 2);
      q2.set(this.query);
      this.query = q2;
      const h2 = new Uint32Array(this.count * 4);
      h2.set(this.hash);
      this.hash = h2;
    }
    if (key !== undefined || queryKey !== undefined) {
      this.key ??= [];
      this.queryKey ??= [];
      this.key[this.count] = key;
      this.queryKey[this.count] = queryKey;
    }
    this.query[this.count] = q;
    this.hash[2 * this.count] = hi;
    this.hash[2 * this.count + 1] = lo;
    this.count++;
  }

  done(): Matches {
    return {
      count: this.count,
      query: this.query.subarray(0, this.count),
      hash: this.hash.subarray(0, 2 * this.count),
      key: this.key,
      queryKey: this.queryKey,
    };
  }
}

/**
 * Follows one pair for many row hashes at once. `backward`: queries are output rows, matches
 * are the input rows they came from. `forward`: queries are input rows, matches are the output
 * rows derived from them. Backward (and keep in both
 * directions) reads only the chunks the queries fall in; forward over map/many reads every
 * chunk of the pair (chunks are partitioned by output hash). Queries may repeat a hash: each
 * copy gets its matches.
 */
export async function lookupPair(
  store: Store,
  runId: string,
  pair: PairManifest,
  queries: Uint32Array,
  direction: 'backward' | 'forward',
): Promise<Matches> {
  const q = queries.length >>> 1;
  const m = new MatchBuilder(q);
  if (pair.kind === 'pass') {
    for (let i = 0; i < q; i++) m.push(i, queries[2 * i] as number, queries[2 * i + 1] as number);
    return m.done();
  }
  const all = pair.kind !== 'keep' && direction === 'forward';
  if (all) {
    // Forward over map/many: input hashes are not partitioned, so every chunk is scanned.
    const table = new HashTable64(q);
    const next = new Int32Array(q);
    for (let i = 0; i < q; i++) link(table, next, queries[2 * i] as number, queries[2 * i + 1] as number, i);
    const chunks = await loadChunks(
      store,
      runId,
      pair,
      pair.counts.map((_, c) => c),
    );
    for (const chunk of chunks)
      scanChunk(chunk, pair, chunk.inp as Uint32Array, chunk.out, table, next, undefined, m, true);
    return m.done();
  }
  // Group queries by chunk (counting sort), then join each chunk with its own small table,
  // which stays in cache, or scan one sub-bucket per query when there are few.
  const chunksN = pair.counts.length;
  const start = new Int32Array(chunksN + 1);
  for (let i = 0; i < q; i++) (start[bucketOf(queries[2 * i] as number, pair.bits) + 1] as number)++;
  for (let c = 0; c < chunksN; c++) start[c + 1] = (start[c + 1] as number) + (start[c] as number);
  const order = new Int32Array(q);
  const fill = start.slice(0, chunksN);
  for (let i = 0; i < q; i++) {
    const c = bucketOf(queries[2 * i] as number, pair.bits);
    order[fill[c] as number] = i;
    fill[c] = (fill[c] as number) + 1;
  }
  const wanted: number[] = [];
  for (let c = 0; c < chunksN; c++) if ((start[c + 1] as number) > (start[c] as number)) wanted.push(c);
  const chunks = await loadChunks(store, runId, pair, wanted);
  for (const chunk of chunks) {
    const from = start[chunk.bucket] as number;
    const to = start[chunk.bucket + 1] as number;
    const other = pair.kind === 'keep' ? chunk.out : (chunk.inp as Uint32Array);
    if ((to - from) * 8 < chunk.count) {
      for (let k = from; k < to; k++) searchChunk(chunk, pair, other, queries, order[k] as number, m);
      continue;
    }
    const table = new HashTable64(to - from);
    const next = new Int32Array(to - from);
    for (let k = from; k < to; k++) {
      const i = order[k] as number;
      link(table, next, queries[2 * i] as number, queries[2 * i + 1] as number, k - from);
    }
    scanChunk(chunk, pair, chunk.out, other, table, next, order.subarray(from, to), m, false);
  }
  return m.done();
}

/** Adds query `at` under its hash; equal hashes chain through `next` (index + 1, 0 ends). */
function link(table: HashTable64, next: Int32Array, hi: number, lo: number, at: number): void {
  const first = table.add(hi, lo, at);
  if (first !== at) {
    next[at] = next[first] as number;
    next[first] = at + 1;
  }
}

function scanChunk(
  chunk: Chunk,
  pair: PairManifest,
  probe: Uint32Array,
  other: Uint32Array,
  table: HashTable64,
  next: Int32Array,
  order: Int32Array | undefined,
  m: MatchBuilder,
  forward: boolean,
): void {
  const text = chunk.text?.();
  for (let j = 0; j < chunk.count; j++) {
    let at = table.get(probe[2 * j] as number, probe[2 * j + 1] as number);
    while (at >= 0) {
      const query = order === undefined ? at : (order[at] as number);
      emit(m, query, pair, other, j, text, forward);
      at = (next[at] as number) - 1;
    }
  }
}

function emit(
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

/** Scans the one sub-bucket a query's hash falls in. */
function searchChunk(
  chunk: Chunk,
  pair: PairManifest,
  other: Uint32Array,
  queries: Uint32Array,
  i: number,
  m: MatchBuilder,
): void {
  const hi = (queries[2 * i] as number) >>> 0;
  const lo = (queries[2 * i + 1] as number) >>> 0;
  const sb = (hi >>> (32 - pair.bits - chunk.sub)) & ((1 << chunk.sub) - 1);
  const text = chunk.text?.();
  const out = chunk.out;
  for (let j = chunk.offsets[sb] as number, end = chunk.offsets[sb + 1] as number; j < end; j++) {
    if (out[2 * j] === hi && out[2 * j + 1] === lo) emit(m, i, pair, other, j, text, false);
  }
}

/** Every row hash a pair stores on its output side (distinct for map and keep). */
export async function outputRows(store: Store, runId: string, pair: PairManifest): Promise<Uint32Array> {
  const chunks = await loadChunks(
    store,
    runId,
    pair,
    pair.counts.map((_, c) => c),
  );
  let total = 0;
  for (const c of chunks) total += c.count;
  const out = new Uint32Array(total * 2);
  let at = 0;
  for (const c of chunks) {
    out.set(c.out, at);
    at += c.out.length;
  }
  return out;
}
