/**
 * The client's write queue: every write goes through it, in order, one request at a time.
 * Writes that queue up behind a request in flight (or while the server is unreachable) are
 * sent together as one batch when their kind matches (group commit), so concurrent callers
 * cost few round trips and a restart of the server loses nothing: the queue waits and retries.
 * It is bounded; a write that would overflow it fails at once with 'unavailable'.
 */
import { PipetraceError } from '../../src/errors.js';
import type { BlobRecord } from '../../src/store.js';

export type WriteKind = 'runs' | 'components' | 'pointers' | 'blobs' | 'deleteBlobs';

/** A write as queued: already serialised (JSON items joined by commas) or copied (blobs). */
export interface WriteBatch {
  kind: WriteKind;
  count: number;
  bytes: number;
  json: string[];
  blobs: BlobRecord[];
}

interface Entry extends WriteBatch {
  deadline: number;
  /** Send without merging (after a merged batch was refused, to blame the right write). */
  alone: boolean;
  settle(error?: unknown): void;
}

export interface WriteQueueOptions {
  /** Sends a batch, retrying as long as `until` allows; throws when it gives up. */
  send(batch: WriteBatch, until: number): Promise<void>;
  /** True when the error means the batch should not be retried (e.g. invalid input). */
  isFinal(error: unknown): boolean;
  maxRecords: number;
  maxBytes: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  /** Who the server is, for messages. */
  target: string;
}

export class WriteQueue {
  private readonly entries: Entry[] = [];
  private records = 0;
  private bytes = 0;
  private busy = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: WriteQueueOptions) {}

  /** Writes waiting or in flight. */
  get pending(): number {
    return this.records;
  }

  /**
   * Queues a write. The promise settles when the server acknowledges it, refuses it, or
   * `deadline` passes. Throws 'unavailable' synchronously when the queue is full, so a caller
   * that does not wait for the promise still learns that the write was not taken.
   */
  enqueue(write: WriteBatch, deadline: number): Promise<void> {
    const { maxRecords, maxBytes } = this.options;
    // An empty queue always takes one write, however large, so a big batch can still be sent.
    if (this.records > 0 && (this.records + write.count > maxRecords || this.bytes + write.bytes > maxBytes)) {
      throw new PipetraceError(
        'unavailable',
        `the write buffer for ${this.options.target} is full (${this.records} records, ${this.bytes} bytes waiting; ` +
          `limits ${maxRecords} records, ${maxBytes} bytes); this write was not queued and not stored`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.records += write.count;
      this.bytes += write.bytes;
      const entry: Entry = {
        ...write,
        deadline,
        alone: false,
        settle: (error) => {
          this.records -= write.count;
          this.bytes -= write.bytes;
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      this.entries.push(entry);
      this.pump();
    });
  }

  /** Resolves when nothing is waiting or in flight. */
  drained(): Promise<void> {
    if (!this.busy && this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Fails every waiting write (in flight ones finish or fail on their own). */
  abandon(error: unknown): void {
    for (const entry of this.entries.splice(0)) entry.settle(error);
  }

  private take(): Entry[] {
    const first = this.entries.shift() as Entry;
    const batch = [first];
    if (first.alone) return batch;
    let count = first.count;
    let bytes = first.bytes;
    const { maxBatchRecords, maxBatchBytes } = this.options;
    while (this.entries.length > 0) {
      const next = this.entries[0] as Entry;
      if (next.alone || next.kind !== first.kind) break;
      if (count + next.count > maxBatchRecords || bytes + next.bytes > maxBatchBytes) break;
      count += next.count;
      bytes += next.bytes;
      batch.push(this.entries.shift() as Entry);
    }
    return batch;
  }

  private pump(): void {
    if (this.busy) return;
    if (this.entries.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.busy = true;
    const batch = this.take();
    const merged: WriteBatch = {
      kind: batch[0]?.kind as WriteKind,
      count: 0,
      bytes: 0,
      json: [],
      blobs: [],
    };
    for (const e of batch) {
      merged.count += e.count;
      merged.bytes += e.bytes;
      merged.json.push(...e.json);
      merged.blobs.push(...e.blobs);
    }
    const until = batch[0]?.deadline ?? 0;
    this.options
      .send(merged, until)
      .then(
        () => {
          for (const e of batch) e.settle();
        },
        (error) => this.failed(batch, error),
      )
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private failed(batch: Entry[], error: unknown): void {
    if (this.options.isFinal(error)) {
      if (batch.length === 1) {
        batch[0]?.settle(error);
        return;
      }
      // One of several merged writes was refused: send each alone so only the bad one fails.
      for (const e of batch) e.alone = true;
      this.entries.unshift(...batch);
      return;
    }
    // Retrying stopped at the oldest write's deadline: it fails, and so does any other write
    // past its own; the rest go back to the front of the queue.
    const now = Date.now();
    const expired = (e: Entry, i: number) => i === 0 || e.deadline <= now;
    batch.forEach((e, i) => {
      if (expired(e, i)) e.settle(timedOut(this.options.target, error));
    });
    this.entries.unshift(...batch.filter((e, i) => !expired(e, i)));
  }
}

function timedOut(target: string, cause: unknown): PipetraceError {
  return new PipetraceError(
    'unavailable',
    `${target} did not acknowledge this write in time; it may or may not have been stored ` +
      `(writes replace by id, so writing it again is safe). Last error: ${(cause as Error)?.message ?? cause}`,
    { cause },
  );
}
