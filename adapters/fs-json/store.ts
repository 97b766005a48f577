import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { invalid, PipetraceError } from '../../src/errors.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import { cloneComponent, clonePointer } from '../../src/records.js';
import {
  type BlobRecord,
  MAX_BLOB_KEY_LENGTH,
  type RunPage,
  type RunScan,
  type StoreCapabilities,
  type StoreChange,
  type WriterQuery,
  type WriterRef,
} from '../../src/store.js';
import {
  ensureLayout,
  fsyncDir,
  type Layout,
  LOCK_SUFFIX,
  layoutOf,
  lockState,
  newBlobFile,
  newSegmentName,
  SEGMENT_SUFFIX,
  storageError,
  tryLock,
  writeFileAtomic,
} from './files.js';
import {
  type BlobRef,
  compareVersions,
  decodeLine,
  encodeCommit,
  encodeRecord,
  type PlacedRecord,
  type Problem,
  parseSegment,
  type SegmentEnd,
  type SegmentRecord,
  type Version,
} from './format.js';
import type { FsJsonOptions, FsJsonStore } from './index.js';
import { type RunRef, RunRefs } from './run-refs.js';
import { decodeSnapshot, encodeSnapshot, type SnapshotHeader, type Versioned } from './snapshot.js';

const fdatasync = promisify(fs.fdatasync);
/** Rewrite the index during writes once this many records are not in it. */
const INDEX_WHILE_WRITING = 100_000;
const MAX_PROBLEMS = 1000;

interface Segment {
  name: string;
  /** Just after the last commit line read so far. */
  end: SegmentEnd;
  fd?: number;
}

interface OwnSegment {
  seg: number;
  fd: number;
  lock: string;
}

export class FsJsonStoreImpl implements FsJsonStore {
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  readonly dir: string;
  private readonly layout: Layout;
  private readonly durable: boolean;
  private readonly indexAfter: number;
  private readonly segmentMaxBytes: number;
  private readonly onCorrupt: (problem: Problem) => void;
  private readonly segs: Segment[] = [];
  private readonly segByName = new Map<string, number>();
  private readonly components = new Map<string, Versioned<Component>>();
  private readonly pointers = new Map<string, Versioned<PointerRecord>>();
  private readonly blobs = new Map<string, Versioned<BlobRef>>();
  private readonly found: Problem[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private runs!: RunRefs;
  private own: OwnSegment | undefined;
  private changesFd: number;
  private changesSize = 0;
  private unindexed = 0;
  private lastAt = 0;
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
    this.segmentMaxBytes = options.segmentMaxBytes ?? 64 * 1024 * 1024;
    this.capabilities = { durable: this.durable, concurrent: true, live: true, binary: true };
    this.onCorrupt =
      options.onCorrupt ?? ((p) => console.warn(`pipetrace fs-json: ${join(this.dir, p.file)}:${p.line}: ${p.reason}`));
    this.layout = layoutOf(options.dir);
    try {
      ensureLayout(this.layout);
      this.changesFd = fs.openSync(this.layout.changes, 'a');
      this.changesSize = fs.fstatSync(this.changesFd).size;
      this.load();
    } catch (error) {
      throw error instanceof PipetraceError ? error : storageError(`cannot open ${options.dir}`, error);
    }
  }

  problems(): Problem[] {
    return this.found.map((p) => ({ ...p }));
  }

  private report(problem: Problem): void {
    if (this.found.length < MAX_PROBLEMS) this.found.push(problem);
    this.onCorrupt({ ...problem });
  }

  private segFile(seg: number): string {
    return `segments/${(this.segs[seg] as Segment).name}`;
  }

  private addSegment(name: string, end: SegmentEnd = { bytes: 0, lines: 0 }): number {
    const known = this.segByName.get(name);
    if (known !== undefined) return known;
    this.segs.push({ name, end });
    this.segByName.set(name, this.segs.length - 1);
    return this.segs.length - 1;
  }

