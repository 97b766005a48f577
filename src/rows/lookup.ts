import type { Store } from '../store.js';
import { cachedChunk, lastReadManifest, loadChunks, manifestFrom, outgrowsCache } from './chunk-cache.js';
import { chunksInOrder } from './chunks-in-order.js';
import type { Chunk } from './format/chunk.js';
import { bucketOf, type PairManifest, type RunRowsManifest, rowPairsOf } from './format/codec.js';
import { groupByWindow, groupWindow } from './group.js';
import { HashTable64 } from './hashset.js';
import { probeInputs } from './input-order.js';
import { type ChunkQueries, emit, joinChunk, MatchBuilder, type Matches } from './join.js';
import type { BufferPool } from './pool.js';

export { loadChunks, type Matches };

/** How a lookup reports its matches. */
export interface LookupOptions {
  /** Report tags[query] instead of the query's index (e.g. the population row a query stands for). */
  tags?: Int32Array;
  /** Also report the queries that matched nothing (backward and keep lookups). */
  misses?: boolean;
  /** Take large arrays from this pool (the matches' arrays too: release them when spent). */
  pool?: BufferPool;
  /**
   * The caller no longer reads the query arrays (the parts and `tags`) once the lookup is
   * given them: a bulk lookup hands those from `pool` back to it as soon as it has grouped
   * them, so the matches can reuse them (a review's walk then needs no fresh arrays per stage).
   */
  consume?: boolean;
}

/**
 * Follows one pair for many row hashes at once. `backward`: queries are output rows, matches
 * are the input rows they came from. `forward`: queries are input rows, matches are the output
 * rows derived from them. Backward (and keep in both directions) reads only the chunks the
 * queries fall in; forward over map/many reads every chunk of the pair (chunks are
 * partitioned by output hash). Queries may repeat a hash: each copy gets its matches.
 */
export async function lookupPair(
  store: Store,
  runId: string,
  pair: PairManifest,
  given: Uint32Array | readonly Uint32Array[],
  direction: 'backward' | 'forward',
  options: LookupOptions = {},
): Promise<Matches> {
  const parts = given instanceof Uint32Array ? [given] : given;
  const pool = options.pool;
  // With `consume`, the query arrays go back to the pool once, when no longer read.
  let spent = options.consume !== true || pool === undefined;
  const spend = (): void => {
    if (spent) return;
    spent = true;
    for (const p of parts) pool?.release(p);
    pool?.release(options.tags);
  };
  try {
    return await lookupParts(store, runId, pair, parts, direction, options, spend);
  } finally {
    spend();
  }
}

