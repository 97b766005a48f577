/**
 * The segment log: a folder of append-only NDJSON segments shared by every process that opens
 * the store. Each writer appends only to a segment whose lock it holds, so writers never
 * interleave; readers follow every segment up to its last commit line.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PipetraceError } from '../../src/errors.js';
import {
  fsyncDir,
  type Layout,
  LOCK_SUFFIX,
  lockState,
  newSegmentName,
  SEGMENT_SUFFIX,
  storageError,
  tryLock,
} from './files.js';
import { encodeCommit, type PlacedRecord, type Problem, parseSegment, type SegmentEnd } from './format.js';
import type { RunRef } from './run-refs.js';

const fdatasync = promisify(fs.fdatasync);

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

export interface LogOptions {
  layout: Layout;
  durable: boolean;
  segmentMaxBytes: number;
  report: (problem: Problem) => void;
  /** Receives every committed record, from this process or another, once. */
  apply: (record: PlacedRecord, seg: number, at: number) => void;
}

export class SegmentLog {
  private readonly segs: Segment[] = [];
  private readonly byName = new Map<string, number>();
  private own: OwnSegment | undefined;
  private readonly changesFd: number;
  private changesSize: number;
  private lastAt = 0;

  constructor(private readonly o: LogOptions) {
    this.changesFd = fs.openSync(o.layout.changes, 'a');
    this.changesSize = fs.fstatSync(this.changesFd).size;
  }

  name(seg: number): string {
    return (this.segs[seg] as Segment).name;
  }

  /** The segment's path relative to the store folder, for problem reports. */
  file(seg: number): string {
    return `segments/${this.name(seg)}`;
  }

  /** Each segment with how far it has been read, in segment-number order. */
  ends(): (SegmentEnd & { name: string })[] {
    return this.segs.map((s) => ({ name: s.name, ...s.end }));
  }

  /** Registers a segment (with what is already known of it) and returns its number. */
  add(name: string, end: SegmentEnd = { bytes: 0, lines: 0 }): number {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    this.segs.push({ name, end });
    this.byName.set(name, this.segs.length - 1);
    return this.segs.length - 1;
  }

  /**
   * Reads what other writers committed since the last look. A one-byte append to `changes`
   * follows every commit, so an unchanged size means there is nothing new (one fstat).
   */
  refresh(force = false, opening = false): void {
    const size = fs.fstatSync(this.changesFd).size;
    if (!force && size === this.changesSize) return;
    this.changesSize = size;
    for (const name of fs.readdirSync(this.o.layout.runs).sort()) {
      if (name.endsWith(SEGMENT_SUFFIX)) this.add(name);
    }
    for (let seg = 0; seg < this.segs.length; seg++) {
      if (seg !== this.own?.seg) this.readTail(seg, opening);
    }
  }

  private readFd(seg: number): number {
    const s = this.segs[seg] as Segment;
    if (s.fd === undefined) s.fd = fs.openSync(join(this.o.layout.runs, s.name), 'r');
    return s.fd;
  }

  /** `len` bytes of a segment from `off`. */
  read(seg: number, off: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    const got = fs.readSync(this.readFd(seg), buf, 0, len, off);
    return buf.subarray(0, got);
  }

  /**
   * Every run in the first `covered[seg]` bytes of each segment, read afresh (for when the
   * index that covered them is unreadable). Bad lines there are reported.
   */
  runsIn(covered: number[]): RunRef[] {
    const refs: RunRef[] = [];
    for (const [seg, bytes] of covered.entries()) {
      const parsed = parseSegment(this.read(seg, 0, bytes), { bytes: 0, lines: 0 }, this.file(seg), this.o.report);
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
    }
    return refs;
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
    const buf = this.read(seg, s.end.bytes, size - s.end.bytes);
    const parsed = parseSegment(buf, s.end, this.file(seg), this.o.report);
    for (const batch of parsed.batches) {
      for (const record of batch.records) this.o.apply(record, seg, batch.at);
    }
    s.end = parsed.end;
    // A tail without a commit is a write in flight, unless its writer is gone.
    if (opening && parsed.tailBytes > 0) {
      const lock = lockState(join(this.o.layout.runs, s.name + LOCK_SUFFIX));
      if (lock !== 'live') {
        let what = 'ignored';
        // A dead writer's lock stays, so nobody else appends here: cutting the tail is safe and
        // stops the same report at every open.
        if (lock === 'stale') {
          try {
            fs.truncateSync(join(this.o.layout.runs, s.name), s.end.bytes);
            what = 'removed';
          } catch {
            // Read-only folder: keep ignoring it.
          }
        }
        this.o.report({
          file: this.file(seg),
          line: s.end.lines + 1,
          reason: `${parsed.tailBytes} bytes after the last commit (a write torn by a crash): ${what}`,
        });
      }
    }
    return size;
  }

