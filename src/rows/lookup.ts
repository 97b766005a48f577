import type { Store } from '../store.js';
import { bucketOf, type ChunkHeader, chunkKey, decodeBlob, type PairManifest } from './codec.js';
import { HashTable64 } from './hashset.js';

/** A decoded chunk: output hashes, and input hashes for edges (map, many). */
export interface Chunk {
  count: number;
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
      const chunk: Chunk =
        blob.header.kind === 'edges'
          ? { count, out: blob.body.subarray(0, 2 * count), inp: blob.body.subarray(2 * count, 4 * count) }
          : { count, out: blob.body.subarray(0, 2 * count) };
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
  query = new Int32Array(64);
  hash = new Uint32Array(128);
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
): Promise<Matches> {
  const m = new MatchBuilder();
  const q = queries.length >>> 1;
  if (pair.kind === 'pass') {
    for (let i = 0; i < q; i++) m.push(i, queries[2 * i] as number, queries[2 * i + 1] as number);
    return m.done();
  }
  const table = new HashTable64(q);
  const buckets = new Set<number>();
  for (let i = 0; i < q; i++) {
    table.add(queries[2 * i] as number, queries[2 * i + 1] as number, i);
    buckets.add(bucketOf(queries[2 * i] as number, pair.bits));
  }
  const all = pair.kind !== 'keep' && direction === 'forward';
  const wanted = all ? pair.counts.map((_, c) => c) : [...buckets].sort((x, y) => x - y);
  const chunks = await loadChunks(store, runId, pair, wanted);
  for (const chunk of chunks) {
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
