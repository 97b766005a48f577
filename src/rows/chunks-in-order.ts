import type { Store } from '../store.js';
import { cachedChunk, loadChunks, missingChunk, outgrowsCache } from './chunk-cache.js';
import { type Chunk, decodeChunk } from './format/chunk.js';
import { type PairManifest, pairChunkKey } from './format/codec.js';

/**
 * Chunks of a pair, window after window, in the order given (undefined for an empty chunk), for
 * a lookup that reads each once: each is valid until the next is asked for. Cached chunks come
 * as they are. Over a store with `readBlobs` and a pair too big for the chunk cache, the others
 * are decoded in place in memory the store reuses and never cached (see outgrowsCache): a bulk
 * lookup over a 20M-row pair reads a gigabyte, and a new buffer per chunk cost more in page
 * faults and garbage collection than the join itself. Otherwise they go through the cache, a
 * window at a time, the next window read while this one is used.
 */
export async function* chunksInOrder(
  store: Store,
  runId: string,
  pair: PairManifest,
  windows: readonly (readonly number[])[],
): AsyncGenerator<Chunk | undefined> {
  if (store.readBlobs !== undefined && outgrowsCache(pair)) {
    yield* lent(store, runId, pair, windows.flat());
    return;
  }
  const read = (w: number) => {
    const window = windows[w];
    if (window === undefined) return undefined;
    const loading = loadChunks(store, runId, pair, window);
    // A read ahead never awaited (the loop ended first) must not go unhandled.
    loading.catch(() => undefined);
    return loading;
  };
  let ahead = read(0);
  for (const [w, window] of windows.entries()) {
    const loaded = (await ahead) as Chunk[];
    ahead = read(w + 1);
    const byBucket = new Map(loaded.map((chunk) => [chunk.bucket, chunk]));
    for (const c of window) yield byBucket.get(c);
  }
}

async function* lent(
  store: Store,
  runId: string,
  pair: PairManifest,
  indexes: number[],
): AsyncGenerator<Chunk | undefined> {
  // Held from the start, so the chunks cached now are used even if evicted meanwhile.
  const cached = indexes.map((c) => cachedChunk(store, pair, c, runId));
  const keys = indexes.map((c) => pairChunkKey(runId, pair, c));
  const blobs = (store.readBlobs as NonNullable<Store['readBlobs']>)(keys.filter((_, i) => cached[i] === undefined))[
    Symbol.asyncIterator
  ]();
  try {
    for (const [i, c] of indexes.entries()) {
      const hit = cached[i];
      if (hit !== undefined) {
        yield hit ?? undefined;
        continue;
      }
      const next = await blobs.next();
      const key = keys[i] as string;
      if (next.done === true || next.value === undefined) throw await missingChunk(store, runId, pair, key);
      yield decodeChunk(next.value, key, pair, c);
    }
  } finally {
    await blobs.return?.();
  }
}