  /** Claims an unlocked segment with room to spare, or starts a new one. */
  private ensureOwn(): OwnSegment {
    if (this.own !== undefined) return this.own;
    this.refresh(true);
    for (let seg = 0; seg < this.segs.length; seg++) {
      const s = this.segs[seg] as Segment;
      const lock = join(this.o.layout.runs, s.name + LOCK_SUFFIX);
      if (s.end.bytes >= this.o.segmentMaxBytes || fs.existsSync(lock) || !tryLock(lock)) continue;
      // Ours now: read what its last writer committed; a torn tail means leave it alone.
      if (this.readTail(seg, false) !== s.end.bytes) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      this.own = { seg, fd: fs.openSync(join(this.o.layout.runs, s.name), 'r+'), lock };
      return this.own;
    }
    const name = newSegmentName();
    const lock = join(this.o.layout.runs, name + LOCK_SUFFIX);
    if (!tryLock(lock)) throw new PipetraceError('conflict', `fs-json: segment name ${name} is taken`);
    const fd = fs.openSync(join(this.o.layout.runs, name), 'wx');
    if (this.o.durable) fsyncDir(this.o.layout.runs);
    this.own = { seg: this.add(name), fd, lock };
    return this.own;
  }

  /** Closes this process's segment and lets another writer take it. */
  release(): void {
    const own = this.own;
    if (own === undefined) return;
    this.own = undefined;
    fs.closeSync(own.fd);
    fs.rmSync(own.lock, { force: true });
  }

  /**
   * Appends the records (already encoded as `lines`) and a commit line in one write, syncs,
   * fills in where each record landed, applies them, and tells other processes. Callers must
   * not run two appends at once.
   */
  async append(records: PlacedRecord[], lines: string[]): Promise<void> {
    const own = this.ensureOwn();
    const s = this.segs[own.seg] as Segment;
    const start = s.end;
    this.lastAt = Math.max(Date.now(), this.lastAt);
    const at = this.lastAt;
    const text = lines.join('') + encodeCommit(records.length, at);
    const buf = Buffer.from(text, 'utf8');
    try {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(own.fd, buf, done, buf.length - done, start.bytes + done);
      if (this.o.durable) await fdatasync(own.fd);
    } catch (error) {
      try {
        fs.ftruncateSync(own.fd, start.bytes);
      } catch {
        // Cannot undo: leave the segment (its tail is uncommitted) and start another next time.
        this.own = undefined;
        fs.closeSync(own.fd);
      }
      throw storageError(`cannot write ${this.file(own.seg)}`, error);
    }
    let off = start.bytes;
    // All ASCII (the usual case) when bytes and characters agree: then no line needs measuring.
    const ascii = buf.length === text.length;
    for (const [i, record] of records.entries()) {
      const line = lines[i] as string;
      record.off = off;
      record.len = ascii ? line.length : Buffer.byteLength(line, 'utf8');
      record.line = start.lines + i + 1;
      this.o.apply(record, own.seg, at);
      off += record.len;
    }
    s.end = { bytes: start.bytes + buf.length, lines: start.lines + records.length + 1 };
    fs.writeSync(this.changesFd, '.');
    const size = fs.fstatSync(this.changesFd).size;
    // Exactly one byte more: only ours, nothing else to read.
    if (size === this.changesSize + 1) this.changesSize = size;
    if (s.end.bytes >= this.o.segmentMaxBytes) this.release();
  }

  close(): void {
    this.release();
    for (const s of this.segs) if (s.fd !== undefined) fs.closeSync(s.fd);
    fs.closeSync(this.changesFd);
  }
}
