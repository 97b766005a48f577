/**
 * Compaction of an fs-json store: the segments no live writer holds are folded into one new
 * segment holding only the versions that count; replaced and deleted records, deletion
 * tombstones old enough to forget, torn tails and orphaned blob files go.
 *
 * Safe against concurrent readers and writers and against SIGKILL at any point:
 *   1. take the compaction lock and the lock of every segment not held by a live writer
 *      (writers then start new segments; a live writer's segment is only read);
 *   2. write the manifest (compact-manifest.ts), then the new segment under a temporary name,
 *      fsync it, then the index for the new layout under a temporary name (compact-index.ts);
 *   3. the switch: rename the segment into segments/ (readers now find the same records twice,
 *      with the same versions, and the new copy wins only the tie);
 *   4. rename the index into place, then remove the old segments and the manifest; then the
 *      orphaned files.
 * A kill before 3 leaves temporary files the next open removes; after 3, copies the next open
 * removes (and puts the index in place). Readers in other processes keep answering throughout:
 * one that meets the new segment takes in the new index whole (store.ts adopt), and a run line
 * in a removed segment is found again in the new one (see store.ts readRuns).
 */
import { appendFile, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PipetraceError } from '../../src/errors.js';
import { compactedIndex } from './compact-index.js';
import {
  compactLockPath,
  type Manifest,
  manifestPath,
  newManifest,
  readManifest,
  settle,
  takeLock,
} from './compact-manifest.js';
import { nameAfter } from './compact-names.js';
import { reclaimOrphans } from './compact-orphans.js';
import { type ScanResult, scanSegments, type Winner } from './compact-scan.js';
import { scanWithIndex } from './compact-scan-index.js';
import { type Copied, copyLines, type Kept, planCopy } from './compact-write.js';
import {
  fsyncDir,
  type Layout,
  LOCK_SUFFIX,
  layoutOf,
  SEGMENT_SUFFIX,
  storageError,
  writeFileAtomic,
} from './files.js';

/** Tombstones and unreferenced files younger than this are kept (default 15 minutes). */
export const DEFAULT_COMPACT_GRACE_MS = 15 * 60 * 1000;

/** The points compaction passes, in order ('copied' once per segment): for progress and tests. */
export type CompactStep =
  | 'locked'
  | 'scanned'
  | 'intent'
  | 'copied'
  | 'written'
  | 'indexed'
  | 'switched'
  | 'removed'
  | 'reclaimed';

export interface CompactOptions {
  /**
   * Deletion tombstones and unreferenced blob files younger than this are kept, in ms (default
   * 15 minutes): a write under way may still commit a file, or an older write of a key.
   */
  graceMs?: number;
  /** fsync the new files before the switch (default true). */
  durable?: boolean;
  /** Called at each step; compaction waits for what it returns. */
  onStep?: (step: CompactStep, detail?: string) => void | Promise<void>;
}

export interface CompactReport {
  /** Segments before and after, and their bytes. */
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Record lines read, kept (in the new segment or in a segment left alone), dropped. */
  records: number;
  kept: number;
  dropped: number;
  /** Deletion tombstones dropped (a subset of dropped). */
  tombstones: number;
  /** Orphaned files removed, and their bytes. */
  orphanFiles: number;
  orphanBytes: number;
  /** Segments left alone because a live writer holds them. */
  inUse: string[];
  /**
   * How the records were found: through the index file ('index': the lines it covers checked
   * and copied as bytes, not parsed), or by parsing every line ('segments': no usable index, or
   * a line that disagreed with it). `parsed`: record lines parsed as JSON; `rechecked`: lines the
   * index covers whose quick check failed, then parsed.
   */
  scan: { via: 'index' | 'segments'; parsed: number; rechecked: number };
  ms: number;
}

/** The scan through the index file when it fits the segments, else of every line. */
async function scan(layout: Layout, names: string[], rewritten: ReadonlySet<string>): Promise<ScanResult> {
  return (await scanWithIndex(layout, names, rewritten)) ?? (await scanSegments(layout.runs, names, rewritten));
}

/**
 * Compacts the fs-json store in `dir`; see the top of this file. Throws a `conflict` error when
 * another compaction of the store is under way.
 */
export async function compactFsStore(dir: string, options: CompactOptions = {}): Promise<CompactReport> {
  const started = Date.now();
  const layout = layoutOf(dir);
  try {
    await readFile(layout.marker);
  } catch {
    throw new PipetraceError('not_found', `no pipetrace store at ${dir}`, { details: { what: 'store', name: dir } });
  }
  const lock = compactLockPath(layout);
  if (!(await takeLock(lock))) {
    throw new PipetraceError('conflict', `fs-json: another compaction of ${dir} is under way`);
  }
  const held = new Set<string>();
  try {
    return await compactLocked(layout, options, held, started);
  } catch (error) {
    throw error instanceof PipetraceError ? error : storageError(`cannot compact ${dir}`, error);
  } finally {
    await Promise.all([...held].map((l) => rm(l, { force: true })));
    await rm(lock, { force: true });
  }
}

