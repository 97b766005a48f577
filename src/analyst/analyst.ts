import { proxy, transfer } from 'comlink';
import { invalid, PipetraceError } from '../errors.js';
import { QUERY_NAMES, type QueryArgs, type QueryName, type QueryResult } from '../queries.js';
import type { Store } from '../store.js';
import { describe, isPlainObject } from '../validate.js';
import { aborted, raceAbort, splitCallOptions } from './call-options.js';
import { type Connection, connect, type WorkerLike } from './connection.js';
import { checkArgs, checkMethod, runAnalysis } from './engine.js';
import { observedStore } from './observe.js';
import { ProgressReporter } from './progress.js';
import { blobState, encodeSnapshot, sameBlobState, snapshotBuffers } from './snapshot.js';
import type { AnalystDefaults, AnalystMethod, AnalystProgress, CallOptions, StoreSource } from './types.js';
import { fromWireError, unpack } from './worker-api.js';

export interface AnalystOptions extends AnalystDefaults {
  /** The store to analyse. The analyst never writes to it. */
  store: Store;
  /**
   * 'auto' (default): a worker when `workerFactory` makes one, else in-thread. 'always': a
   * worker or an 'unavailable' error. 'never': in-thread.
   */
  worker?: 'auto' | 'always' | 'never';
  /**
   * Makes a worker running pipetrace's worker entry: a Web Worker from 'pipetrace/worker'
   * or a worker_threads Worker from 'pipetrace/worker/node'. Called again after a worker dies.
   */
  workerFactory?: () => WorkerLike | Promise<WorkerLike>;
  /**
   * How the worker gets the data: 'snapshot' copies the store as transferable buffers; a
   * StoreSource lets the worker open the store itself. Default: reopen IndexedDB and fs-json
   * stores by name or folder and PostgreSQL stores by URL, snapshot anything else (an HTTP
   * store needs its token: pass { kind: 'http', url, token }).
   */
  source?: 'snapshot' | Exclude<StoreSource, { kind: 'snapshot' }>;
}

/** An options argument may also carry the call options (signal, onProgress). */
export type OrCall<T> = [NonNullable<T>] extends [object] ? T | (NonNullable<T> & CallOptions) : T;

/** A query as the analyst takes it: the facade's arguments, then optionally CallOptions. */
export type AnalystQuery<K extends QueryName> = (
  ...args: [...{ [I in keyof QueryArgs<K>]: OrCall<QueryArgs<K>[I]> }, CallOptions?]
) => Promise<QueryResult<K>>;

/** The analyses: every query of the table (see src/queries.ts), as on Pipetrace. */
export type AnalystQueries = { [K in QueryName]: AnalystQuery<K> };

/** The analyses. Each also takes CallOptions (signal, onProgress): in its options, or as one more argument. */
export interface Analyst extends AnalystQueries {
  /** Where the next call runs: 'worker' or 'in-thread' ('auto' decides on the first call). */
  readonly mode: 'worker' | 'in-thread' | 'undecided';
  /** How a worker gets the data: 'snapshot', or the store it reopens, e.g. 'indexeddb:pipetrace' or 'fs-json:/data'. */
  readonly source: string;
  /** Why 'auto' fell back to in-thread, when it did. */
  readonly fallbackReason: string | undefined;
  /** A round trip to the worker (or a resolved promise in-thread), in milliseconds. */
  ping(): Promise<number>;
  /** Terminates the worker and stops listening to the store. The store stays open (it is yours). */
  close(): Promise<void>;
}

function defaultSource(store: Store): 'snapshot' | Exclude<StoreSource, { kind: 'snapshot' }> {
  if (store.kind.startsWith('indexeddb:')) return { kind: 'indexeddb', name: store.kind.slice('indexeddb:'.length) };
  const dir = (store as { dir?: unknown }).dir;
  if (store.kind.startsWith('fs-json:') && typeof dir === 'string') return { kind: 'fs-json', dir };
  // A PostgreSQL store opened from a URL says how to reopen it (the URL stays out of its fields).
  const reopen = (store as { workerSource?: unknown }).workerSource;
  if (store.kind.startsWith('postgres:') && typeof reopen === 'function') {
    const source = reopen.call(store) as StoreSource | undefined;
    if (source?.kind === 'postgres') return source;
  }
  return 'snapshot';
}

