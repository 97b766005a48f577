import { join } from 'node:path';
import { invalid, PipetraceError } from '../../src/errors.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import { cloneComponent, clonePointer } from '../../src/records.js';
import type {
  BlobRecord,
  RunPage,
  RunScan,
  StoreCapabilities,
  StoreChange,
  WriterQuery,
  WriterRef,
} from '../../src/store.js';
import { BlobIndex, checkBlobs, readBlobFile, removeBlobFiles, writeBlobFiles } from './blobs.js';
import { ensureLayout, type Layout, layoutOf, storageError, writeFileAtomic } from './files.js';
import { decodeLine, encodeRecord, type PlacedRecord, type Problem, type Version } from './format.js';
import type { FsJsonOptions, FsJsonStore } from './index.js';
import { openIndexFile } from './index-file.js';
import { SegmentLog } from './log.js';
import { NamedRecords } from './named.js';
import { type RunRef, RunRefs } from './run-refs.js';
import { encodeSnapshot, type SnapshotHeader } from './snapshot.js';

/** Rewrite the index during writes once this many records are not in it. */
const INDEX_WHILE_WRITING = 100_000;
const MAX_PROBLEMS = 1000;

export class FsJsonStoreImpl implements FsJsonStore {
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  readonly dir: string;
  private readonly layout: Layout;
  private readonly durable: boolean;
  private readonly indexAfter: number;
  private readonly onCorrupt: (problem: Problem) => void;
  private readonly log: SegmentLog;
  private readonly components = new NamedRecords<Component>(cloneComponent);
  private readonly pointers = new NamedRecords<PointerRecord>(clonePointer);
  private readonly blobs = new BlobIndex();
  private readonly found: Problem[] = [];
  private readonly told = new Set<string>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private runs!: RunRefs;
  private unindexed = 0;
  /** Lets go of the index file, open while its line 3 may still be needed. */
  private closeIndex: () => void = () => {};
  /** Blob files that lost to newer versions during this process's own commit. */
  private losers: string[] | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private poll: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Changes found while reading others' writes, for live listeners. */
  private heard: { runs: string[]; components: string[]; pointers: string[] } | undefined;

  constructor(options: FsJsonOptions) {
    this.dir = options.dir;
    this.kind = `fs-json:${options.dir}`;
    this.durable = options.durable ?? true;
    this.indexAfter = options.indexAfter ?? 1000;
    this.capabilities = { durable: this.durable, concurrent: true, live: true, binary: true };
    this.onCorrupt =
      options.onCorrupt ?? ((p) => console.warn(`pipetrace fs-json: ${join(this.dir, p.file)}:${p.line}: ${p.reason}`));
    this.layout = layoutOf(options.dir);
    try {
      ensureLayout(this.layout);
      this.log = new SegmentLog({
        layout: this.layout,
        durable: this.durable,
        segmentMaxBytes: options.segmentMaxBytes ?? 64 * 1024 * 1024,
        report: (p) => this.report(p),
        apply: (record, seg, at) => this.apply(record, seg, at),
      });
      this.load();
    } catch (error) {
      this.closeIndex();
      (this as unknown as { log?: SegmentLog }).log?.close();
      throw error instanceof PipetraceError ? error : storageError(`cannot open ${options.dir}`, error);
    }
  }

  problems(): Problem[] {
    return this.found.map((p) => ({ ...p }));
  }

  private report(problem: Problem): void {
    // A bad line under the index is met again at every read of it: tell once.
    const key = `${problem.file}\n${problem.line}\n${problem.reason}`;
    if (this.told.has(key)) return;
    if (this.told.size < MAX_PROBLEMS) this.told.add(key);
    if (this.found.length < MAX_PROBLEMS) this.found.push(problem);
    this.onCorrupt({ ...problem });
  }

  /** Reads the index file (if usable) and then every segment's committed lines beyond it. */
  private load(): void {
    const index = openIndexFile(this.layout, (p) => this.report(p));
    if (index === undefined) {
      this.runs = new RunRefs([], true, (n) => this.log.name(n), undefined);
    } else {
      this.closeIndex = index.close;
      const { header, window, rest } = index.snapshot;
      for (const s of header.segments) this.log.add(s.name, { bytes: s.bytes, lines: s.lines });
      this.components.load(header.components);
      this.pointers.load(header.pointers);
      this.blobs.load(header.blobs);
      const covered = header.segments.map((s) => s.bytes);
      const all = () => {
        try {
          return rest();
        } catch (error) {
          this.report({ file: 'index.ndjson', line: 3, reason: `unreadable, rebuilt from segments: ${String(error)}` });
          return this.log.runsIn(covered);
        } finally {
          index.close();
        }
      };
      this.runs = new RunRefs(window, header.runCount <= window.length, (n) => this.log.name(n), all);
    }
    this.refresh(true, true);
  }

