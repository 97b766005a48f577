import { PipetraceError } from '../src/errors.js';
import { Listeners } from '../src/listeners.js';
import type { Component, PointerRecord, Run } from '../src/model.js';
import { cloneComponent, clonePointer } from '../src/records.js';
import type { RunColumns } from '../src/run-columns.js';
import { RunTable } from '../src/run-table.js';
import type {
  BlobRecord,
  RunPage,
  RunScan,
  Store,
  StoreCapabilities,
  StoreChange,
  SyncRunWrites,
  WriterQuery,
  WriterRef,
} from '../src/store.js';

/**
 * A store that keeps everything in this process's memory: the default in tests, and what a
 * notebook or a short script needs. Nothing survives the process.
 */
export function memoryStore(): Store {
  return new MemoryStore();
}

class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly capabilities: StoreCapabilities = { durable: false, concurrent: false, live: true, binary: true };
  private readonly runs = new RunTable();
  private readonly components = new Map<string, Component>();
  private readonly pointers = new Map<string, PointerRecord>();
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly listeners = new Listeners<StoreChange>();
  private closed = false;

  private open(): void {
    if (this.closed) throw new PipetraceError('unavailable', 'the memory store is closed');
  }

  readonly sync: SyncRunWrites = {
    store: this,
    putRuns: (runs) => this.storeRuns(runs),
    latestWriters: (queries) => this.writersOf(queries),
  };

  private storeRuns(runs: readonly Run[]): void {
    this.open();
    // Check all first: a bad record throws before anything is stored.
    RunTable.check(runs);
    for (const run of runs) this.runs.put(run);
    if (this.listeners.size > 0 && runs.length > 0) this.listeners.emit({ kind: 'runs', ids: runs.map((r) => r.id) });
  }

  private writersOf(queries: readonly WriterQuery[]): (WriterRef | undefined)[] {
    this.open();
    return this.runs.latestWriters(queries);
  }

  get columns(): RunColumns {
    this.open();
    return this.runs;
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    this.storeRuns(runs);
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    this.open();
    return ids.map((id) => this.runs.get(id));
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    this.open();
    return this.runs.scan(scan);
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    return this.writersOf(queries);
  }

  async putComponents(components: readonly Component[]): Promise<void> {
    this.open();
    const copies = components.map(cloneComponent);
    for (const c of copies) this.components.set(c.name, c);
    if (this.listeners.size > 0 && copies.length > 0)
      this.listeners.emit({ kind: 'components', names: copies.map((c) => c.name) });
  }

  async getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    this.open();
    return names.map((n) => {
      const c = this.components.get(n);
      return c === undefined ? undefined : cloneComponent(c);
    });
  }

  async scanComponents(): Promise<Component[]> {
    this.open();
    return [...this.components.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(cloneComponent);
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    this.open();
    const copies = pointers.map(clonePointer);
    for (const p of copies) this.pointers.set(p.name, p);
    if (this.listeners.size > 0 && copies.length > 0)
      this.listeners.emit({ kind: 'pointers', names: copies.map((p) => p.name) });
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    this.open();
    return names.map((n) => {
      const p = this.pointers.get(n);
      return p === undefined ? undefined : clonePointer(p);
    });
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    this.open();
    const out: PointerRecord[] = [];
    for (const p of this.pointers.values()) {
      if (filter.flagged === undefined || p.flagged === filter.flagged) out.push(clonePointer(p));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    this.open();
    const copies = blobs.map((b) => [b.key, b.data.slice()] as const);
    for (const [key, data] of copies) this.blobs.set(key, data);
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.open();
    return keys.map((k) => this.blobs.get(k)?.slice());
  }

  /** The stored bytes themselves, no copy: the caller must not change them. */
  async *readBlobs(keys: readonly string[]): AsyncGenerator<Uint8Array | undefined> {
    for (const key of keys) {
      this.open();
      yield this.blobs.get(key);
    }
  }

  async deleteBlobs(keys: readonly string[]): Promise<void> {
    this.open();
    for (const key of keys) this.blobs.delete(key);
  }

  async listBlobs(prefix: string): Promise<string[]> {
    this.open();
    const out: string[] = [];
    for (const key of this.blobs.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort();
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}
