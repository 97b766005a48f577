import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid, PipetraceError } from '../../src/errors.js';
import { Listeners } from '../../src/listeners.js';
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
import { SmallBlobCache } from './blob-cache.js';
import {
  checkBlobs,
  PARALLEL_FILES,
  ReadBuffers,
  readBlobFile,
  readBlobLent,
  removeBlobFiles,
  writeBlobFiles,
} from './blobs.js';
import { type CompactOptions, type CompactReport, compactFsStore } from './compact.js';
import {
  DEFAULT_COMPACT_MIN_BYTES,
  DEFAULT_COMPACT_RATIO,
  type DeadBytes,
  deadBytes,
  wantsCompaction,
} from './compact-auto.js';
import { readManifest, recoverCompaction } from './compact-manifest.js';
import { ensureLayout, type Layout, layoutOf, storageError, writeFileAtomic } from './files.js';
import { decodeLine, encodeRecord, type PlacedRecord, type Problem } from './format.js';
import { type OpenIndex, openIndexFile } from './index-file.js';
import { type Lent, lendInOrder, mapLimited, Queue } from './jobs.js';
import { SegmentLog } from './log.js';
import type { FsJsonOptions, FsJsonStore } from './options.js';
import { Problems } from './problems.js';
import { RunColumns } from './run-columns.js';
import { type RunRef, RunRefs } from './run-refs.js';
import { encodeSnapshotOf, WINDOW_SIZE } from './snapshot.js';
import { type Folded, StoreState } from './state.js';

/** Rewrite the index during writes once this many records are not in it. */
const INDEX_WHILE_WRITING = 100_000;