  /** Picks up other processes' commits and tells live listeners about them. */
  private refresh(force = false, opening = false): void {
    if (this.listeners.size > 0) this.heard = { runs: [], components: [], pointers: [] };
    try {
      this.log.refresh(force, opening);
    } finally {
      const heard = this.heard;
      this.heard = undefined;
      if (heard !== undefined) {
        if (heard.runs.length > 0) this.emit({ kind: 'runs', ids: heard.runs });
        if (heard.components.length > 0) this.emit({ kind: 'components', names: heard.components });
        if (heard.pointers.length > 0) this.emit({ kind: 'pointers', names: heard.pointers });
      }
    }
  }

  /** Applies one committed record, from this process or another. */
  private apply(record: PlacedRecord, seg: number, at: number): void {
    this.unindexed += 1;
    if (record.kind === 'run') {
      const r = record.value;
      const { off, len, line } = record;
      this.runs.apply({
        id: r.id,
        component: r.component,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        // Copies: for this process's own writes these arrays still belong to the caller.
        inputs: r.inputs.slice(),
        outputs: r.outputs.slice(),
        seg,
        off,
        len,
        line,
        at,
      });
      this.heard?.runs.push(r.id);
      return;
    }
    const v: Version = { at, seg: this.log.name(seg), off: record.off };
    switch (record.kind) {
      case 'component':
        if (this.components.apply(record.value, v)) this.heard?.components.push(record.value.name);
        return;
      case 'pointer':
        if (this.pointers.apply(record.value, v)) this.heard?.pointers.push(record.value.name);
        return;
      case 'blob': {
        const loser = this.blobs.apply(record.value, v);
        if (loser !== undefined) this.losers?.push(loser);
        return;
      }
    }
  }

  private check(): void {
    if (this.closed) throw new PipetraceError('unavailable', `${this.kind} is closed`);
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Runs write jobs one at a time, in call order, whatever happened to the previous one. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.writing.then(job, job);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Appends records and a commit line to this process's segment in one write, syncs it, and
   * only then applies them in memory. Returns the blob files that lost to newer versions.
   */
  private async commit(records: PlacedRecord[]): Promise<string[]> {
    const lines = records.map((r) => {
      try {
        return encodeRecord(r);
      } catch (error) {
        throw invalid(r.kind, `cannot be stored as JSON: ${String(error)}`);
      }
    });
    return this.serial(async () => {
      this.check();
      this.losers = [];
      try {
        await this.log.append(records, lines);
        if (this.unindexed >= INDEX_WHILE_WRITING) this.writeIndex();
        return this.losers;
      } finally {
        this.losers = undefined;
      }
    });
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    this.check();
    if (runs.length === 0) return;
    for (const [i, r] of runs.entries()) {
      if (typeof r?.id !== 'string' || r.id === '') throw invalid(`runs[${i}].id`, 'must be a non-empty string');
    }
    await this.commit(runs.map((value) => ({ kind: 'run', value, off: 0, len: 0, line: 0 })));
    this.emit({ kind: 'runs', ids: runs.map((r) => r.id) });
  }

  private readRun(ref: RunRef): Run | undefined {
    const buf = this.log.read(ref.seg, ref.off, ref.len);
    const decoded = decodeLine(buf.toString('utf8', 0, buf.length - 1));
    if ('record' in decoded && decoded.record.kind === 'run' && decoded.record.value.id === ref.id) {
      return decoded.record.value;
    }
    this.report({
      file: this.log.file(ref.seg),
      line: ref.line,
      reason: `run ${JSON.stringify(ref.id)} is unreadable: ${'problem' in decoded ? decoded.problem : 'changed since it was indexed'}`,
    });
    return undefined;
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    this.check();
    this.refresh();
    return ids.map((id) => {
      const ref = typeof id === 'string' ? this.runs.get(id) : undefined;
      return ref === undefined ? undefined : this.readRun(ref);
    });
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    this.check();
    this.refresh();
    return this.runs.scan(scan, (refs) =>
      refs.map((ref) => this.readRun(ref)).filter((r): r is Run => r !== undefined),
    );
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    this.check();
    this.refresh();
    return queries.map((q) => this.runs.latestWriter(q));
  }

  async putComponents(components: readonly Component[]): Promise<void> {
    this.check();
    if (components.length === 0) return;
    await this.commit(
      components.map((c) => ({ kind: 'component', value: cloneComponent(c), off: 0, len: 0, line: 0 })),
    );
    this.emit({ kind: 'components', names: components.map((c) => c.name) });
  }

  async getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    this.check();
    this.refresh();
    return this.components.get(names);
  }