const SOURCE_KINDS = ['indexeddb', 'fs-json', 'http', 'postgres'];

/** Where a connection URL points, host:port/database, without its user, password or options. */
function whereOf(url: string): string {
  return url.replace(/^[a-z]+:\/\/([^/?#]*@)?/i, '').replace(/[?#].*$/, '');
}

class AnalystImpl {
  private readonly store: Store;
  private readonly workerSetting: 'auto' | 'always' | 'never';
  private readonly factory: AnalystOptions['workerFactory'];
  private readonly source: 'snapshot' | Exclude<StoreSource, { kind: 'snapshot' }>;
  private readonly defaults: AnalystDefaults;
  private decided: 'worker' | 'in-thread' | 'undecided';
  fallbackReason: string | undefined;
  private connection: Promise<Connection> | undefined;
  /** The snapshot in the worker is out of date (or there is none yet). */
  private stale = true;
  /** The blobs as they were when the snapshot was taken (blob writes raise no event). */
  private blobs: Awaited<ReturnType<typeof blobState>> | undefined;
  private unsubscribe: (() => void) | undefined;
  private connecting: Promise<unknown> = Promise.resolve();
  private nextCallId = 1;
  private inFlight = 0;
  private closed = false;

  constructor(options: AnalystOptions) {
    if (!isPlainObject(options) || typeof options.store?.scanRuns !== 'function') {
      throw invalid('options.store', 'must be a store (see the adapters)');
    }
    const setting = options.worker ?? 'auto';
    if (setting !== 'auto' && setting !== 'always' && setting !== 'never') {
      throw invalid('worker', `must be 'auto', 'always' or 'never', got ${describe(setting)}`);
    }
    if (options.workerFactory !== undefined && typeof options.workerFactory !== 'function') {
      throw invalid('workerFactory', 'must be a function that returns a Worker');
    }
    if (setting === 'always' && options.workerFactory === undefined) {
      throw invalid(
        'workerFactory',
        "is needed with worker: 'always' (see 'pipetrace/worker' and 'pipetrace/worker/node')",
      );
    }
    const source = options.source ?? defaultSource(options.store);
    if (source !== 'snapshot' && (!isPlainObject(source) || !SOURCE_KINDS.includes(source.kind as string))) {
      throw invalid('source', "must be 'snapshot' or { kind: 'indexeddb' | 'fs-json' | 'http' | 'postgres', ... }");
    }
    this.store = options.store;
    this.workerSetting = setting;
    this.factory = options.workerFactory;
    this.source = source;
    this.defaults = options.staleness === undefined ? {} : { staleness: options.staleness };
    this.decided = setting === 'never' || options.workerFactory === undefined ? 'in-thread' : 'undecided';
    if (setting === 'auto' && options.workerFactory === undefined) this.fallbackReason = 'no workerFactory was given';
  }

  describeSource(): string {
    const s = this.source;
    if (s === 'snapshot') return s;
    if (s.kind === 'postgres') {
      // As the store's kind says it: the default schema unnamed.
      const schema = s.schema === undefined || s.schema === 'pipetrace' ? '' : `?schema=${s.schema}`;
      return `postgres:${whereOf(s.url)}${schema}`;
    }
    return s.kind === 'indexeddb' ? `indexeddb:${s.name}` : s.kind === 'fs-json' ? `fs-json:${s.dir}` : `http:${s.url}`;
  }

  get mode(): 'worker' | 'in-thread' | 'undecided' {
    return this.decided;
  }

  private watchStore(): void {
    if (this.unsubscribe !== undefined || this.source !== 'snapshot') return;
    if (this.store.capabilities.live && typeof this.store.subscribe === 'function') {
      this.unsubscribe = this.store.subscribe(() => {
        this.stale = true;
      });
    }
  }

  /** One at a time, so concurrent calls never start two workers or copy the store twice. */
  private liveConnection(): Promise<Connection> {
    const next = this.connecting.then(() => this.liveConnectionNow());
    this.connecting = next.catch(() => {});
    return next;
  }

  /** Starts a worker and opens the store in it; a dead worker is replaced. */
  private async liveConnectionNow(): Promise<Connection> {
    const existing = this.connection === undefined ? undefined : await this.connection.catch(() => undefined);
    if (existing !== undefined && !existing.isDead()) {
      if (this.source === 'snapshot' && (await this.snapshotStale())) await this.sendSnapshot(existing);
      return existing;
    }
    const starting = (async () => {
      const worker = await (this.factory as NonNullable<AnalystOptions['workerFactory']>)();
      const conn = connect(worker);
      conn.busy(true);
      try {
        const opened = this.source === 'snapshot' ? this.sendSnapshot(conn) : conn.api.open(this.source, this.defaults);
        await Promise.race([opened, conn.dead.then((e) => Promise.reject(e))]);
        return conn;
      } catch (error) {
        conn.kill('the analysis worker failed to start');
        throw error;
      } finally {
        conn.busy(this.inFlight > 0);
      }
    })();
    this.connection = starting;
    return starting;
  }

  private async snapshotStale(): Promise<boolean> {
    if (this.stale || this.blobs === undefined) return true;
    return !sameBlobState(this.blobs, await blobState(this.store));
  }

  private async sendSnapshot(conn: Connection): Promise<void> {
    this.watchStore();
    // Cleared before reading: a write during the copy marks it stale again for the next call.
    this.stale = !this.unsubscribe;
    this.blobs = await blobState(this.store);
    const snapshot = await encodeSnapshot(this.store);
    const opened = conn.api.open(transfer({ kind: 'snapshot', snapshot }, snapshotBuffers(snapshot)), this.defaults);
    await Promise.race([opened, conn.dead.then((e) => Promise.reject(e))]);
  }

  /** Decides 'auto' on first use: a worker if one starts, in-thread otherwise. */
  private async workerOrNull(): Promise<Connection | undefined> {
    if (this.decided === 'in-thread') return undefined;
    try {
      const conn = await this.liveConnection();
      this.decided = 'worker';
      return conn;
    } catch (error) {
      if (this.workerSetting === 'always' || this.decided === 'worker') {
        throw error instanceof PipetraceError
          ? error
          : new PipetraceError(
              'unavailable',
              `the analysis worker could not start: ${(error as Error)?.message ?? error}`,
              { cause: error },
            );
      }
      this.decided = 'in-thread';
      this.fallbackReason = `the worker could not start: ${(error as Error)?.message ?? String(error)}`;
      return undefined;
    }
  }

  async call(method: AnalystMethod, rawArgs: unknown[]): Promise<unknown> {
    if (this.closed) throw new PipetraceError('unavailable', 'the analyst is closed');
    checkMethod(method);
    const { args, call } = splitCallOptions(method, rawArgs);
    // Bad arguments fail here, before a worker starts or the store is copied.
    checkArgs(method, args);
    const { signal } = call;
    if (signal?.aborted) throw aborted();
    // Progress stops when the call settles (an aborted analysis may still be reading).
    let settled = false;
    const listener = call.onProgress;
    const onProgress =
      listener === undefined
        ? undefined
        : (progress: AnalystProgress) => {
            if (!settled) listener(progress);
          };
    this.inFlight++;
    try {
      const conn = await raceAbort(this.workerOrNull(), signal);
      if (signal?.aborted) throw aborted();
      return conn === undefined
        ? await this.inThread(method, args, { signal, onProgress })
        : await this.inWorker(conn, method, args, call, onProgress);
    } finally {
      settled = true;
      this.inFlight--;
    }
  }

  private inThread(method: AnalystMethod, args: unknown[], { signal, onProgress }: CallOptions): Promise<unknown> {
    const progress = new ProgressReporter(method, 'in-thread', onProgress);
    const view = observedStore(this.store, {
      cancelled: () => signal?.aborted === true,
      onRead: (n) => progress.read(n),
    });
    const work = (async () => {
      const value = await runAnalysis(view, method, args, this.defaults);
      void progress.send('done');
      return value;
    })();
    work.catch(() => {}); // an aborted call's late failure is nobody's business
    return raceAbort(work, signal);
  }

  private async inWorker(
    conn: Connection,
    method: AnalystMethod,
    args: unknown[],
    { signal }: CallOptions,
    onProgress: CallOptions['onProgress'],
  ): Promise<unknown> {
    const callId = this.nextCallId++;
    conn.busy(true);
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const onAbort = () => {
          reject(aborted());
          // The worker runs one analysis as one long task; alone, it is stopped by termination.
          if (this.inFlight <= 1) conn.kill('the analysis was aborted');
          else void conn.api.cancel(callId).catch(() => {});
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => signal?.removeEventListener('abort', onAbort);
        conn.dead.then((reason) => {
          done();
          reject(reason);
        });
        conn.api.call(callId, method, args, onProgress === undefined ? undefined : proxy(onProgress)).then(
          (result) => {
            done();
            if (result.ok) resolve(unpack(result));
            else reject(fromWireError(result.error));
          },
          (error) => {
            done();
            reject(
              conn.isDead()
                ? error
                : new PipetraceError('unavailable', `the analysis worker failed: ${error?.message ?? error}`),
            );
          },
        );
      });
    } finally {
      conn.busy(this.inFlight > 1);
    }
  }

  async ping(): Promise<number> {
    const t0 = performance.now();
    const conn = await this.workerOrNull();
    if (conn !== undefined) {
      const t1 = performance.now();
      conn.busy(true);
      try {
        await Promise.race([conn.api.ping(), conn.dead.then((e) => Promise.reject(e))]);
      } finally {
        conn.busy(this.inFlight > 0);
      }
      return performance.now() - t1;
    }
    return performance.now() - t0;
  }

  async crashWorkerForTests(how: 'exit' | 'throw' = 'exit'): Promise<void> {
    const conn = await this.workerOrNull();
    if (conn === undefined) throw new PipetraceError('unavailable', 'there is no worker to crash');
    conn.busy(true);
    void conn.api.crashForTests(how).catch(() => {});
    await conn.dead;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    const conn = await this.connection?.catch(() => undefined);
    conn?.kill('the analyst was closed');
  }
}

const impls = new WeakMap<Analyst, AnalystImpl>();

/**
 * An analyst: trace, staleness, review, history and row lineage, run in a worker (Web Worker
 * or worker_threads, over comlink) or in this thread, with the same results. See AnalystOptions.
 */
export function createAnalyst(options: AnalystOptions): Analyst {
  const impl = new AnalystImpl(options);
  const queries = Object.fromEntries(
    QUERY_NAMES.map((name) => [name, (...args: unknown[]) => impl.call(name, args)]),
  ) as unknown as AnalystQueries;
  const analyst: Analyst = {
    ...queries,
    get mode() {
      return impl.mode;
    },
    get fallbackReason() {
      return impl.fallbackReason;
    },
    get source() {
      return impl.describeSource();
    },
    ping: () => impl.ping(),
    close: () => impl.close(),
  };
  impls.set(analyst, impl);
  return analyst;
}

/** Tests only (not exported from the package): crashes an analyst's worker ('exit' ends it, 'throw' raises an uncaught error). */
export function crashWorkerForTests(analyst: Analyst, how: 'exit' | 'throw' = 'exit'): Promise<void> {
  const impl = impls.get(analyst);
  if (impl === undefined) throw new PipetraceError('invalid_input', 'analyst: not made by createAnalyst');
  return impl.crashWorkerForTests(how);
}
