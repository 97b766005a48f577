/**
 * `pipetrace/adapters/http`: a Store that talks to a pipetrace server over fetch. Works in
 * browsers, workers and Node (global fetch; no Node built-ins here).
 *
 * Durability: by default (`writes: 'acknowledged'`) a write resolves only once the server has
 * stored it. While the server is unreachable, writes wait in a bounded queue and are retried
 * with exponential backoff, for up to `writeTimeoutMs`; a write that times out rejects with
 * 'unavailable' (it may or may not have been stored; run ids make writing it again safe).
 * With `writes: 'buffered'` a write resolves as soon as it is queued, which never blocks a
 * pipeline on a down server but can lose the queued writes if the process ends first; call
 * `flush()` to wait for them and see any failure.
 */
import { isPipetraceError, PipetraceError } from '../../src/errors.js';
import { Listeners } from '../../src/listeners.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import type {
  BlobRecord,
  RunPage,
  RunScan,
  Store,
  StoreCapabilities,
  StoreChange,
  WriterQuery,
  WriterRef,
} from '../../src/store.js';
import { DEFAULT_HEARTBEAT_MS, type Following, followEvents } from './event-stream.js';
import { decodeBlobs, EVENTS_PATH, encodeBlobs, STORE_PATHS } from './protocol.js';
import { isRetryable, type RequestSpec, Transport } from './transport.js';
import { type WriteBatch, type WriteKind, WriteQueue } from './write-queue.js';

