/**
 * The segment log: a folder of append-only NDJSON segments shared by every process that opens
 * the store. Each writer appends only to a segment whose lock it holds, so writers never
 * interleave; readers follow every segment up to its last commit line.
 *
 * The log keeps no records: reading and appending return the committed batches they met, and
 * the store takes them in. All I/O is asynchronous, so a server over the store keeps serving
 * while one request reads.
 */
import { type FileHandle, open, readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { PipetraceError } from '../../src/errors.js';
import {
  fsyncDir,
  type Layout,
  LOCK_SUFFIX,
  lockState,
  newSegmentName,
  recoverStaleLock,
  SEGMENT_SUFFIX,
  storageError,
  tryLock,
} from './files.js';
import { type Batch, encodeCommit, type PlacedRecord, type Problem, parseSegment, type SegmentEnd } from './format.js';
import { type Place, rangesOf } from './ranges.js';

/** A committed batch and the segment (by number) it was read from or appended to. */
export interface SegmentBatch extends Batch {
  seg: number;
}

interface Segment {
  name: string;
  /** Just after the last commit line taken in so far. */
  end: SegmentEnd;
  /** Opened on first read; a promise, so that concurrent first reads share one handle. */
  file?: Promise<FileHandle>;
  /** Replaced by a compaction whose index this process took in: never read again. */
  retired?: boolean;
}

interface OwnSegment {
  seg: number;
  file: FileHandle;
  lock: string;
}

/** What reading a segment past its known end found; taken in only by `take`. */
interface Tail {
  seg: number;
  /** The segment's size on disk. */
  size: number;
  end: SegmentEnd;
  batches: Batch[];
}

export interface LogOptions {
  layout: Layout;
  durable: boolean;
  segmentMaxBytes: number;
  report: (problem: Problem) => void;
  /**
   * Of the segments a listing finds for the first time, those to leave unread for now (a
   * compaction's new segment whose index is taken in instead).
   */
  defer?: (names: readonly string[]) => Promise<ReadonlySet<string>>;
}

/**
 * `refresh`, `claim` and `announce` must not overlap one another (the store runs them one at a
 * time); `read` and `readMany` may run at any time; `write` only after `claim`, one at
 * a time.
 */
export class SegmentLog {
  private readonly segs: Segment[] = [];
  private readonly byName = new Map<string, number>();
  private own: OwnSegment | undefined;
  private lastAt = 0;
  /** New segments the last listing left unread (see LogOptions.defer). */
  deferred = 0;

  private constructor(
    private readonly o: LogOptions,
    private readonly changes: FileHandle,
    /** The size of `changes` when we last took in everything it announced. */
    private changesSize: number,
  ) {}

  static async open(o: LogOptions): Promise<SegmentLog> {
    const changes = await open(o.layout.changes, 'a');
    try {
      return new SegmentLog(o, changes, (await changes.stat()).size);
    } catch (error) {
      await changes.close();
      throw error;
    }
  }

  name(seg: number): string {
    return (this.segs[seg] as Segment).name;
  }

  /** The segment's path relative to the store folder, for problem reports. */
  file(seg: number): string {
    return `segments/${this.name(seg)}`;
  }

  /** Each segment with how far it has been taken in, in segment-number order (a retired one: none of it). */
  ends(): (SegmentEnd & { name: string })[] {
    return this.segs.map((s) => ({ name: s.name, ...(s.retired ? { bytes: 0, lines: 0 } : s.end) }));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The size of `changes` now (one fstat): unchanged since the last look, nothing was committed. */
  async announced(): Promise<number> {
    return (await this.changes.stat()).size;
  }

  /** Whether `changes` has grown to `size` since the last look. */
  changedAt(size: number): boolean {
    return size !== this.changesSize;
  }

  /**
   * Starts over from a compaction's index (store.ts adopt): its segments count as read up to
   * where it says, the segments it replaced are never read again, and any other segment is read
   * from its start by the next refresh. Our own segment keeps its end: returns its batches past
   * the index's end (those are in memory no more).
   */
  async rebase(
    indexed: readonly (SegmentEnd & { name: string })[],
    replaced: readonly string[],
  ): Promise<SegmentBatch[]> {
    for (const s of indexed) this.add(s.name);
    const ends = new Map(indexed.map((s) => [s.name, { bytes: s.bytes, lines: s.lines }]));
    const gone = new Set(replaced);
    const out: SegmentBatch[] = [];
    for (const [seg, s] of this.segs.entries()) {
      if (s.retired) continue;
      if (gone.has(s.name) && seg !== this.own?.seg) {
        s.retired = true;
        this.letGo(s);
        continue;
      }
      const from = ends.get(s.name) ?? { bytes: 0, lines: 0 };
      if (seg !== this.own?.seg) {
        s.end = from;
        continue;
      }
      const buf = await this.read(seg, from.bytes, s.end.bytes - from.bytes);
      for (const b of parseSegment(buf, from, this.file(seg), this.o.report).batches) out.push({ seg, ...b });
    }
    return out;
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
   * The batches other writers committed since the last look. A one-byte append to `changes`
   * follows every commit, so an unchanged size means there is nothing new (one fstat). All or
   * nothing: after a failure the same batches are found again by the next call. `seen`: the size
   * of `changes` the caller just read (announced()), so it is not looked at twice.
   */
  async refresh(force = false, opening = false, seen?: number): Promise<SegmentBatch[]> {
    const size = seen ?? (await this.announced());
    if (!force && size === this.changesSize) return [];
    const tails = await this.readTails(opening);
    this.changesSize = size;
    return this.take(tails);
  }

  /** The tail of every segment but our own, in segment order, without taking anything in. */
  private async readTails(opening: boolean): Promise<Map<number, Tail>> {
    const listed = (await readdir(this.o.layout.runs)).sort();
    const fresh = listed.filter((name) => name.endsWith(SEGMENT_SUFFIX) && !this.byName.has(name));
    const later = fresh.length > 0 && this.o.defer !== undefined ? await this.o.defer(fresh) : new Set<string>();
    for (const name of fresh) if (!later.has(name)) this.add(name);
    this.deferred = later.size;
    this.letGoOfRemoved(new Set(listed));
    const tails = new Map<number, Tail>();
    for (let seg = 0; seg < this.segs.length; seg++) {
      if (seg === this.own?.seg || (this.segs[seg] as Segment).retired) continue;
      const tail = await this.readTail(seg, (this.segs[seg] as Segment).end, opening);
      if (tail.batches.length > 0 || tail.end !== (this.segs[seg] as Segment).end) tails.set(seg, tail);
    }
    return tails;
  }

  /**
   * Closes the files of segments compaction removed (their lines live in its new segment), so
   * their space is freed; a little later, so that a read under way still finishes.
   */
  private letGoOfRemoved(listed: ReadonlySet<string>): void {
    for (const s of this.segs) if (!listed.has(s.name)) this.letGo(s);
  }

  private letGo(s: Segment): void {
    const file = s.file;
    if (file === undefined) return;
    s.file = undefined;
    setTimeout(() => file.then((f) => f.close()).catch(() => undefined), 10_000).unref();
  }

  /** Moves each segment's end past its tail and returns the tails' batches. */
  private take(tails: Map<number, Tail>): SegmentBatch[] {
    const out: SegmentBatch[] = [];
    for (const t of tails.values()) {
      (this.segs[t.seg] as Segment).end = t.end;
      for (const b of t.batches) out.push({ seg: t.seg, at: b.at, records: b.records });
    }
    return out;
  }

  private reader(seg: number): Promise<FileHandle> {
    const s = this.segs[seg] as Segment;
    if (s.file === undefined) {
      const opened = open(join(this.o.layout.runs, s.name), 'r');
      s.file = opened;
      // A segment that is not there yet may be there at the next look.
      opened.catch(() => {
        if (s.file === opened) s.file = undefined;
      });
    }
    return s.file;
  }

  /** `len` bytes of a segment from `off` (fewer at its end). */
  async read(seg: number, off: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await (await this.reader(seg)).read(buf, 0, len, off);
    return buf.subarray(0, bytesRead);
  }

  /** The bytes at many places, in their order; places close together in a segment share one read. */
  async readMany(places: readonly Place[]): Promise<Buffer[]> {
    const out = new Array<Buffer>(places.length);
    await Promise.all(
      rangesOf(places).map(async (range) => {
        const buf = await this.read(range.seg, range.off, range.len);
        for (const i of range.places) {
          const p = places[i] as Place;
          out[i] = buf.subarray(p.off - range.off, p.off - range.off + p.len);
        }
      }),
    );
    return out;
  }

  /** The committed batches of a segment past `from`. */
  private async readTail(seg: number, from: SegmentEnd, opening: boolean, recovered = false): Promise<Tail> {
    let file: FileHandle;
    try {
      file = await this.reader(seg);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { seg, size: 0, end: from, batches: [] };
      throw error;
    }
    let size = (await file.stat()).size;
    if (size <= from.bytes) return { seg, size, end: from, batches: [] };
    const s = this.segs[seg] as Segment;
    const buf = await this.read(seg, from.bytes, size - from.bytes);
    const parsed = parseSegment(buf, from, this.file(seg), this.o.report);
    // A tail without a commit is a write in flight, unless its writer is gone.
    if ((opening || recovered) && parsed.tailBytes > 0) {
      // A lock just recovered from a dead writer is ours now, and its tail that writer's.
      const lock = recovered ? 'stale' : await lockState(join(this.o.layout.runs, s.name + LOCK_SUFFIX));
      if (lock !== 'live' && !parsed.tailTorn) {
        // Not the shape a crash leaves (a hand edit after the last commit): report, never cut.
        const lines = parsed.tailProblems;
        if (lines.length === 0) lines.push({ file: this.file(seg), line: parsed.end.lines + 1, reason: '' });
        for (const p of lines) {
          this.o.report({ ...p, reason: `${p.reason ? `${p.reason}; ` : ''}not committed, left in place` });
        }
      } else if (lock !== 'live') {
        let what = 'ignored';
        // A dead writer's lock stays, so nobody else appends here: cutting the tail is safe and
        // stops the same report at every open.
        if (lock === 'stale') {
          try {
            await truncate(join(this.o.layout.runs, s.name), parsed.end.bytes);
            size = parsed.end.bytes;
            what = 'removed';
          } catch {
            // Read-only folder: keep ignoring it.
          }
        }
        this.o.report({
          file: this.file(seg),
          line: parsed.end.lines + 1,
          reason: `${parsed.tailBytes} bytes after the last commit (a write torn by a crash): ${what}`,
        });
      }
    }
    return { seg, size, end: parsed.end, batches: parsed.batches };
  }

  /** Whether the segment's byte before `bytes` is a newline (an editor may have removed the last one). */
  private async endsWithNewline(seg: number, bytes: number): Promise<boolean> {
    return bytes === 0 || (await this.read(seg, bytes - 1, 1))[0] === 10;
  }

  /**
   * Makes sure this process holds a segment to append to: claims an unlocked one with room to
   * spare, or starts a new one. Returns the batches others committed that it read on the way.
   */
  async claim(): Promise<SegmentBatch[]> {
    if (this.own !== undefined) return [];
    const size = (await this.changes.stat()).size;
    const tails = await this.readTails(false);
    for (let seg = 0; seg < this.segs.length; seg++) {
      const s = this.segs[seg] as Segment;
      const seen = tails.get(seg);
      const from = seen?.end ?? s.end;
      const lock = join(this.o.layout.runs, s.name + LOCK_SUFFIX);
      if (from.bytes >= this.o.segmentMaxBytes || s.retired) continue;
      let recovered = false;
      if (!(await tryLock(lock))) {
        // A lock whose writer died holds the segment for no one: take it over.
        recovered = (await recoverStaleLock(lock)) && (await tryLock(lock));
        if (!recovered) continue;
      }
      try {
        // Ours now: read what its last writer committed since; a tail torn by a dead writer is
        // cut, any other uncommitted tail means leave the segment alone.
        const tail = await this.readTail(seg, from, false, recovered);
        tails.set(seg, { ...tail, batches: [...(seen?.batches ?? []), ...tail.batches] });
        if (tail.size !== tail.end.bytes || !(await this.endsWithNewline(seg, tail.end.bytes))) {
          await rm(lock, { force: true });
          continue;
        }
        // Removed by compaction since we read it: not a segment to append to any more.
        const file = await open(join(this.o.layout.runs, s.name), 'r+').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        if (file === undefined) {
          await rm(lock, { force: true });
          continue;
        }
        this.changesSize = size;
        const batches = this.take(tails);
        this.own = { seg, file, lock };
        return batches;
      } catch (error) {
        await rm(lock, { force: true });
        throw error;
      }
    }
    const name = newSegmentName();
    const lock = join(this.o.layout.runs, name + LOCK_SUFFIX);
    if (!(await tryLock(lock))) throw new PipetraceError('conflict', `fs-json: segment name ${name} is taken`);
    let file: FileHandle;
    try {
      file = await open(join(this.o.layout.runs, name), 'wx');
      if (this.o.durable) await fsyncDir(this.o.layout.runs);
    } catch (error) {
      await rm(lock, { force: true });
      throw error;
    }
    this.changesSize = size;
    const batches = this.take(tails);
    this.own = { seg: this.add(name), file, lock };
    return batches;
  }

  /**
   * Appends batches of records (each already encoded as its `lines`), each followed by its own
   * commit line, to our segment in one write, syncs once, and returns the batches with where each
   * record landed. Several callers' batches share the write and the fsync (group commit), yet each
   * stays all or nothing. Needs `claim` first; then `announce` tells other processes.
   */
  async write(batches: readonly { records: PlacedRecord[]; lines: string[] }[]): Promise<SegmentBatch[]> {
    const own = this.own;
    if (own === undefined) throw new PipetraceError('storage', 'fs-json: write before claim');
    const s = this.segs[own.seg] as Segment;
    const start = s.end;
    this.lastAt = Math.max(Date.now(), this.lastAt);
    const at = this.lastAt;
    const commit = (b: { records: PlacedRecord[] }) => encodeCommit(b.records.length, at);
    const text = batches.map((b) => b.lines.join('') + commit(b)).join('');
    const buf = Buffer.from(text, 'utf8');
    try {
      let done = 0;
      while (done < buf.length) {
        done += (await own.file.write(buf, done, buf.length - done, start.bytes + done)).bytesWritten;
      }
      if (this.o.durable) await own.file.datasync();
    } catch (error) {
      try {
        await own.file.truncate(start.bytes);
      } catch {
        // Cannot undo: leave the segment (its tail is uncommitted) and start another next time.
        this.own = undefined;
        await own.file.close().catch(() => undefined);
      }
      throw storageError(`cannot write ${this.file(own.seg)}`, error);
    }
    let off = start.bytes;
    let line = start.lines;
    // All ASCII (the usual case) when bytes and characters agree: then no line needs measuring.
    const ascii = buf.length === text.length;
    for (const b of batches) {
      for (const [i, record] of b.records.entries()) {
        const text = b.lines[i] as string;
        record.off = off;
        record.len = ascii ? text.length : Buffer.byteLength(text, 'utf8');
        record.line = ++line;
        off += record.len;
      }
      // The commit line is ASCII.
      off += commit(b).length;
      line += 1;
    }
    s.end = { bytes: start.bytes + buf.length, lines: line };
    return batches.map(({ records }) => ({ seg: own.seg, at, records }));
  }

  /** Tells other processes that something was committed; lets a full segment go. */
  async announce(): Promise<void> {
    await this.changes.write('.');
    const size = (await this.changes.stat()).size;
    // Exactly one byte more: only ours, nothing else to read.
    if (size === this.changesSize + 1) this.changesSize = size;
    const own = this.own;
    if (own !== undefined && (this.segs[own.seg] as Segment).end.bytes >= this.o.segmentMaxBytes) {
      await this.release();
    }
  }

  /** Closes this process's segment and lets another writer take it. */
  private async release(): Promise<void> {
    const own = this.own;
    if (own === undefined) return;
    this.own = undefined;
    await own.file.close();
    await rm(own.lock, { force: true });
  }

  async close(): Promise<void> {
    await this.release();
    const files = this.segs.flatMap((s) => (s.file === undefined ? [] : [s.file]));
    await Promise.allSettled(files.map(async (f) => (await f).close()));
    await this.changes.close();
  }
}