/** A file's identity and size, to tell whether it changed ('' when it is missing). */
async function statKey(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/** Of new segments, the one a compaction under way writes: its index is taken in instead (adopt). */
async function deferCompacted(layout: Layout, names: readonly string[]): Promise<ReadonlySet<string>> {
  const m = await readManifest(layout).catch(() => undefined);
  return new Set(m !== undefined && names.includes(m.output) ? [m.output] : []);
}

/** The in-memory state for what the index file and the segments hold; see state.ts. */
function stateFrom(log: SegmentLog, index: OpenIndex | undefined): StoreState {
  const segName = (n: number) => log.name(n);
  if (index === undefined) return new StoreState(new RunRefs(RunColumns.empty(), segName), segName);
  const { header, columns } = index.snapshot;
  // Registered first, so the index file's segment numbers are this process's too.
  for (const s of header.segments) log.add(s.name, { bytes: s.bytes, lines: s.lines });
  return new StoreState(new RunRefs(columns, segName), segName, header);
}

/**
 * The fs-json store: the in-memory state (state.ts) kept in step with the segment log (log.ts).
 * Reading the log and folding what it returns happen one at a time (`disk`), writes one at a
 * time in call order (`writes`); queries run side by side.
 */
export class FsJsonStoreImpl implements FsJsonStore {
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  readonly dir: string;
  private readonly durable: boolean;
  private readonly indexAfter: number;
  private readonly listeners = new Listeners<StoreChange>();
  private readonly writes = new Queue();
  private readonly disk = new Queue();
  /** Commits waiting for the write under way, to be written together next. */
  private group: { batches: { records: PlacedRecord[]; lines: string[] }[]; done: Promise<string[][]> } | undefined;
  /** A refresh waiting for `disk`: queries that come meanwhile share it. */
  private queued: Promise<void> | undefined;
  /** Queries under way, which close lets finish before it closes the files. */
  private readonly reads = new Set<Promise<unknown>>();
  /** Small blob files read before (a file never changes: a new version is a new file). */
  private readonly smallBlobs = new SmallBlobCache();
  private readonly readBuffers = new ReadBuffers();
  /**
   * Run lines read before, by segment name and offset: a committed line never changes (segments
   * are appended to, and compaction writes a segment under a new name). A warm trace reads the
   * same few runs at every step; this spares each of them a read through the thread pool.
   */
  private readonly runLines = new SmallBlobCache(16 * 1024, 4 * 1024 * 1024);
  private poll: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Dead segment bytes as of the last index rewrite: close compacts when they pass the ratio. */
  private dead: DeadBytes | undefined;
  /** Index files replaced by a compaction's (see adopt): queries under way may still read them. */
  private readonly retired = new Set<OpenIndex>();
  /** The index file as last looked at, to look again only when it changed. */
  private indexSeen = '';

  private constructor(
    private readonly options: FsJsonOptions,
    private readonly layout: Layout,
    private readonly found: Problems,
    private readonly log: SegmentLog,
    private state: StoreState,
    /** The index file, open while the store is: its line 3 is read on demand. */
    private index: OpenIndex | undefined,
  ) {
    this.dir = options.dir;
    this.kind = `fs-json:${options.dir}`;
    this.durable = options.durable ?? true;
    this.indexAfter = options.indexAfter ?? 1000;
    this.capabilities = { durable: this.durable, concurrent: true, live: true, binary: true };
  }

  /** Opens (or creates) the store folder, reading the index file and then the segments past it. */
  static async open(options: FsJsonOptions): Promise<FsJsonStoreImpl> {
    const layout = layoutOf(options.dir);
    const found = new Problems(
      options.onCorrupt ??
        ((p) => console.warn(`pipetrace fs-json: ${join(options.dir, p.file)}:${p.line}: ${p.reason}`)),
    );
    const report = (p: Problem) => found.report(p);
    let log: SegmentLog | undefined;
    let index: OpenIndex | undefined;
    try {
      await ensureLayout(layout);
      // A compaction killed half way: finish it (or undo it) before reading anything.
      await recoverCompaction(layout, options.durable ?? true);
      log = await SegmentLog.open({
        layout,
        durable: options.durable ?? true,
        segmentMaxBytes: options.segmentMaxBytes ?? 64 * 1024 * 1024,
        report,
        defer: (names) => deferCompacted(layout, names),
      });
      index = await openIndexFile(layout, report);
      const store = new FsJsonStoreImpl(options, layout, found, log, stateFrom(log, index), index);
      const header = index?.snapshot.header;
      // A compaction's index: the segments it replaced, if still there, are copies not to read.
      if (header?.replaced !== undefined) await log.rebase(header.segments, header.replaced);
      await store.refresh(true, true);
      return store;
    } catch (error) {
      await index?.close().catch(() => undefined);
      await log?.close().catch(() => undefined);
      throw error instanceof PipetraceError ? error : storageError(`cannot open ${options.dir}`, error);
    }
  }

  problems(): Problem[] {
    return this.found.list();
  }

  /** Takes in other processes' commits and tells live listeners about them. */
  private refresh(force = false, opening = false): Promise<void> {
    if (force) return this.takeIn(true, opening);
    this.queued ??= this.takeIn(false, false);
    return this.queued;
  }

  private async takeIn(force: boolean, opening: boolean): Promise<void> {
    const folded = await this.disk.run(async () => {
      // From here on a new query needs a look of its own: what it waits for may come after this stat.
      if (!force) this.queued = undefined;
      // One look at `changes` serves both questions below when nothing forces a full read.
      const seen = force || opening ? undefined : await this.log.announced();
      const adopted = !opening && (seen === undefined || this.log.changedAt(seen)) && (await this.adopt());
      const folded = this.state.fold(await this.log.refresh(force || adopted, opening, adopted ? undefined : seen));
      // A compaction's new segment left unread: its index is there by now, or soon.
      if (this.log.deferred > 0 && (await this.adopt())) this.state.fold(await this.log.refresh(true));
      return folded;
    });
    this.tell(folded);
  }

  /**
   * Takes in the index a compaction wrote, when it names a segment this process has not read:
   * the index describes that segment exactly, so the new state comes from it instead of from
   * re-reading the segment (hundreds of MB at a million runs). Runs in `disk`.
   */
  private async adopt(): Promise<boolean> {
    const seen = await statKey(this.layout.index);
    if (seen === this.indexSeen) return false;
    this.indexSeen = seen;
    const index = await openIndexFile(this.layout, () => {});
    const header = index?.snapshot.header;
    const first = header?.segments[0]?.name;
    if (index === undefined || header?.replaced === undefined || first === undefined || this.log.has(first)) {
      await index?.close();
      return false;
    }
    index.snapshot.columns.mapSegments(header.segments.map((s) => this.log.add(s.name)));
    const own = await this.log.rebase(header.segments, header.replaced);
    const segName = (n: number) => this.log.name(n);
    const state = new StoreState(new RunRefs(index.snapshot.columns, segName), segName, header);
    // Our own commits past the index: already told, and in the new state again.
    state.fold(own);
    const old = this.index;
    this.state = state;
    this.index = index;
    if (old !== undefined) {
      this.retired.add(old);
      setTimeout(() => {
        if (this.retired.delete(old)) old.close().catch(() => undefined);
      }, 10_000).unref();
    }
    return true;
  }

  private tell(folded: Folded): void {
    if (folded.runs.length > 0) this.listeners.emit({ kind: 'runs', ids: folded.runs });
    if (folded.components.length > 0) this.listeners.emit({ kind: 'components', names: folded.components });
    if (folded.pointers.length > 0) this.listeners.emit({ kind: 'pointers', names: folded.pointers });
  }

  private check(): void {
    if (this.closed) throw new PipetraceError('unavailable', `${this.kind} is closed`);
  }

  /** Runs a query after taking in others' commits: refused after close, waited for by close. */
  private async query<T>(job: () => Promise<T>): Promise<T> {
    this.check();
    const running = this.refresh().then(job);
    this.reads.add(running);
    try {
      return await running;
    } finally {
      this.reads.delete(running);
    }
  }

  /**
   * Appends records and a commit line to this process's segment, syncs it, and only then takes
   * them in. Commits that arrive while a write is under way wait for it and then go together:
   * one append and one fsync for all of them (group commit), each with its own commit line, so
   * each is still all or nothing and acknowledged only after the fsync. Returns the blob files
   * that lost to newer versions.
   */
  private async commit(records: PlacedRecord[]): Promise<string[]> {
    const lines = records.map((r) => {
      try {
        return encodeRecord(r);
      } catch (error) {
        throw invalid(r.kind, `cannot be stored as JSON: ${String(error)}`);
      }
    });
    let group = this.group;
    if (group === undefined) {
      const g: NonNullable<typeof this.group> = { batches: [], done: Promise.resolve([]) };
      // The queue starts the job later (in a then), after this call has joined the group.
      g.done = this.writes.run(() => {
        // From here on a new commit starts the next group.
        if (this.group === g) this.group = undefined;
        return this.writeGroup(g.batches);
      });
      this.group = group = g;
    }
    const k = group.batches.push({ records, lines }) - 1;
    return (await group.done)[k] as string[];
  }

  /** Writes a group of commits (see commit); the losers of each, in order. */
  private async writeGroup(batches: { records: PlacedRecord[]; lines: string[] }[]): Promise<string[][]> {
    this.check();
    const seen = await this.disk.run(async () => this.state.fold(await this.log.claim()));
    this.tell(seen);
    // Our own segment: no refresh reads it, so taking the batches in needs no turn on `disk`.
    const ours = (await this.log.write(batches)).map((b) => this.state.fold([b]).losers);
    await this.disk.run(() => this.log.announce());
    if (this.state.unindexed >= INDEX_WHILE_WRITING) await this.writeIndex();
    ours[0]?.push(...seen.losers);
    return ours;
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    this.check();
    if (runs.length === 0) return;
    for (const [i, r] of runs.entries()) {
      if (typeof r?.id !== 'string' || r.id === '') throw invalid(`runs[${i}].id`, 'must be a non-empty string');
    }
    await this.commit(runs.map((value) => ({ kind: 'run', value, off: 0, len: 0, line: 0 })));
    this.listeners.emit({ kind: 'runs', ids: runs.map((r) => r.id) });
  }

  /** The runs at `refs`, read together; undefined for a missing ref or an unreadable line. */
  private async readRuns(refs: readonly (RunRef | undefined)[], again = true): Promise<(Run | undefined)[]> {
    const present = refs.filter((r): r is RunRef => r !== undefined);
    let bufs: Uint8Array[];
    try {
      bufs = await this.readLines(present);
    } catch (error) {
      if (!again || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Compaction removed a segment since we looked: its lines live in the new segment now.
      await this.refresh(true);
      const moved = await Promise.all(refs.map((r) => (r === undefined ? undefined : this.state.runs.get(r.id))));
      return this.readRuns(moved, false);
    }
    let k = 0;
    return refs.map((ref) => (ref === undefined ? undefined : this.decodeRun(ref, bufs[k++] as Uint8Array)));
  }

  /** The lines at `refs`, from the cache where it has them, else read (and kept); read-only. */
  private async readLines(refs: readonly RunRef[]): Promise<Uint8Array[]> {
    const keys = refs.map((r) => `${this.log.name(r.seg)}@${r.off}`);
    // Not copied: each line is decoded straight away and never changed (decodeRun).
    const out = keys.map((k) => this.runLines.peek(k));
    const missing = refs.filter((_, i) => out[i] === undefined);
    if (missing.length === 0) return out as Uint8Array[];
    const read = await this.log.readMany(missing);
    let k = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] !== undefined) continue;
      const buf = read[k++] as Buffer;
      out[i] = buf;
      this.runLines.set(keys[i] as string, buf);
    }
    return out as Uint8Array[];
  }

  private decodeRun(ref: RunRef, buf: Uint8Array): Run | undefined {
    const decoded = decodeLine(Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('utf8', 0, buf.length - 1));
    if ('record' in decoded && decoded.record.kind === 'run' && decoded.record.value.id === ref.id) {
      return decoded.record.value;
    }
    this.found.report({
      file: this.log.file(ref.seg),
      line: ref.line,
      reason: `run ${JSON.stringify(ref.id)} is unreadable: ${'problem' in decoded ? decoded.problem : 'changed since it was indexed'}`,
    });
    return undefined;
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    return this.query(async () => {
      const refs = await Promise.all(ids.map((id) => (typeof id === 'string' ? this.state.runs.get(id) : undefined)));
      return this.readRuns(refs);
    });
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    return this.query(async () => {
      const page = await this.state.runs.scan(scan, (refs) => refs);
      const runs = (await this.readRuns(page.runs)).filter((r): r is Run => r !== undefined);
      return page.cursor === undefined ? { runs } : { runs, cursor: page.cursor };
    });
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    return this.query(() => Promise.all(queries.map((q) => this.state.runs.latestWriter(q))));
  }

  async putComponents(components: readonly Component[]): Promise<void> {
    this.check();
    if (components.length === 0) return;
    await this.commit(
      components.map((c) => ({ kind: 'component', value: cloneComponent(c), off: 0, len: 0, line: 0 })),
    );
    this.listeners.emit({ kind: 'components', names: components.map((c) => c.name) });
  }

  async getComponents(names: readonly string[]): Promise<(Component | undefined)[]> {
    return this.query(async () => this.state.components.get(names));
  }

  async scanComponents(): Promise<Component[]> {
    return this.query(async () => this.state.components.all());
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    this.check();
    if (pointers.length === 0) return;
    await this.commit(pointers.map((p) => ({ kind: 'pointer', value: clonePointer(p), off: 0, len: 0, line: 0 })));
    this.listeners.emit({ kind: 'pointers', names: pointers.map((p) => p.name) });
  }

  async getPointers(names: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    return this.query(async () => this.state.pointers.get(names));
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    return this.query(async () =>
      this.state.pointers.all((p) => filter.flagged === undefined || p.flagged === filter.flagged),
    );
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    this.check();
    if (blobs.length === 0) return;
    checkBlobs(blobs);
    // The files first; the commit line is what makes each one its key's value.
    const records = await writeBlobFiles(this.layout.blobs, blobs, this.durable);
    let losers: string[];
    try {
      losers = await this.commit(records);
    } catch (error) {
      await removeBlobFiles(
        this.layout.blobs,
        records.flatMap((r) => (r.kind === 'blob' && r.value.deleted !== true ? [r.value.file] : [])),
      );
      throw error;
    }
    await removeBlobFiles(this.layout.blobs, losers);
  }

  private async readBlob(key: string): Promise<Uint8Array | undefined> {
    return this.findBlob(key, async (file) => {
      const cached = this.smallBlobs.get(file);
      if (cached !== undefined) return cached;
      const data = await readBlobFile(this.layout.blobs, file);
      if (data !== undefined) this.smallBlobs.set(file, data);
      return data;
    });
  }

  /**
   * `read` of the file holding a key's bytes, or undefined when there is none. A file gone since
   * the look (another writer replaced or deleted it) gets one more look; gone again, it is reported.
   */
  private async findBlob<T>(
    key: string,
    read: (file: string, size: number) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    for (let look = 0; look < 2; look++) {
      if (look > 0) await this.refresh(true);
      const ref = this.state.blobs.live(key);
      if (ref === undefined) return undefined;
      const got = await read(ref.file, ref.size);
      if (got !== undefined) return got;
      if (look > 0)
        this.found.report({ file: `blobs/${ref.file}`, line: 0, reason: `blob ${JSON.stringify(key)} is missing` });
    }
    return undefined;
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return this.query(() => mapLimited(keys, PARALLEL_FILES, (key) => this.readBlob(key)));
  }

  /** Blobs in order, each read into a buffer given back when the next is asked for (8 read ahead). */
  async *readBlobs(keys: readonly string[]): AsyncGenerator<Uint8Array | undefined> {
    await this.query(async () => undefined);
    yield* lendInOrder(keys.length, PARALLEL_FILES, (i) => this.lendBlob(keys[i] as string));
  }

  /** readBlob() into a lent buffer (see ReadBuffers): not kept in the small-blob cache. */
  private async lendBlob(key: string): Promise<Lent<Uint8Array | undefined>> {
    this.check();
    const lent = await this.findBlob(key, async (file, size): Promise<Lent<Uint8Array | undefined> | undefined> => {
      const small = this.smallBlobs.peek(file);
      if (small !== undefined) return { value: small };
      const read = await readBlobLent(this.layout.blobs, file, size, this.readBuffers);
      return read === undefined ? undefined : { value: read.data, giveBack: read.giveBack };
    });
    return lent ?? { value: undefined };
  }

  async listBlobs(prefix: string): Promise<string[]> {
    return this.query(async () => this.state.blobs.keys(prefix));
  }

  /** Writes a tombstone per key that has a blob, then removes the files they replaced. */
  async deleteBlobs(keys: readonly string[]): Promise<void> {
    this.check();
    if (keys.length === 0) return;
    for (const [i, key] of keys.entries()) if (typeof key !== 'string') throw invalid(`keys[${i}]`, 'must be a string');
    const present = await this.query(async () =>
      [...new Set(keys)].filter((key) => this.state.blobs.file(key) !== undefined),
    );
    if (present.length === 0) return;
    const losers = await this.commit(
      present.map((key) => ({ kind: 'blob', value: { key, deleted: true }, off: 0, len: 0, line: 0 })),
    );
    await removeBlobFiles(this.layout.blobs, losers);
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    const remove = this.listeners.add(listener);
    if (this.poll === undefined && !this.closed) {
      // Other processes' writes are found by the same cheap change check, a few times a second.
      this.poll = setInterval(() => {
        // A look that fails is met again, and rejected to its caller, by the next query.
        if (!this.closed) this.refresh().catch(() => undefined);
      }, 200);
      this.poll.unref();
    }
    return () => {
      remove();
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  private stopPolling(): void {
    if (this.poll !== undefined) clearInterval(this.poll);
    this.poll = undefined;
  }

  /**
   * Rewrites index.ndjson from what this process knows; see snapshot.ts. Runs in the write
   * queue, so none of our own writes is half taken in while it looks.
   */
  private async writeIndex(): Promise<void> {
    const { folded, covered, text } = await this.disk.run(async () => {
      const folded = this.state.fold(await this.log.refresh(true));
      const runs = await this.state.runs.forIndex(WINDOW_SIZE);
      const header = this.state.header(this.log.ends(), runs.count);
      this.dead = deadBytes(runs.liveBytes, header);
      const text = encodeSnapshotOf(header, runs.window, runs.columns, (seg) => seg);
      return { folded, covered: this.state.unindexed, text };
    });
    this.tell(folded);
    await writeFileAtomic(this.layout.index, text, this.durable);
    this.state.unindexed -= covered;
  }

  async checkpoint(): Promise<void> {
    this.check();
    await this.writes.run(async () => {
      this.check();
      await this.writeIndex();
    });
  }

  /** Compacts the store folder (see compact.ts); this process's own segment is left as it is. */
  async compact(options: CompactOptions = {}): Promise<CompactReport> {
    this.check();
    const report = await compactFsStore(this.dir, { durable: this.durable, ...options });
    await this.refresh(true);
    return report;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.closeFiles();
    // A safe point for automatic compaction: our segment is let go, so it is folded too.
    const ratio = this.options.compactRatio ?? DEFAULT_COMPACT_RATIO;
    if (wantsCompaction(this.dead, ratio, this.options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES)) {
      this.dead = undefined;
      await compactFsStore(this.dir, { durable: this.durable }).catch((error) => {
        // Another compaction under way does the job; anything else is worth a word, not a failed close.
        if (!(error instanceof PipetraceError && error.code === 'conflict')) {
          console.warn(`pipetrace fs-json: automatic compaction of ${this.dir} failed: ${String(error)}`);
        }
      });
    }
  }

  private async closeFiles(): Promise<void> {
    await this.writes.run(async () => {
      if (this.closed) return;
      try {
        if (this.state.unindexed >= this.indexAfter) await this.writeIndex();
      } finally {
        this.closed = true;
        this.stopPolling();
        this.listeners.clear();
        // Queries under way still read the files: let them finish first.
        await Promise.allSettled([...this.reads]);
        await this.disk.run(async () => {
          await this.index?.close();
          for (const old of this.retired) await old.close();
          this.retired.clear();
          await this.log.close();
        });
      }
    });
  }
}
