import { PipetraceError } from '../errors.js';
import type { Store } from '../store.js';
import { type Chunk, decodeChunk } from './format/chunk.js';
import { decodeManifest, manifestKey, type PairManifest, pairChunkKey, type RunRowsManifest } from './format/codec.js';

/*
 * Decoded chunks per store, least recently used first out, bounded by bytes. Chunk keys are
 * written once (pair ids only grow within a run's manifest), so a cached chunk stays right;
 * the one way a key is written twice is two writers racing on one run, and then the pair's
 * content digest (PairManifest.w, read fresh with the manifest on every query) differs, so
 * the cache is keyed by the digest too. A hit must also agree with the manifest's count.
 */
let limitBytes = 256 * 1024 * 1024;

interface Entry {
  id: string;
  chunk: Chunk;
  bytes: number;
  cache: Cache;
  /** False once evicted. */
  live: boolean;
  /** The pair's slots that point at it (byPair): cleared on eviction, or they would keep the chunk. */
  slots?: (Entry | undefined)[];
}
interface Cache {
  map: Map<string, Entry>;
  bytes: number;
}
const caches = new WeakMap<Store, Cache>();
// A warm trace finds its chunk through the (cached) manifest's pair object, without building
// the chunk's key string.
const byPair = new WeakMap<PairManifest, (Entry | undefined)[]>();

function cacheOf(store: Store): Cache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = { map: new Map(), bytes: 0 };
    caches.set(store, cache);
  }
  return cache;
}

/** Sets the bound of every store's chunk cache (bytes of decoded chunks); returns the old one. */
export function setChunkCacheLimit(bytes: number): number {
  const old = limitBytes;
  limitBytes = bytes;
  return old;
}

/**
 * Whether a pair's chunks would fill more than a quarter of the chunk cache (at 16 bytes an
 * entry, about what they take decoded): a read of all of them would push out what the cache
 * holds, only to be pushed out in turn before it is read again.
 */
export function outgrowsCache(pair: PairManifest): boolean {
  return pair.rows * 16 > limitBytes / 4;
}

/** What a cache entry's id adds to its chunk key: the pair's content digest (see above). */
const digestTag = (pair: PairManifest): string => `\u0000${pair.w ?? ''}`;

/** Decoded chunks cached for a store, and their bytes. */
export function chunkCacheStats(store: Store): { entries: number; bytes: number } {
  const cache = caches.get(store);
  return { entries: cache?.map.size ?? 0, bytes: cache?.bytes ?? 0 };
}

function evict(cache: Cache): void {
  for (const [key, entry] of cache.map) {
    if (cache.bytes <= limitBytes) break;
    cache.map.delete(key);
    cache.bytes -= entry.bytes;
    entry.live = false;
    const slots = entry.slots;
    if (slots !== undefined && slots[entry.chunk.bucket] === entry) slots[entry.chunk.bucket] = undefined;
  }
}

/**
 * Chunk `c` of a pair when a query already loaded it through this (cached) manifest, without
 * a promise: null for an empty chunk, undefined when it must be loaded. Given the run, also a
 * chunk loaded through another copy of the manifest (by its key).
 */
export function cachedChunk(store: Store, pair: PairManifest, c: number, runId?: string): Chunk | null | undefined {
  const count = pair.counts[c] ?? 0;
  if (count === 0) return null;
  const cache = caches.get(store);
  if (cache === undefined) return undefined;
  const fast = byPair.get(pair)?.[c];
  const id = runId === undefined ? undefined : pairChunkKey(runId, pair, c) + digestTag(pair);
  const hit = fast?.live && fast.cache === cache ? fast : id === undefined ? undefined : cache.map.get(id);
  if (hit === undefined || hit.chunk.count !== count) return undefined;
  cache.map.delete(hit.id);
  cache.map.set(hit.id, hit);
  return hit.chunk;
}