  async scanComponents(): Promise<Component[]> {
    this.check();
    this.refresh();
    return this.components.all();
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    this.check();
    if (pointers.length === 0) return;
    await this.commit(pointers.map((p) => ({ kind: 'pointer', value: clonePointer(p), off: 0, len: 0, line: 0 })));
    this.emit({ kind: 'pointers', names: pointers.map((p) => p.name) });
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    this.check();
    this.refresh();
    return this.pointers.get(names);
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    this.check();
    this.refresh();
    return this.pointers.all((p) => filter.flagged === undefined || p.flagged === filter.flagged);
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    this.check();
    if (blobs.length === 0) return;
    checkBlobs(blobs);
    // The files first; the commit line is what makes each one its key's value.
    const records = writeBlobFiles(this.layout.blobs, blobs, this.durable);
    let losers: string[];
    try {
      losers = await this.commit(records);
    } catch (error) {
      removeBlobFiles(
        this.layout.blobs,
        records.flatMap((r) => (r.kind === 'blob' && r.value.deleted !== true ? [r.value.file] : [])),
      );
      throw error;
    }
    removeBlobFiles(this.layout.blobs, losers);
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.check();
    this.refresh();
    return keys.map((key) => {
      let file = this.blobs.file(key);
      if (file === undefined) return undefined;
      let data = readBlobFile(this.layout.blobs, file);
      if (data === undefined) {
        // Another writer may have replaced or deleted it since we looked: look again once.
        this.refresh(true);
        file = this.blobs.file(key);
        if (file === undefined) return undefined;
        data = readBlobFile(this.layout.blobs, file);
        if (data === undefined) {
          this.report({ file: `blobs/${file}`, line: 0, reason: `blob ${JSON.stringify(key)} is missing` });
        }
      }
      return data;
    });
  }

  async listBlobs(prefix: string): Promise<string[]> {
    this.check();
    this.refresh();
    return this.blobs.keys(prefix);
  }

  /** Writes a tombstone per key that has a blob, then removes the files they replaced. */
  async deleteBlobs(keys: readonly string[]): Promise<void> {
    this.check();
    if (keys.length === 0) return;
    for (const [i, key] of keys.entries()) if (typeof key !== 'string') throw invalid(`keys[${i}]`, 'must be a string');
    this.refresh();
    const present = [...new Set(keys)].filter((key) => this.blobs.file(key) !== undefined);
    if (present.length === 0) return;
    const losers = await this.commit(
      present.map((key) => ({ kind: 'blob', value: { key, deleted: true }, off: 0, len: 0, line: 0 })),
    );
    removeBlobFiles(this.layout.blobs, losers);
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    if (this.poll === undefined && !this.closed) {
      // Other processes' writes are found by the same cheap change check, a few times a second.
      this.poll = setInterval(() => {
        if (!this.closed) this.refresh();
      }, 200);
      this.poll.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.poll !== undefined) {
        clearInterval(this.poll);
        this.poll = undefined;
      }
    };
  }

  /** Rewrites index.ndjson from what this process knows; see snapshot.ts. */
  writeIndex(): void {
    this.refresh(true);
    const runs = this.runs.all();
    const header: SnapshotHeader = {
      segments: this.log.ends(),
      runCount: runs.length,
      components: this.components.versions(),
      pointers: this.pointers.versions(),
      blobs: this.blobs.versions(),
    };
    writeFileAtomic(
      this.layout.index,
      encodeSnapshot(header, runs, (seg) => seg),
      this.durable,
    );
    this.unindexed = 0;
  }

  async checkpoint(): Promise<void> {
    this.check();
    await this.serial(async () => this.writeIndex());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      try {
        if (this.unindexed >= this.indexAfter) this.writeIndex();
      } finally {
        this.closed = true;
        if (this.poll !== undefined) clearInterval(this.poll);
        this.listeners.clear();
        this.closeIndex();
        this.log.close();
      }
    });
  }
}
