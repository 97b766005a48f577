import type { Store } from '../store.js';
import { planOf } from './format/chunk.js';
import { partitionRegion, type RegionSource } from './format/chunk-stream.js';
import { type PairManifest, pairChunkKey } from './format/codec.js';
import { PairSummer } from './pair-summary.js';

/**
 * Chunk bytes per putBlobs while a big pair streams out (about a region's: see REGION_BITS in
 * capture.ts), and calls in flight at once.
 */
const GROUP_BYTES = 4 << 20;
const IN_FLIGHT = 2;

/** What a streamed pair's manifest entry needs, and what was written. */
export interface StreamedPair {
  counts: number[];
  chunks: number;
  bytes: number;
}

/**
 * Writes a big pair's chunks a group at a time while the next group is encoded (the store's
 * writes run beside the encoding), from a few reused buffers: the blob memory is bounded, and
 * fresh memory, whose first touch costs as much as the encoding, is not needed per chunk. The
 * chunks go under keys of this write alone (they carry the pair's random digest, `wk`), so they
 * are invisible until the run's manifest names them (written last, by the caller): a failed
 * write, a reader meanwhile or a concurrent writer never sees a chunk a stored manifest names
 * change, and a failed write leaves only unnamed chunks (README, "Big captures"; the caller
 * deletes them, or reclaim.ts does after a crash). `pair` is the manifest entry (id, kind, rows,
 * bits, w): its counts and summary are filled in here.
 */
export async function writeStreamedPair(
  store: Store,
  runId: string,
  pair: PairManifest,
  src: RegionSource,
  edges: boolean,
  /** Called after each group is handed to the store (the capture's lease renews there). */
  onGroup?: () => Promise<void>,
): Promise<StreamedPair> {
  const n = pair.rows;
  // Keys of this write alone: the chunks an older manifest names stay until it is replaced.
  pair.wk = true;
  const chunks = 1 << planOf(n).bits;
  const counts: number[] = new Array(chunks).fill(0);
  const summer = new PairSummer(pair);
  // IN_FLIGHT + 1 sets of buffers: a set is reused once the call that wrote it has settled.
  const sets: Uint8Array[][] = Array.from({ length: IN_FLIGHT + 1 }, () => []);
  const pending: Promise<void>[] = [];
  let set = 0;
  let group: { key: string; data: Uint8Array }[] = [];
  let groupBytes = 0;
  let bytes = 0;
  let written = 0;
  // The next buffer of the set being filled.
  let slot = 0;
  const take = (size: number): Uint8Array => {
    const pool = sets[set] as Uint8Array[];
    let buf = pool[slot];
    // Chunks of a pair are about the same size: a little room spares most regrowth.
    if (buf === undefined || buf.length < size) pool[slot] = buf = new Uint8Array(size + (size >>> 4));
    slot++;
    return buf.subarray(0, size);
  };
  const flush = async (): Promise<void> => {
    if (group.length === 0) return;
    const put = store.putBlobs(group);
    // Awaited below, in order; this only keeps a rejection from counting as unhandled meanwhile.
    put.catch(() => {});
    pending.push(put);
    group = [];
    groupBytes = 0;
    slot = 0;
    set = (set + 1) % sets.length;
    // The set about to be filled was last written by the oldest call in flight.
    if (pending.length > IN_FLIGHT) await pending.shift();
    if (onGroup !== undefined) await onGroup();
  };
  try {
    for (let r = 0; r < src.fill.length; r++) {
      for (const chunk of partitionRegion(src, n, r, edges, pair.w as string, take)) {
        counts[chunk.index] = chunk.count;
        summer.add(chunk.index, chunk.data);
        group.push({ key: pairChunkKey(runId, pair, chunk.index), data: chunk.data });
        groupBytes += chunk.data.length;
        bytes += chunk.data.length;
        written++;
      }
      if (groupBytes >= GROUP_BYTES) await flush();
    }
    await flush();
    while (pending.length > 0) await pending.shift();
  } catch (error) {
    // No buffer is handed back while a store may still read it.
    await Promise.allSettled(pending);
    throw error;
  }
  pair.counts = counts;
  pair.s = summer.result();
  return { counts, chunks: written, bytes };
}

/** A pair digest for streamed pairs: random, since no chunk may wait for the others' bytes. */
export function randomDigest(): string {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (
    ((words[0] as number) >>> 0).toString(16).padStart(8, '0') + (words[1] as number).toString(16).padStart(8, '0')
  );
}

/** Every key a streamed pair's chunks may have, written or not: what a failed write deletes. */
export function streamedKeysOf(runId: string, pair: PairManifest): string[] {
  return Array.from({ length: 1 << pair.bits }, (_, c) => pairChunkKey(runId, pair, c));
}
