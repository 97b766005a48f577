import { invalid, PipetraceError } from '../errors.js';
import type { Store } from '../store.js';
import { checkRunId, describe } from '../validate.js';
import { readRowManifest } from './chunk-cache.js';
import { chunkKeysOf } from './format/codec.js';
import { LEASE_PREFIX, leaseUntil } from './lease.js';

const CHUNK_PREFIX = 'rows/c/';

export interface RowReclaimOptions {
  /** Only this run's chunks (default: every run's). */
  run?: string;
  /** The time leases are judged at (default: now); for tests and for a clock known to be behind. */
  now?: number;
}

export interface RowReclaimReport {
  /** Runs with chunks looked at. */
  runs: number;
  /** Chunks deleted: no stored manifest names them and no lease holds them. */
  chunks: number;
  /** Chunks kept because a writer's lease on them still holds (a capture in progress). */
  leased: number;
  /** Leases deleted that had run out. */
  leases: number;
}

/**
 * Deletes the row chunks no run's manifest names: those of a write that failed or whose process
 * died before storing its manifest (a big capture stores its chunks first), and those a replaced
 * pair left when its deletion failed. Chunks under a writer's lease that still holds are kept
 * (lease.ts), and so is everything a manifest names. Safe beside readers and writers: the keys
 * are listed first, then the leases and then the manifests read, so a manifest stored after
 * the listing can only name chunks listed under a lease, or not listed at all.
 */
export async function reclaimRowChunks(store: Store, options: RowReclaimOptions = {}): Promise<RowReclaimReport> {
  if (store.deleteBlobs === undefined) {
    throw new PipetraceError('invalid_input', 'this store cannot delete blobs, so it cannot reclaim row chunks');
  }
  if (options === null || typeof options !== 'object')
    throw invalid('options', `must be an object, got ${describe(options)}`);
  const only = options.run === undefined ? undefined : checkRunId('run', options.run);
  const now = options.now ?? Date.now();
  if (typeof now !== 'number' || !Number.isFinite(now)) throw invalid('now', 'must be a finite number of milliseconds');
  const under = only === undefined ? '' : `${only}/`;
  // The order matters (see above): chunk keys, then leases, then manifests.
  const chunkKeys = await store.listBlobs(`${CHUNK_PREFIX}${under}`);
  const leaseKeys = await store.listBlobs(`${LEASE_PREFIX}${under}`);
  const leaseData = await store.getBlobs(leaseKeys);
  const holding = new Set<string>();
  const runOut: string[] = [];
  leaseKeys.forEach((key, i) => {
    const data = leaseData[i];
    if (data === undefined) return;
    if (leaseUntil(data) > now) holding.add(key.slice(LEASE_PREFIX.length));
    else runOut.push(key);
  });
  const byRun = new Map<string, string[]>();
  for (const key of chunkKeys) {
    const place = chunkPlace(key);
    if (place === undefined || (only !== undefined && place.run !== only)) continue;
    let keys = byRun.get(place.run);
    if (keys === undefined) byRun.set(place.run, (keys = []));
    keys.push(key);
  }
  const report: RowReclaimReport = { runs: byRun.size, chunks: 0, leased: 0, leases: 0 };
  for (const [run, keys] of byRun) {
    const manifest = await readRowManifest(store, run);
    const named = new Set(manifest?.pairs.flatMap((pair) => chunkKeysOf(run, pair)) ?? []);
    const dead: string[] = [];
    for (const key of keys) {
      if (named.has(key)) continue;
      if (holding.has(`${run}/${(chunkPlace(key) as ChunkPlace).pair}`)) report.leased++;
      else dead.push(key);
    }
    if (dead.length > 0) await store.deleteBlobs(dead);
    report.chunks += dead.length;
  }
  if (runOut.length > 0) await store.deleteBlobs(runOut);
  report.leases = runOut.length;
  return report;
}

interface ChunkPlace {
  run: string;
  /** The pair's key part: `ID-DIGEST`, or `ID` for pairs written before digests. */
  pair: string;
}

/** The run and pair of a chunk key `rows/c/RUN/PAIR/CHUNK` (a run id may hold slashes). */
function chunkPlace(key: string): ChunkPlace | undefined {
  const last = key.lastIndexOf('/');
  const pairAt = key.lastIndexOf('/', last - 1);
  if (pairAt <= CHUNK_PREFIX.length) return undefined;
  return { run: key.slice(CHUNK_PREFIX.length, pairAt), pair: key.slice(pairAt + 1, last) };
}