/**
 * Loads chunks of a pair by index, in the order asked, skipping empty ones (one getBlobs for all
 * misses). A chunk the manifest counts but the store lacks is an error, never fewer rows: a
 * `conflict` when the run's lineage was rewritten since the manifest was read (a rewrite drops
 * the chunks it replaced; ask again), else `storage` (the store lost it).
 */
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
  const tag = digestTag(pair);
  let slots = byPair.get(pair);
  for (const c of indexes) {
    const count = pair.counts[c] ?? 0;
    if (count === 0) continue;
    const fast = slots?.[c];
    if (fast?.live && fast.cache === cache && fast.chunk.count === count) {
      cache.map.delete(fast.id);
      cache.map.set(fast.id, fast);
      out.push(fast.chunk);
      continue;
    }
    const key = pairChunkKey(runId, pair, c);
    const id = key + tag;
    const hit = cache.map.get(id);
    cache.map.delete(id);
    if (hit !== undefined && hit.chunk.count === count) {
      cache.map.set(id, hit);
      out.push(hit.chunk);
      if (slots === undefined) {
        slots = [];
        byPair.set(pair, slots);
      }
      slots[c] = hit;
      hit.slots = slots;
      continue;
    }
    if (hit !== undefined) {
      cache.bytes -= hit.bytes;
      hit.live = false;
    }
    missingAt.push(out.length);
    missingBucket.push(c);
    out.push(undefined);
    missing.push(key);
  }
  if (missing.length > 0) {
    const datas = await store.getBlobs(missing);
    for (let i = 0; i < missing.length; i++) {
      const key = missing[i] as string;
      const data = datas[i];
      if (data === undefined) throw await missingChunk(store, runId, pair, key);
      const chunk = decodeChunk(data, key, pair, missingBucket[i] as number);
      out[missingAt[i] as number] = chunk;
      // A narrow chunk's full output pairs, built when a reader asks, are counted from the start.
      const bytes = data.byteLength + (chunk.narrow === undefined ? 0 : 8 * chunk.count);
      const id = key + tag;
      const old = cache.map.get(id);
      if (old !== undefined) {
        cache.bytes -= old.bytes;
        old.live = false;
      }
      const entry: Entry = { id, chunk, bytes, cache, live: true };
      cache.map.set(id, entry);
      cache.bytes += bytes;
      if (slots === undefined) {
        slots = [];
        byPair.set(pair, slots);
      }
      slots[chunk.bucket] = entry;
      entry.slots = slots;
    }
    evict(cache);
  }
  return out.filter((c): c is Chunk => c !== undefined);
}

/** The error for a chunk `pair` counts that the store lacks: was the pair replaced meanwhile? */
export async function missingChunk(
  store: Store,
  runId: string,
  pair: PairManifest,
  key: string,
): Promise<PipetraceError> {
  const [data] = await store.getBlobs([manifestKey(runId)]);
  const now = data === undefined ? undefined : decodeManifest(data, runId);
  const still = now?.pairs.some((p) => p.id === pair.id && p.w === pair.w);
  return still
    ? new PipetraceError('storage', `row lineage chunk ${key} of run ${JSON.stringify(runId)} is missing`, {
        details: { key },
      })
    : new PipetraceError(
        'conflict',
        `the row lineage of run ${JSON.stringify(runId)} was rewritten while it was read; ask again`,
        { details: { key } },
      );
}

// Decoded manifests per store, reused while the stored bytes are unchanged (checked on every read).
const MANIFEST_CACHE = 4096;
const manifestCaches = new WeakMap<Store, Map<string, { data: Uint8Array; manifest: RunRowsManifest }>>();

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  // Four bytes at a time where both are aligned (fresh copies are): every warm trace step checks.
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (; i < words; i++) if (wa[i] !== wb[i]) return false;
    i = words << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The manifest of a run's row lineage, or undefined when it has none. Treat it as read-only. */
export async function readRowManifest(store: Store, runId: string): Promise<RunRowsManifest | undefined> {
  const [data] = await store.getBlobs([manifestKey(runId)]);
  return manifestFrom(store, runId, data);
}

/** The manifest of a run as last read, unchecked against the store (a guess: read it to be sure). */
export function lastReadManifest(store: Store, runId: string): RunRowsManifest | undefined {
  return manifestCaches.get(store)?.get(runId)?.manifest;
}

/** readRowManifest() for bytes already read: the cached decoded manifest while they are unchanged. */
export function manifestFrom(store: Store, runId: string, data: Uint8Array | undefined): RunRowsManifest | undefined {
  if (data === undefined) return undefined;
  let cache = manifestCaches.get(store);
  if (cache === undefined) {
    cache = new Map();
    manifestCaches.set(store, cache);
  }
  const hit = cache.get(runId);
  if (hit !== undefined && sameBytes(hit.data, data)) return hit.manifest;
  const manifest = decodeManifest(data, runId) as RunRowsManifest;
  if (cache.size >= MANIFEST_CACHE) cache.clear();
  cache.set(runId, { data, manifest });
  return manifest;
}