export interface HttpStoreOptions {
  /** The server's base URL, e.g. http://127.0.0.1:7070 (a path prefix is kept). */
  url: string;
  /** Bearer token; the server needs it for writes, and for reads when it says so. */
  token?: string;
  /** When a write resolves: once the server stored it (default), or once it is queued. */
  writes?: 'acknowledged' | 'buffered';
  /** Acknowledged writes: how long a write may wait for an unreachable server. Default 60 000. */
  writeTimeoutMs?: number;
  /** Bound on writes waiting or in flight. Default 10 000 records and 64 MiB. */
  bufferLimit?: { records?: number; bytes?: number };
  /** Largest merged batch per request. Default 5 000 records and 4 MiB. */
  batchLimit?: { records?: number; bytes?: number };
  /**
   * Reads: retries after the first attempt on network errors and 5xx. Default 6. The reads
   * logging needs (`latestWriters`, `getComponents`) retry for `writeTimeoutMs` instead, as the write does.
   */
  retries?: number;
  /** Backoff: first delay and cap, in ms. Default 100 and 2 000. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt. Default 30 000. */
  timeoutMs?: number;
  /** How long close() waits for queued writes. Default 10 000. */
  closeTimeoutMs?: number;
  /**
   * subscribe: an event stream that sends nothing (not even a heartbeat) for this long is taken
   * as dead and reconnected. Default 45 000 (three of the server's heartbeats).
   */
  eventsIdleMs?: number;
  /** Buffered writes: hears about each write that failed after its call returned. */
  onError?: (error: PipetraceError) => void;
  /** The server's store is durable or concurrent; the client cannot know. Default both false except concurrent. */
  capabilities?: Partial<Pick<StoreCapabilities, 'durable' | 'concurrent'>>;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

/** The HTTP store, with a way to wait for queued writes. */
export interface HttpStore extends Store {
  readonly url: string;
  /** Records waiting or in flight. */
  readonly pending: number;
  /**
   * Resolves when every write queued so far has been acknowledged. In buffered mode it rejects
   * with the first write failure since the last flush.
   */
  flush(): Promise<void>;
}

export function httpStore(options: HttpStoreOptions): HttpStore {
  return new HttpStoreImpl(options);
}

const nullsToUndefined = <T>(items: unknown, count: number, what: string): (T | undefined)[] => {
  if (!Array.isArray(items) || items.length !== count) {
    throw new PipetraceError('storage', `the server sent a malformed ${what} answer`);
  }
  return items.map((x) => (x === null ? undefined : (x as T)));
};

class HttpStoreImpl implements HttpStore {
  readonly kind: string;
  readonly url: string;
  readonly capabilities: StoreCapabilities;
  private readonly transport: Transport;
  private readonly queue: WriteQueue;
  private readonly buffered: boolean;
  private readonly writeTimeoutMs: number;
  private readonly retries: number;
  private failures: PipetraceError[] = [];
  private closed = false;
  private readonly listeners = new Listeners<StoreChange>();
  private events: Following | undefined;

  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: HttpStoreOptions) {
    const fetchFn = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (typeof fetchFn !== 'function') throw new PipetraceError('invalid_input', 'fetch: no fetch in this runtime');
    this.fetchFn = fetchFn;
    this.transport = new Transport({
      url: options.url,
      ...(options.token === undefined ? {} : { token: options.token }),
      fetch: fetchFn,
      timeoutMs: options.timeoutMs ?? 30_000,
      minDelayMs: options.minDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 2_000,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
    this.url = this.transport.base;
    this.kind = `http:${this.url}`;
    this.capabilities = {
      durable: options.capabilities?.durable ?? false,
      concurrent: options.capabilities?.concurrent ?? true,
      live: true,
      binary: true,
    };
    this.buffered = options.writes === 'buffered';
    this.writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
    this.retries = options.retries ?? 6;
    this.queue = new WriteQueue({
      send: (batch, until) => this.sendWrite(batch, until),
      isFinal: (error) => !isRetryable(error),
      maxRecords: options.bufferLimit?.records ?? 10_000,
      maxBytes: options.bufferLimit?.bytes ?? 64 * 1024 * 1024,
      maxBatchRecords: options.batchLimit?.records ?? 5_000,
      maxBatchBytes: options.batchLimit?.bytes ?? 4 * 1024 * 1024,
      target: this.url,
    });
  }

  get pending(): number {
    return this.queue.pending;
  }

  private open(): void {
    if (this.closed) throw new PipetraceError('unavailable', `the HTTP store for ${this.url} is closed`);
  }

  private async sendWrite(batch: WriteBatch, until: number): Promise<void> {
    const spec: RequestSpec =
      batch.kind === 'blobs'
        ? {
            method: 'PUT',
            path: STORE_PATHS.blobs,
            binary: encodeBlobs(
              batch.blobs.map((b) => b.key),
              batch.blobs.map((b) => b.data),
            ),
            expect: 'none',
          }
        : batch.kind === 'deleteBlobs'
          ? {
              method: 'POST',
              path: STORE_PATHS.deleteBlobs,
              json: `{"keys":[${batch.json.join(',')}]}`,
              expect: 'none',
            }
          : {
              method: 'PUT',
              path: STORE_PATHS[batch.kind],
              json: `{"${batch.kind}":[${batch.json.join(',')}]}`,
              expect: 'none',
            };
    await this.transport.send(spec, { until });
  }

  private async write(kind: WriteKind, items: readonly unknown[]): Promise<void> {
    this.open();
    if (items.length === 0) return;
    // A subscriber hears this client's writes made after it subscribed: wait for the stream.
    if (this.events !== undefined) await this.events.ready;
    // Serialised (or copied) now: later changes by the caller must not reach the server.
    const batch: WriteBatch = { kind, count: items.length, bytes: 0, json: [], blobs: [] };
    if (kind === 'blobs') {
      for (const b of items as BlobRecord[]) {
        batch.blobs.push({ key: b.key, data: b.data.slice() });
        batch.bytes += b.key.length + b.data.byteLength;
      }
    } else {
      for (const item of items) {
        const text = JSON.stringify(item);
        batch.json.push(text);
        batch.bytes += text.length;
      }
    }
    if (!this.buffered) return this.queue.enqueue(batch, Date.now() + this.writeTimeoutMs);
    this.queue.enqueue(batch, Number.POSITIVE_INFINITY).catch((error) => {
      const e = isPipetraceError(error) ? error : new PipetraceError('storage', String(error), { cause: error });
      this.failures.push(e);
      this.options.onError?.(e);
    });
  }

  private async read(spec: RequestSpec): Promise<unknown> {
    this.open();
    return this.transport.send(spec, { retries: this.retries });
  }

  private post(path: string, body: unknown, forWrite = false): Promise<Record<string, unknown>> {
    const spec: RequestSpec = { method: 'POST', path, json: JSON.stringify(body), expect: 'json' };
    if (!forWrite || this.buffered) return this.read(spec) as Promise<Record<string, unknown>>;
    // A read logging needs (dependencies, whether a component exists) waits as long as the write would.
    this.open();
    return this.transport.send(spec, { until: Date.now() + this.writeTimeoutMs }) as Promise<Record<string, unknown>>;
  }

  private get(path: string, query?: Record<string, string>): Promise<Record<string, unknown>> {
    return this.read({ method: 'GET', path, ...(query ? { query } : {}), expect: 'json' }) as Promise<
      Record<string, unknown>
    >;
  }

  putRuns(runs: readonly Run[]): Promise<void> {
    return this.write('runs', runs);
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    if (ids.length === 0) return [];
    const answer = await this.post(STORE_PATHS.getRuns, { ids });
    return nullsToUndefined<Run>(answer.runs, ids.length, 'getRuns');
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    const answer = await this.post(STORE_PATHS.scanRuns, scan);
    if (!Array.isArray(answer.runs)) throw new PipetraceError('storage', 'the server sent a malformed scanRuns answer');
    const page: RunPage = { runs: answer.runs as Run[] };
    if (typeof answer.cursor === 'string') page.cursor = answer.cursor;
    return page;
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    if (queries.length === 0) return [];
    const answer = await this.post(STORE_PATHS.writers, { queries }, true);
    return nullsToUndefined<WriterRef>(answer.writers, queries.length, 'latestWriters');
  }

  putComponents(components: readonly Component[]): Promise<void> {
    return this.write('components', components);
  }

  async getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    if (names.length === 0) return [];
    const answer = await this.post(STORE_PATHS.getComponents, { names }, true);
    return nullsToUndefined<Component>(answer.components, names.length, 'getComponents');
  }

  async scanComponents(): Promise<Component[]> {
    return (await this.get(STORE_PATHS.components)).components as Component[];
  }

  putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    return this.write('pointers', pointers);
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    if (names.length === 0) return [];
    const answer = await this.post(STORE_PATHS.getPointers, { names });
    return nullsToUndefined<PointerRecord>(answer.pointers, names.length, 'getPointers');
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    const query = filter.flagged === undefined ? undefined : { flagged: String(filter.flagged) };
    return (await this.get(STORE_PATHS.pointers, query)).pointers as PointerRecord[];
  }

  putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    return this.write('blobs', blobs);
  }

  /** Queued with the other writes, so it never overtakes a putBlobs made before it. */
  deleteBlobs(keys: readonly string[]): Promise<void> {
    return this.write('deleteBlobs', keys);
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const body = (await this.read({
      method: 'POST',
      path: STORE_PATHS.getBlobs,
      json: JSON.stringify({ keys }),
      expect: 'binary',
    })) as Uint8Array;
    const { data } = decodeBlobs(body);
    if (data.length !== keys.length) throw new PipetraceError('storage', 'the server sent a malformed getBlobs answer');
    return data;
  }

  async listBlobs(prefix: string): Promise<string[]> {
    return (await this.get(STORE_PATHS.blobs, { prefix })).keys as string[];
  }

  /**
   * Listens to the server's change events (GET /api/v1/events): one stream for all listeners,
   * opened with the first and closed with the last. After a reconnect listeners hear
   * `{ kind: 'resync' }`, since changes may have been missed meanwhile.
   */
  subscribe(listener: (change: StoreChange) => void): () => void {
    const remove = this.listeners.add(listener);
    if (this.events === undefined && !this.closed) {
      const headers: Record<string, string> = { ...this.options.headers };
      if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
      this.events = followEvents({
        url: `${this.url}${EVENTS_PATH}`,
        fetch: this.fetchFn,
        headers: () => headers,
        onChange: (change) => this.listeners.emit(change),
        delay: (attempt) => this.transport.delay(attempt),
        idleMs: this.options.eventsIdleMs ?? 3 * DEFAULT_HEARTBEAT_MS,
      });
    }
    return () => {
      remove();
      if (this.listeners.size === 0) this.stopEvents();
    };
  }

  private stopEvents(): void {
    this.events?.stop();
    this.events = undefined;
  }

  async flush(): Promise<void> {
    await this.queue.drained();
    const failures = this.failures.splice(0);
    const first = failures[0];
    if (first === undefined) return;
    throw new PipetraceError(
      first.code,
      `${failures.length} buffered write(s) failed; the first: ${first.message}`,
      first.field === undefined ? { cause: first } : { cause: first, field: first.field },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopEvents();
    this.listeners.clear();
    const timeout = this.options.closeTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = await Promise.race([
      this.queue.drained().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeout);
      }),
    ]);
    clearTimeout(timer);
    if (!gaveUp && this.failures.length === 0) return;
    const lost = this.queue.pending;
    const error = new PipetraceError(
      'unavailable',
      gaveUp
        ? `closed with ${lost} write(s) not acknowledged by ${this.url}; they may not have been stored`
        : `${this.failures.length} buffered write(s) to ${this.url} failed before close; the first: ${this.failures[0]?.message}`,
    );
    this.queue.abandon(error);
    this.transport.cancel(error);
    throw error;
  }
}
