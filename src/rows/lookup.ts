import type { Store } from '../store.js';
import { bucketOf, type ChunkHeader, chunkKey, decodeBlob, type PairManifest } from './codec.js';
import { HashTable64 } from './hashset.js';

/** A decoded chunk: output hashes, and input hashes for edges (map, many). */
export interface Chunk {
  /** The hash partition this chunk holds. */
  bucket: number;
  count: number;
  sorted: boolean;
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
      const sorted = blob.header.sorted === true;
      const chunk: Chunk =
        blob.header.kind === 'edges'
          ? {
              bucket,
              count,
              sorted,
              out: blob.body.subarray(0, 2 * count),
              inp: blob.body.subarray(2 * count, 4 * count),
            }
          : { bucket, count, sorted, out: blob.body.subarray(0, 2 * count) };
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
 * rows derived from them. `queries` must hold distinct hashes. Backward (and keep in both
 * directions) reads only the chunks the queries fall in; forward over map/many reads every
 * chunk of the pair (chunks are partitioned by output hash).
 */
export async function lookupPair(
  store: Store,
  runId: string,
  pair: PairManifest,
  queries: Uint32Array,
  direction: 'backward' | 'forward',
  /** A table from each query hash to its index, when the caller has one already. */
  prebuilt?: HashTable64,
): Promise<Matches> {
  const q = queries.length >>> 1;
  const m = new MatchBuilder(q);
  if (pair.kind === 'pass') {
    for (let i = 0; i < q; i++) m.push(i, queries[2 * i] as number, queries[2 * i + 1] as number);
    return m.done();
  }
  const table = prebuilt ?? new HashTable64(q);
  const marks = new Uint8Array(pair.counts.length);
  for (let i = 0; i < q; i++) {
    if (prebuilt === undefined) table.add(queries[2 * i] as number, queries[2 * i + 1] as number, i);
    marks[bucketOf(queries[2 * i] as number, pair.bits)] = 1;
  }
  const all = pair.kind !== 'keep' && direction === 'forward';
  const wanted: number[] = [];
  for (let c = 0; c < marks.length; c++) if (all || marks[c] === 1) wanted.push(c);
  const chunks = await loadChunks(store, runId, pair, wanted);
  for (const chunk of chunks) {
    // Few queries in a sorted chunk: binary search instead of a scan.
    if (!all && chunk.sorted && q * 32 < chunk.count) {
      searchChunk(chunk, pair, queries, m);
      continue;
    }
    const probe = all ? (chunk.inp as Uint32Array) : chunk.out;
    const other = pair.kind === 'keep' ? chunk.out : all ? chunk.out : (chunk.inp as Uint32Array);
    const text = chunk.text?.();
    for (let j = 0; j < chunk.count; j++) {
      const at = table.get(probe[2 * j] as number, probe[2 * j + 1] as number);
      if (at < 0) continue;
      if (text === undefined) m.push(at, other[2 * j] as number, other[2 * j + 1] as number);
      else if (pair.kind === 'keep') m.push(at, other[2 * j] as number, other[2 * j + 1] as number, text[j], text[j]);
      else {
        const outKey = text[2 * j];
        const inKey = text[2 * j + 1];
        const [key, queryKey] = all ? [outKey, inKey] : [inKey, outKey];
        m.push(at, other[2 * j] as number, other[2 * j + 1] as number, key, queryKey);
      }
    }
  }
  return m.done();
}

/** First entry of a sorted chunk whose output hash's high half is >= hi. */
function lowerBound(out: Uint32Array, count: number, hi: number): number {
  let lo = 0;
  let up = count;
  while (lo < up) {
    const mid = (lo + up) >>> 1;
    if ((out[2 * mid] as number) < hi) lo = mid + 1;
    else up = mid;
  }
  return lo;
}

function searchChunk(chunk: Chunk, pair: PairManifest, queries: Uint32Array, m: MatchBuilder): void {
  const q = queries.length >>> 1;
  const text = chunk.text?.();
  const other = pair.kind === 'keep' ? chunk.out : (chunk.inp as Uint32Array);
  for (let i = 0; i < q; i++) {
    const hi = (queries[2 * i] as number) >>> 0;
    if (bucketOf(hi, pair.bits) !== chunk.bucket) continue;
    const lo = (queries[2 * i + 1] as number) >>> 0;
    for (let j = lowerBound(chunk.out, chunk.count, hi); j < chunk.count && chunk.out[2 * j] === hi; j++) {
      if (chunk.out[2 * j + 1] !== lo) continue;
      if (text === undefined) m.push(i, other[2 * j] as number, other[2 * j + 1] as number);
      else if (pair.kind === 'keep') m.push(i, other[2 * j] as number, other[2 * j + 1] as number, text[j], text[j]);
      else m.push(i, other[2 * j] as number, other[2 * j + 1] as number, text[2 * j + 1], text[2 * j]);
    }
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