async function compactLocked(
  layout: Layout,
  options: CompactOptions,
  held: Set<string>,
  started: number,
): Promise<CompactReport> {
  const durable = options.durable ?? true;
  const cutoff = started - (options.graceMs ?? DEFAULT_COMPACT_GRACE_MS);
  const step = options.onStep ?? (() => {});
  // Holding the compaction lock, any manifest is a dead compactor's.
  const old = await readManifest(layout);
  if (old !== undefined) await settle(layout, old, false, durable);
  const names = (await readdir(layout.runs)).filter((n) => n.endsWith(SEGMENT_SUFFIX)).sort();
  const rewritten = new Set<string>();
  for (const name of names) {
    const segLock = join(layout.runs, name + LOCK_SUFFIX);
    if (!(await takeLock(segLock))) continue;
    held.add(segLock);
    rewritten.add(name);
  }
  await step('locked');
  let found = await scan(layout, names, rewritten);
  // A tail that is not a crash's (a hand edit after the last commit) is never dropped: leave it.
  const edited = names.filter((n, i) => rewritten.has(n) && (found.tails[i] as number) > 0 && !found.tailTorn[i]);
  if (edited.length > 0) {
    for (const n of edited) {
      rewritten.delete(n);
      held.delete(join(layout.runs, n + LOCK_SUFFIX));
      await rm(join(layout.runs, n + LOCK_SUFFIX), { force: true });
    }
    found = await scan(layout, names, rewritten);
  }
  await step('scanned');
  const isRewritten = names.map((n) => rewritten.has(n));
  const sizes = names.map((_, i) => (found.ends[i]?.bytes ?? 0) + (found.tails[i] ?? 0));
  const bytesBefore = sizes.reduce((a, b) => a + b, 0);

  // What the new segment keeps: every winner in a rewritten segment, but tombstones old enough
  // whose key no segment left alone mentions (nothing older can come back then).
  const keep = new Map<number, Kept>();
  let kept = 0;
  let tombstones = 0;
  const keptIn = (seg: number) => {
    let k = keep.get(seg);
    if (k === undefined) keep.set(seg, (k = { rows: [], winners: [] }));
    return k;
  };
  const take = (w: Winner<unknown>) => {
    kept += 1;
    if (isRewritten[w.seg]) keptIn(w.seg).winners.push(w);
  };
  const ix = found.indexed;
  if (ix !== undefined) {
    for (let r = 0; r < ix.live.length; r++) {
      if (ix.live[r] === 0) continue;
      kept += 1;
      if (isRewritten[ix.seg[r] as number]) keptIn(ix.seg[r] as number).rows.push(r);
    }
  }
  for (const w of found.runs.values()) take(w);
  for (const w of found.components.values()) take(w);
  for (const w of found.pointers.values()) take(w);
  for (const [key, w] of found.blobs) {
    if (w.value.deleted === true && isRewritten[w.seg] && w.at < cutoff && !found.keptKeys.has(key)) {
      found.blobs.delete(key);
      tombstones += 1;
    } else take(w);
  }
  const keptCount = (i: number) => (keep.get(i)?.rows.length ?? 0) + (keep.get(i)?.winners.length ?? 0);
  // One segment with nothing to drop is left as it is.
  const worth =
    rewritten.size > 1 ||
    names.some(
      (_, i) => isRewritten[i] && (keptCount(i) < (found.perSeg[i] as number) || (found.tails[i] as number) > 0),
    );
  const referenced = new Set<string>();
  for (const w of found.blobs.values()) if (w.value.deleted !== true) referenced.add(w.value.file);

  let segmentsAfter = names.length;
  let bytesAfter = bytesBefore;
  let manifest: Manifest | undefined;
  if (worth) {
    const plan = planCopy(keep, ix);
    const replaces = names.flatMap((name, i) => (isRewritten[i] ? [{ name, bytes: sizes[i] as number }] : []));
    manifest = newManifest(nameAfter(names, plan.maxAt, SEGMENT_SUFFIX), replaces);
    await writeFileAtomic(manifestPath(layout), `${JSON.stringify(manifest)}\n`, durable);
    if (durable) await fsyncDir(layout.dir);
    await step('intent');
    // The index lists the new segment first, then the segments left alone.
    const order = names.map((_, i) => i).filter((i) => isRewritten[i]);
    const leftAlone = names.map((_, i) => i).filter((i) => !isRewritten[i]);
    let copied: Copied;
    try {
      const file = await open(join(layout.runs, manifest.temp), 'wx');
      try {
        copied = await copyLines(file, layout.runs, names, order, plan.lines, (name) => step('copied', name));
        plan.place();
        if (durable) await file.sync();
      } finally {
        await file.close();
      }
      await step('written');
      // The index for the new layout, ready before the switch: readers take it in at once after it.
      const index = await compactedIndex(found, manifest, copied, leftAlone);
      await writeFileAtomic(join(layout.dir, manifest.index as string), index, durable);
      await step('indexed');
      await rename(join(layout.runs, manifest.temp), join(layout.runs, manifest.output));
    } catch (error) {
      // Before the switch nothing has changed: undo (remove the temporary files and the manifest).
      await settle(layout, manifest, true, durable).catch(() => undefined);
      throw error;
    }
    if (durable) await fsyncDir(layout.runs);
    await step('switched');
    await rename(join(layout.dir, manifest.index as string), layout.index);
    if (durable) await fsyncDir(layout.dir);
    await appendFile(layout.changes, '.');
    await settle(layout, manifest, true, durable);
    for (const name of rewritten) held.delete(join(layout.runs, name + LOCK_SUFFIX));
    await appendFile(layout.changes, '.');
    await step('removed');
    segmentsAfter = leftAlone.length + 1;
    bytesAfter = copied.bytes + leftAlone.reduce((n, i) => n + (sizes[i] as number), 0);
  }
  const orphans = await reclaimOrphans(layout, referenced, cutoff);
  await step('reclaimed');
  return {
    segmentsBefore: names.length,
    segmentsAfter,
    bytesBefore,
    bytesAfter,
    records: found.records,
    kept,
    dropped: found.records - kept,
    tombstones,
    orphanFiles: orphans.files,
    orphanBytes: orphans.bytes,
    inUse: names.filter((_, i) => !isRewritten[i]),
    scan: { via: ix === undefined ? 'segments' : 'index', parsed: found.parsed, rechecked: found.rechecked },
    ms: Date.now() - started,
  };
}