async function lookupParts(
  store: Store,
  runId: string,
  pair: PairManifest,
  parts: readonly Uint32Array[],
  direction: 'backward' | 'forward',
  options: LookupOptions,
  spend: () => void,
): Promise<Matches> {
  let q = 0;
  for (const p of parts) q += p.length >>> 1;
  // Only a bulk backward join reads the parts as they are; other paths take one array.
  const bulk = q > FEW && pair.kind !== 'pass' && (pair.kind === 'keep' || direction === 'backward');
  const queries = bulk || parts.length === 1 ? (parts[0] ?? new Uint32Array(0)) : concatParts(parts, q);
  const pool = options.pool;
  const m = new MatchBuilder(q, options.tags, options.misses === true, pool);
  if (pair.kind === 'pass') {
    for (let i = 0; i < q; i++) m.push(m.tagOf(i), queries[2 * i] as number, queries[2 * i + 1] as number);
    return m.done();
  }
  const all = pair.kind !== 'keep' && direction === 'forward';
  if (all) {
    // Few queries (a label's rows, one row's impact): probe an input order of the whole pair
    // (built once, kept with the cached chunks) instead of reading every entry.
    const total = pair.counts.reduce((n, count) => n + count, 0);
    // Not for a pair bigger than the chunk cache (where the store can lend its reads): its input
    // order would be built from every chunk, and dropped with them before it is used again.
    const lends = store.readBlobs !== undefined && outgrowsCache(pair);
    const few = total > 0 && q * Math.log2(total + 1) < total * SCAN_COST;
    if (few && !lends) {
      probeInputs(await loadChunks(store, runId, pair, allChunks(pair)), pair, queries, q, m);
      return m.done();
    }
    // Forward over map/many: input hashes are not partitioned, so every chunk is scanned,
    // a window of chunks at a time. Few queries: their matches in query order afterwards, as
    // the probe gives them, so the answer does not depend on the store or the cache.
    const found = few ? new MatchBuilder(q) : m;
    const table = new HashTable64(q);
    const next = new Int32Array(q);
    for (let i = 0; i < q; i++) link(table, next, queries[2 * i] as number, queries[2 * i + 1] as number, i);
    for await (const chunk of chunksInOrder(store, runId, pair, windows(pair, allChunks(pair))))
      if (chunk !== undefined) scanChunk(chunk, pair, table, next, found);
    if (few) inQueryOrder(found.done(), q, m);
    return m.done();
  }
  if (q <= FEW) {
    // A trace: look each query up in its sub-bucket, no grouping arrays.
    const wanted: number[] = [];
    for (let i = 0; i < q; i++) {
      const c = bucketOf(queries[2 * i] as number, pair.bits);
      if (!wanted.includes(c)) wanted.push(c);
    }
    const chunks = await loadChunks(store, runId, pair, wanted);
    for (let i = 0; i < q; i++) {
      const c = bucketOf(queries[2 * i] as number, pair.bits);
      const chunk = chunks.find((k) => k.bucket === c);
      const hi = queries[2 * i] as number;
      const lo = queries[2 * i + 1] as number;
      if (chunk === undefined || !searchChunk(chunk, pair, chunk.inp, hi, lo, m.tagOf(i), m))
        m.miss(m.tagOf(i), hi, lo);
    }
    return m.done();
  }
  // Group queries by chunk (two counting sorts: by window, then within a window by chunk),
  // then join each chunk's queries with its entries a sub-bucket at a time (joinChunk), or,
  // where the pair kept keys to report, search one sub-bucket per query.
  const g = groupByWindow(pair, parts, options.tags, (wanted) => windows(pair, wanted), pool);
  // The queries are all in g now (with their tags): the matches may take their buffers.
  spend();
  const q3 = pool?.u32(3 * g.largest) ?? new Uint32Array(3 * g.largest);
  const grouped: ChunkQueries = { q3, from: 0, to: 0, bits: pair.bits };
  const chunks = chunksInOrder(store, runId, pair, g.windows);
  try {
    for (const [w, window] of g.windows.entries()) {
      const start = groupWindow(g, w, q3, pair.bits);
      const c0 = window[0] as number;
      for (const c of window) {
        const { value: chunk } = await chunks.next();
        grouped.from = start[c - c0] as number;
        grouped.to = start[c - c0 + 1] as number;
        joinQueries(chunk);
      }
    }
  } finally {
    await chunks.return(undefined);
  }
  pool?.release(q3);
  pool?.release(g.byWindow);
  return m.done();

  function joinQueries(chunk: Chunk | undefined): void {
    if (chunk === undefined) {
      for (let k = grouped.from; k < grouped.to; k++)
        m.miss(q3[3 * k + 2] as number, q3[3 * k] as number, q3[3 * k + 1] as number);
    } else if (chunk.text !== undefined) {
      // Kept keys to report: one query at a time, with its keys.
      for (let k = grouped.from; k < grouped.to; k++) {
        const hi = q3[3 * k] as number;
        const lo = q3[3 * k + 1] as number;
        const tag = q3[3 * k + 2] as number;
        if (!searchChunk(chunk, pair, chunk.inp, hi, lo, tag, m)) m.miss(tag, hi, lo);
      }
    } else joinChunk(chunk, pair.kind === 'keep' ? undefined : chunk.inp, grouped, m);
  }
}

/**
 * Entries of chunks loaded at once by a bulk lookup: chunks are read and dropped a window at a
 * time, so a lookup over a whole 20M-row pair holds about a million entries' chunks, not all.
 */
let windowEntries = 1 << 20;

/** Sets the entries a bulk lookup loads at once (tests make it tiny); returns the old value. */
export function setLookupWindow(entries: number): number {
  const old = windowEntries;
  windowEntries = entries;
  return old;
}