  /** Reads the index file (if usable) and then every segment's committed lines beyond it. */
  private load(): void {
    let snapshot: ReturnType<typeof decodeSnapshot> | undefined;
    try {
      snapshot = decodeSnapshot(fs.readFileSync(this.layout.index));
      for (const s of snapshot.header.segments) {
        const size = fs.statSync(join(this.layout.runs, s.name), { throwIfNoEntry: false })?.size ?? -1;
        if (size < s.bytes) throw new Error(`segment ${s.name} is shorter than the index says`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.report({
          file: 'index.ndjson',
          line: 0,
          reason: `unusable index, rebuilt from segments: ${String(error)}`,
        });
      }
      snapshot = undefined;
    }
    if (snapshot === undefined) {
      this.runs = new RunRefs([], true, (n) => this.segs[n]?.name ?? '', undefined);
    } else {
      const { header, window, rest } = snapshot;
      for (const s of header.segments) this.addSegment(s.name, { bytes: s.bytes, lines: s.lines });
      for (const c of header.components) this.components.set(c.value.name, c);
      for (const p of header.pointers) this.pointers.set(p.value.name, p);
      for (const b of header.blobs) this.blobs.set(b.value.key, b);
      const complete = header.runCount <= window.length;
      const covered = header.segments.map((s) => s.bytes);
      const all = () => {
        try {
          return rest();
        } catch (error) {
          this.report({ file: 'index.ndjson', line: 3, reason: `unreadable, rebuilt from segments: ${String(error)}` });
          return this.runsFromSegments(covered);
        }
      };
      this.runs = new RunRefs(window, complete, (n) => this.segs[n]?.name ?? '', all);
    }
    this.refresh(true, true);
  }

  /** Every run written in the first `covered[seg]` bytes of each segment (when the index is unreadable). */
  private runsFromSegments(covered: number[]): RunRef[] {
    const refs: RunRef[] = [];
    covered.forEach((bytes, seg) => {
      const buf = Buffer.allocUnsafe(bytes);
      const got = fs.readSync(this.readFd(seg), buf, 0, bytes, 0);
      const parsed = parseSegment(buf.subarray(0, got), { bytes: 0, lines: 0 }, this.segFile(seg), (p) =>
        this.report(p),
      );
      for (const batch of parsed.batches) {
        for (const r of batch.records) {
          if (r.kind !== 'run') continue;
          const { id, component, startedAt, endedAt, inputs, outputs } = r.value;
          refs.push({
            id,
            component,
            startedAt,
            endedAt,
            inputs,
            outputs,
            seg,
            off: r.off,
            len: r.len,
            line: r.line,
            at: batch.at,
          });
        }
      }
    });
    return refs;
  }

  /**
   * Reads what other writers committed since the last look. A one-byte append to `changes`
   * follows every commit, so an unchanged size means there is nothing new (one fstat).
   */
  private refresh(force = false, opening = false): void {
    const size = fs.fstatSync(this.changesFd).size;
    if (!force && size === this.changesSize) return;
    this.changesSize = size;
    for (const name of fs.readdirSync(this.layout.runs).sort()) {
      if (name.endsWith(SEGMENT_SUFFIX)) this.addSegment(name);
    }
    const live = this.listeners.size > 0;
    if (live) this.heard = { runs: [], components: [], pointers: [] };
    for (let seg = 0; seg < this.segs.length; seg++) {
      if (seg !== this.own?.seg) this.readTail(seg, opening);
    }
    const heard = this.heard;
    this.heard = undefined;
    if (heard !== undefined) {
      if (heard.runs.length > 0) this.emit({ kind: 'runs', ids: heard.runs });
      if (heard.components.length > 0) this.emit({ kind: 'components', names: heard.components });
      if (heard.pointers.length > 0) this.emit({ kind: 'pointers', names: heard.pointers });
    }
  }

  private readFd(seg: number): number {
    const s = this.segs[seg] as Segment;
    if (s.fd === undefined) s.fd = fs.openSync(join(this.layout.runs, s.name), 'r');
    return s.fd;
  }

  /** Applies the committed batches of a segment past what was read; returns its size on disk. */
  private readTail(seg: number, opening: boolean): number {
    const s = this.segs[seg] as Segment;
    let fd: number;
    try {
      fd = this.readFd(seg);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const size = fs.fstatSync(fd).size;
    if (size <= s.end.bytes) return size;
    const buf = Buffer.allocUnsafe(size - s.end.bytes);
    const got = fs.readSync(fd, buf, 0, buf.length, s.end.bytes);
    const file = this.segFile(seg);
    const parsed = parseSegment(buf.subarray(0, got), s.end, file, (p) => this.report(p));
    for (const batch of parsed.batches) {
      for (const record of batch.records) this.apply(record, seg, batch.at);
    }
    s.end = parsed.end;
    // A tail without a commit is a write in flight, unless its writer is gone.
    if (opening && parsed.tailBytes > 0 && lockState(join(this.layout.runs, s.name + LOCK_SUFFIX)) !== 'live') {
      this.report({
        file,
        line: s.end.lines + 1,
        reason: `${parsed.tailBytes} bytes after the last commit (a write torn by a crash): ignored`,
      });
    }
    return size;
  }

  /** Applies one committed record; returns the blob file that lost, if any, so it can go. */
  private apply(record: PlacedRecord, seg: number, at: number): string | undefined {
    this.unindexed += 1;
    const v: Version = { at, seg: (this.segs[seg] as Segment).name, off: record.off };
    switch (record.kind) {
      case 'run': {
        const r = record.value;
        this.runs.apply({
          id: r.id,
          component: r.component,
          startedAt: r.startedAt,
          endedAt: r.endedAt,
          inputs: r.inputs,
          outputs: r.outputs,
          seg,
          off: record.off,
          len: record.len,
          line: record.line,
          at,
        });
        this.heard?.runs.push(r.id);
        return undefined;
      }
      case 'component':
        if (newer(this.components, record.value.name, v)) {
          this.components.set(record.value.name, { v, value: record.value });
          this.heard?.components.push(record.value.name);
        }
        return undefined;
      case 'pointer':
        if (newer(this.pointers, record.value.name, v)) {
          this.pointers.set(record.value.name, { v, value: record.value });
          this.heard?.pointers.push(record.value.name);
        }
        return undefined;
      case 'blob': {
        const old = this.blobs.get(record.value.key);
        if (!newer(this.blobs, record.value.key, v)) return record.value.file;
        this.blobs.set(record.value.key, { v, value: record.value });
        return old?.value.file;
      }
    }
  }

  private check(): void {
    if (this.closed) throw new PipetraceError('unavailable', `${this.kind} is closed`);
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Claims an unlocked segment with room to spare, or starts a new one. */
  private ensureOwn(): OwnSegment {
    if (this.own !== undefined) return this.own;
    this.refresh(true);
    for (let seg = 0; seg < this.segs.length; seg++) {
      const s = this.segs[seg] as Segment;
      const lock = join(this.layout.runs, s.name + LOCK_SUFFIX);
      if (s.end.bytes >= this.segmentMaxBytes || fs.existsSync(lock) || !tryLock(lock)) continue;
      // Ours now: read what its last writer committed; a torn tail means leave it alone.
      if (this.readTail(seg, false) !== s.end.bytes) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      this.own = { seg, fd: fs.openSync(join(this.layout.runs, s.name), 'r+'), lock };
      return this.own;
    }
    const name = newSegmentName();
    const lock = join(this.layout.runs, name + LOCK_SUFFIX);
    if (!tryLock(lock)) throw new PipetraceError('conflict', `fs-json: segment name ${name} is taken`);
    const fd = fs.openSync(join(this.layout.runs, name), 'wx');
    if (this.durable) fsyncDir(this.layout.runs);
    this.own = { seg: this.addSegment(name), fd, lock };
    return this.own;
  }

  private releaseOwn(): void {
    const own = this.own;
    if (own === undefined) return;
    this.own = undefined;
    fs.closeSync(own.fd);
    fs.rmSync(own.lock, { force: true });
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
  private async commit(records: SegmentRecord[]): Promise<string[]> {
    const lines = records.map((r) => {
      try {
        return encodeRecord(r);
      } catch (error) {
        throw invalid(r.kind, `cannot be stored as JSON: ${String(error)}`);
      }
    });
    return this.serial(async () => {
      this.check();
      const own = this.ensureOwn();
      const s = this.segs[own.seg] as Segment;
      const start = s.end;
      this.lastAt = Math.max(Date.now(), this.lastAt);
      const buf = Buffer.from(lines.join('') + encodeCommit(records.length, this.lastAt), 'utf8');
      try {
        let done = 0;
        while (done < buf.length) done += fs.writeSync(own.fd, buf, done, buf.length - done, start.bytes + done);
        if (this.durable) await fdatasync(own.fd);
      } catch (error) {
        try {
          fs.ftruncateSync(own.fd, start.bytes);
        } catch {
          // Cannot undo: leave the segment (its tail is uncommitted) and start another next time.
          this.own = undefined;
          fs.closeSync(own.fd);
        }
        throw storageError(`cannot write ${this.segFile(own.seg)}`, error);
      }
      const losers: string[] = [];
      let off = start.bytes;
      records.forEach((record, i) => {
        const len = Buffer.byteLength(lines[i] as string, 'utf8');
        const lost = this.apply(
          { ...record, off, len, line: start.lines + i + 1 } as PlacedRecord,
          own.seg,
          this.lastAt,
        );
        if (lost !== undefined) losers.push(lost);
        off += len;
      });
      s.end = { bytes: start.bytes + buf.length, lines: start.lines + records.length + 1 };
      this.announce();
      if (this.unindexed >= INDEX_WHILE_WRITING) this.writeIndex();
      if (s.end.bytes >= this.segmentMaxBytes) this.releaseOwn();
      return losers;
    });
  }

  /** Tells other processes (and their cheap change check) that something was committed. */
  private announce(): void {
    fs.writeSync(this.changesFd, '.');
    const size = fs.fstatSync(this.changesFd).size;
    // Exactly one byte more: only ours, nothing else to read.
    if (size === this.changesSize + 1) this.changesSize = size;
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    this.check();
    if (runs.length === 0) return;
    for (const [i, r] of runs.entries()) {
      if (typeof r?.id !== 'string' || r.id === '') throw invalid(`runs[${i}].id`, 'must be a non-empty string');
    }
    await this.commit(runs.map((value) => ({ kind: 'run', value })));
    this.emit({ kind: 'runs', ids: runs.map((r) => r.id) });
  }

  private readRun(ref: RunRef): Run | undefined {
    const buf = Buffer.allocUnsafe(ref.len);
    fs.readSync(this.readFd(ref.seg), buf, 0, ref.len, ref.off);
    const decoded = decodeLine(buf.toString('utf8', 0, ref.len - 1));
    if ('record' in decoded && decoded.record.kind === 'run' && decoded.record.value.id === ref.id) {
      return decoded.record.value;
    }
    this.report({
      file: this.segFile(ref.seg),
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
    await this.commit(components.map((c) => ({ kind: 'component', value: cloneComponent(c) })));
    this.emit({ kind: 'components', names: components.map((c) => c.name) });
  }

  async getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    this.check();
    this.refresh();
    return names.map((n) => {
      const c = this.components.get(n);
      return c === undefined ? undefined : cloneComponent(c.value);
    });
  }

  async scanComponents(): Promise<Component[]> {
    this.check();
    this.refresh();
    return [...this.components.values()]
      .map((c) => cloneComponent(c.value))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    this.check();
    if (pointers.length === 0) return;
    await this.commit(pointers.map((p) => ({ kind: 'pointer', value: clonePointer(p) })));
    this.emit({ kind: 'pointers', names: pointers.map((p) => p.name) });
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    this.check();
    this.refresh();
    return names.map((n) => {
      const p = this.pointers.get(n);
      return p === undefined ? undefined : clonePointer(p.value);
    });
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    this.check();
    this.refresh();
    const out: PointerRecord[] = [];
    for (const p of this.pointers.values()) {
      if (filter.flagged === undefined || p.value.flagged === filter.flagged) out.push(clonePointer(p.value));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    this.check();
    if (blobs.length === 0) return;
    for (const [i, b] of blobs.entries()) checkBlob(b, i);
    const records: SegmentRecord[] = [];
    const dirs = new Set<string>();
    try {
      // Each version gets a new file; the commit line is what makes it the key's value.
      for (const b of blobs) {
        const file = newBlobFile(b.key);
        const sub = join(this.layout.blobs, file.slice(0, 2));
        if (!dirs.has(sub)) fs.mkdirSync(sub, { recursive: true });
        dirs.add(sub);
        writeFileAtomic(join(this.layout.blobs, file), b.data, this.durable);
        records.push({ kind: 'blob', value: { key: b.key, file, size: b.data.length } });
      }
      if (this.durable) for (const d of [...dirs, this.layout.blobs]) fsyncDir(d);
    } catch (error) {
      for (const r of records) if (r.kind === 'blob') fs.rmSync(join(this.layout.blobs, r.value.file), { force: true });
      throw storageError('cannot write blobs', error);
    }
    const losers = await this.commit(records);
    for (const file of losers) fs.rmSync(join(this.layout.blobs, file), { force: true });
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.check();
    this.refresh();
    return keys.map((key) => this.readBlob(key, true));
  }

  private readBlob(key: string, retry: boolean): Uint8Array | undefined {
    const ref = this.blobs.get(key);
    if (ref === undefined) return undefined;
    try {
      const data = fs.readFileSync(join(this.layout.blobs, ref.value.file));
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw storageError(`cannot read blob ${ref.value.file}`, error);
      // Another writer may have replaced it since we looked: look again once.
      if (retry) {
        this.refresh(true);
        return this.readBlob(key, false);
      }
      this.report({ file: `blobs/${ref.value.file}`, line: 0, reason: `blob ${JSON.stringify(key)} is missing` });
      return undefined;
    }
  }

  async listBlobs(prefix: string): Promise<string[]> {
    this.check();
    this.refresh();
    const out: string[] = [];
    for (const key of this.blobs.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort();
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
      segments: this.segs.map((s) => ({ name: s.name, bytes: s.end.bytes, lines: s.end.lines })),
      runCount: runs.length,
      components: [...this.components.values()],
      pointers: [...this.pointers.values()],
      blobs: [...this.blobs.values()],
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
        this.releaseOwn();
        for (const s of this.segs) if (s.fd !== undefined) fs.closeSync(s.fd);
        fs.closeSync(this.changesFd);
      }
    });
  }
}

function newer<T>(map: Map<string, Versioned<T>>, key: string, v: Version): boolean {
  const old = map.get(key);
  return old === undefined || compareVersions(v, old.v) > 0;
}

function checkBlob(b: BlobRecord, i: number): void {
  if (typeof b?.key !== 'string') throw invalid(`blobs[${i}].key`, 'must be a string');
  if (b.key.length > MAX_BLOB_KEY_LENGTH) {
    throw invalid(`blobs[${i}].key`, `is ${b.key.length} characters long; the limit is ${MAX_BLOB_KEY_LENGTH}`);
  }
  if (b.key.includes('\u0000')) throw invalid(`blobs[${i}].key`, 'must not contain NUL');
  if (!(b.data instanceof Uint8Array)) throw invalid(`blobs[${i}].data`, 'must be a Uint8Array');
}
