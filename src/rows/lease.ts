import { PipetraceError } from '../errors.js';
import type { Store } from '../store.js';
import type { PairManifest } from './format/codec.js';

/**
 * Leases of big captures in progress. A streamed pair's chunks are stored before the run's
 * manifest names them (stream-write.ts), and until then they look like the chunks of a write
 * that failed or whose process died. So the writer first stores a lease,
 * `rows/l/RUN/PAIR-DIGEST`, saying until when its chunks are in use, renews it while it writes,
 * and drops it once the write has ended. reclaimRowChunks (reclaim.ts) deletes unnamed chunks
 * only where no lease holds. Only stores that can delete blobs take leases: elsewhere nothing
 * could reclaim the chunks, nor drop the lease.
 */
export const LEASE_PREFIX = 'rows/l/';
/** How long a lease holds after it was last renewed: much longer than any pause of a writer. */
export const LEASE_MS = 15 * 60_000;

/** The lease key of a streamed pair (its id and digest, as in its chunk keys). */
export const leaseKey = (runId: string, pair: PairManifest): string =>
  `${LEASE_PREFIX}${runId}/${pair.id}-${pair.w as string}`;

export class Lease {
  private until = 0;

  private constructor(
    private readonly store: Store,
    readonly key: string,
  ) {}

  /** Stores a lease for a streamed pair's chunks, before any of them is written. */
  static async take(store: Store, runId: string, pair: PairManifest): Promise<Lease | undefined> {
    if (store.deleteBlobs === undefined) return undefined;
    const lease = new Lease(store, leaseKey(runId, pair));
    await lease.renew();
    return lease;
  }

  private async renew(): Promise<void> {
    const until = Date.now() + LEASE_MS;
    await this.store.putBlobs([{ key: this.key, data: encodeLease(until) }]);
    this.until = until;
  }

  /** Renews the lease once a quarter of it has passed. */
  async renewIfDue(): Promise<void> {
    if (this.until - Date.now() < (LEASE_MS * 3) / 4) await this.renew();
  }

  /**
   * Before the manifest that names the chunks is stored: renews the lease, and refuses when it
   * had run out meanwhile (a reclaim may have deleted chunks the manifest would name).
   */
  async beforeCommit(): Promise<void> {
    if (Date.now() >= this.until) {
      throw new PipetraceError(
        'conflict',
        `the row capture paused longer than its lease (${LEASE_MS / 60_000} minutes); its chunks may have been reclaimed: write it again`,
      );
    }
    await this.renewIfDue();
  }

  /** Drops the lease; a failure only leaves it to run out. */
  async drop(): Promise<void> {
    try {
      await this.store.deleteBlobs?.([this.key]);
    } catch {
      // Reclaimed once it has run out.
    }
  }
}

export function encodeLease(until: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, until }));
}

/** Until when a stored lease holds; 0 (run out) for bytes that are no lease. */
export function leaseUntil(data: Uint8Array): number {
  try {
    const lease = JSON.parse(new TextDecoder().decode(data)) as { v?: unknown; until?: unknown };
    return lease.v === 1 && typeof lease.until === 'number' && Number.isFinite(lease.until) ? lease.until : 0;
  } catch {
    return 0;
  }
}