const allChunks = (pair: PairManifest): number[] => pair.counts.map((_, c) => c);

/** Chunk indexes in windows of about windowEntries entries, in the order given. */
export function windows(pair: PairManifest, indexes: readonly number[]): number[][] {
  const out: number[][] = [];
  let window: number[] = [];
  let entries = 0;
  for (const c of indexes) {
    const count = pair.counts[c] ?? 0;
    if (window.length > 0 && entries + count > windowEntries) {
      out.push(window);
      window = [];
      entries = 0;
    }
    window.push(c);
    entries += count;
  }
  if (window.length > 0) out.push(window);
  return out;
}

function concatParts(parts: readonly Uint32Array[], q: number): Uint32Array {
  const out = new Uint32Array(2 * q);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Up to this many queries are looked up one by one. */
const FEW = 8;
/** Reading an entry in a scan (a hash probe) costs about this many binary search steps. */
const SCAN_COST = 4;

/**
 * Reads into the chunk cache the chunks a trace step's few rows fall in, once the run's
 * manifest bytes arrive: started before the step looks up its upstream runs, so the chunk
 * files are read meanwhile, not after (a cold step is file-system calls in turn). Never
 * rejects: the lookup that follows reports what went wrong.
 */
export function prefetchStep(
  store: Store,
  runId: string,
  pointer: string,
  hashes: readonly number[],
  manifestRead: Promise<(Uint8Array | undefined)[]>,
): Promise<unknown> | undefined {
  if (hashes.length >>> 1 > FEW) return undefined;
  // Warm (its chunks cached as of the manifest last read): nothing to read ahead, no promise.
  if (cachedAsOf(store, lastReadManifest(store, runId), pointer, hashes)) return undefined;
  return manifestRead
    .then((data) => {
      const pairs = rowPairsOf(manifestFrom(store, runId, data[0]), pointer);
      return Promise.all(
        pairs.map((pair) => {
          const wanted: number[] = [];
          for (let i = 0; i < hashes.length; i += 2) {
            const c = bucketOf(hashes[i] as number, pair.bits);
            if (!wanted.includes(c)) wanted.push(c);
          }
          return loadChunks(store, runId, pair, wanted);
        }),
      );
    })
    .catch(() => undefined);
}

/** Whether the chunks of `hashes` in the manifest's pairs for `pointer` are all cached. */
function cachedAsOf(
  store: Store,
  manifest: RunRowsManifest | undefined,
  pointer: string,
  hashes: readonly number[],
): boolean {
  if (manifest === undefined) return false;
  for (const pair of manifest.pairs) {
    if (pair.output !== pointer || pair.kind === 'pass') continue;
    for (let i = 0; i < hashes.length; i += 2)
      if (cachedChunk(store, pair, bucketOf(hashes[i] as number, pair.bits)) === undefined) return false;
  }
  return true;
}

/** A match of query `q`: the row on the other side, with keys where the pair kept them. */
export type Visit = (q: number, hi: number, lo: number, key: unknown, queryKey: unknown) => void;

/**
 * Backward lookups of a few row hashes (a warm trace step) answered from cached chunks alone:
 * no promise, no arrays of matches. Returns false, having visited nothing, when a chunk must be
 * read first (use lookupPair).
 */
export function visitCached(store: Store, pair: PairManifest, hashes: readonly number[], visit: Visit): boolean {
  const q = hashes.length >>> 1;
  if (q > FEW || pair.kind === 'pass') return false;
  const chunks: (Chunk | null)[] = [];
  for (let i = 0; i < q; i++) {
    const chunk = cachedChunk(store, pair, bucketOf(hashes[2 * i] as number, pair.bits));
    if (chunk === undefined) return false;
    chunks.push(chunk);
  }
  const keep = pair.kind === 'keep';
  for (let i = 0; i < q; i++) {
    const chunk = chunks[i] as Chunk | null;
    if (chunk === null) continue;
    const hi = (hashes[2 * i] as number) >>> 0;
    const lo = (hashes[2 * i + 1] as number) >>> 0;
    const sb = (hi >>> (32 - pair.bits - chunk.sub)) & ((1 << chunk.sub) - 1);
    const text = chunk.text?.();
    const inp = chunk.inp as Uint32Array;
    for (let j = chunk.offsets[sb] as number, end = chunk.offsets[sb + 1] as number; j < end; j++) {
      if (!outputIs(chunk, j, hi, lo)) continue;
      // A kept row is its own input.
      if (keep) visit(i, hi, lo, text?.[j], text?.[j]);
      else visit(i, inp[2 * j] as number, inp[2 * j + 1] as number, text?.[2 * j + 1], text?.[2 * j]);
    }
  }
  return true;
}

/** Whether entry j of a chunk has output hash (hi, lo); a narrow chunk is read as stored (its top 16 bits are the sub-bucket's). */
export function outputIs(chunk: Chunk, j: number, hi: number, lo: number): boolean {
  const narrow = chunk.narrow;
  if (narrow !== undefined) return narrow.lo[j] === lo && narrow.hi16[j] === (hi & 0xffff);
  const out = chunk.out;
  return out[2 * j + 1] === lo && out[2 * j] === hi;
}

/** Adds query `at` under its hash; equal hashes chain through `next` (index + 1, 0 ends). */
function link(table: HashTable64, next: Int32Array, hi: number, lo: number, at: number): void {
  const first = table.add(hi, lo, at);
  if (first !== at) {
    next[at] = next[first] as number;
    next[first] = at + 1;
  }
}

/** Matches found by query index, pushed to `m` by query (stably: each query's in the order found). */
function inQueryOrder(found: Matches, q: number, m: MatchBuilder): void {
  const start = new Int32Array(q + 1);
  for (let k = 0; k < found.count; k++) (start[(found.query[k] as number) + 1] as number)++;
  for (let i = 0; i < q; i++) start[i + 1] = (start[i + 1] as number) + (start[i] as number);
  const order = new Int32Array(found.count);
  for (let k = 0; k < found.count; k++) {
    const i = found.query[k] as number;
    order[start[i] as number] = k;
    start[i] = (start[i] as number) + 1;
  }
  for (const k of order) {
    const i = found.query[k] as number;
    m.push(
      m.tagOf(i),
      found.hash[2 * k] as number,
      found.hash[2 * k + 1] as number,
      found.key?.[k],
      found.queryKey?.[k],
    );
  }
}

/** Emits every entry of a chunk whose input hash is a query's (forward over map/many). */
function scanChunk(chunk: Chunk, pair: PairManifest, table: HashTable64, next: Int32Array, m: MatchBuilder): void {
  const probe = chunk.inp as Uint32Array;
  const text = chunk.text?.();
  // A narrow chunk's output hashes are built only when one of its entries matches: a few
  // queries match in few chunks.
  let other: Uint32Array | undefined;
  for (let j = 0; j < chunk.count; j++) {
    let at = table.get(probe[2 * j] as number, probe[2 * j + 1] as number);
    while (at >= 0) {
      other ??= chunk.out;
      emit(m, m.tagOf(at), pair, other, j, text, true);
      at = (next[at] as number) - 1;
    }
  }
}

/** Scans the one sub-bucket a query's hash falls in. */
function searchChunk(
  chunk: Chunk,
  pair: PairManifest,
  other: Uint32Array | undefined,
  qhi: number,
  qlo: number,
  tag: number,
  m: MatchBuilder,
): boolean {
  const hi = qhi >>> 0;
  const lo = qlo >>> 0;
  const sb = (hi >>> (32 - pair.bits - chunk.sub)) & ((1 << chunk.sub) - 1);
  const text = chunk.text?.();
  const keep = pair.kind === 'keep';
  let found = false;
  for (let j = chunk.offsets[sb] as number, end = chunk.offsets[sb + 1] as number; j < end; j++) {
    if (!outputIs(chunk, j, hi, lo)) continue;
    // A kept row is its own input.
    if (keep) m.push(tag, hi, lo, text?.[j], text?.[j]);
    else emit(m, tag, pair, other as Uint32Array, j, text, false);
    found = true;
  }
  return found;
}
