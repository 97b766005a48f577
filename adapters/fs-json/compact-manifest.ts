/**
 * The compaction manifest (compact.json), written before the compacted segment exists. It names
 * the new segment, the temporary file it is written to, and the segments it replaces with their
 * sizes. The rename of the temporary file into segments/ is the switch: before it the old
 * segments hold the data and the temporary file is rubbish; after it they are copies. Whoever
 * finds a manifest whose compactor died (at open, or the next compaction) settles it.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsyncDir, type Layout, LOCK_SUFFIX, lockState, recoverStaleLock, tryLock } from './files.js';
import { sizeOf } from './index-file.js';
import { decodeSnapshot } from './snapshot.js';

export interface Manifest {
  /** The compacted segment's name in segments/. */
  output: string;
  /** Where it is written before the switch, in segments/ (not a segment name). */
  temp: string;
  /** The segments it replaces, with their size when compaction read them. */
  replaces: { name: string; bytes: number }[];
  /**
   * The index for the new layout, in the store folder, written and synced before the switch and
   * renamed to index.ndjson after it (absent in manifests of older versions).
   */
  index?: string;
  pid: number;
  host: string;
}

export const manifestPath = (layout: Layout) => join(layout.dir, 'compact.json');
/** Held by whoever compacts, or settles a dead compactor's manifest: one at a time. */
export const compactLockPath = (layout: Layout) => join(layout.dir, 'compact.lock');

/** Takes a lock file, taking it over from a dead process; false when a live one holds it. */
export async function takeLock(path: string): Promise<boolean> {
  return (await tryLock(path)) || ((await recoverStaleLock(path)) && (await tryLock(path)));
}

export function newManifest(output: string, replaces: { name: string; bytes: number }[]): Manifest {
  const temp = `${output}.${process.pid}.compacting`;
  return { output, temp, replaces, index: `index.${temp}`, pid: process.pid, host: hostname() };
}

export async function readManifest(layout: Layout): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(manifestPath(layout), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const m = JSON.parse(text) as Manifest;
  if (typeof m.output !== 'string' || typeof m.temp !== 'string' || !Array.isArray(m.replaces)) {
    throw new Error('compact.json is not a compaction manifest');
  }
  return m;
}

/** Whether the index file names one of `names` (then it must go: it would point at removed files). */
async function indexNames(layout: Layout, names: ReadonlySet<string>): Promise<boolean> {
  let text: Buffer;
  try {
    text = await readFile(layout.index);
  } catch {
    return false;
  }
  try {
    const snap = await decodeSnapshot(async (off, len) => text.subarray(off, off + len));
    return snap.header.segments.some((s) => names.has(s.name));
  } catch {
    return false; // unusable anyway: the next open rebuilds it
  }
}

/**
 * Finishes or undoes a compaction. `own` when the calling compactor holds the old segments'
 * locks itself; otherwise each lock is taken first (a live writer's segment is left alone: its
 * head is a harmless copy). A replaced segment that grew since it was read is kept.
 */
export async function settle(layout: Layout, m: Manifest, own: boolean, durable: boolean): Promise<void> {
  const switched = (await sizeOf(join(layout.runs, m.output))) >= 0;
  const index = m.index === undefined ? undefined : join(layout.dir, m.index);
  if (!switched) {
    await rm(join(layout.runs, m.temp), { force: true });
    if (index !== undefined) await rm(index, { force: true });
    if (own) await Promise.all(m.replaces.map((r) => rm(join(layout.runs, r.name + LOCK_SUFFIX), { force: true })));
    await rm(manifestPath(layout), { force: true });
    return;
  }
  const replaced = new Set(m.replaces.map((r) => r.name));
  // The compactor's index describes the new layout and was synced before the switch: put it in place.
  if (index !== undefined && (await sizeOf(index)) >= 0) {
    await rename(index, layout.index);
    if (durable) await fsyncDir(layout.dir);
  }
  // Deleting the index is always safe (the next open rebuilds it); one naming removed files is not.
  if (!own && (await indexNames(layout, replaced))) await rm(layout.index, { force: true });
  for (const r of m.replaces) {
    const lock = join(layout.runs, r.name + LOCK_SUFFIX);
    const held = own || (await takeLock(lock));
    if (!held) continue;
    const path = join(layout.runs, r.name);
    if ((await sizeOf(path)) <= r.bytes) await rm(path, { force: true });
    await rm(lock, { force: true });
  }
  if (durable) await fsyncDir(layout.runs);
  await rm(manifestPath(layout), { force: true });
}

/** At open: settles a compaction whose compactor died; one under way (or elsewhere) is left alone. */
export async function recoverCompaction(layout: Layout, durable: boolean): Promise<void> {
  const path = manifestPath(layout);
  let m: Manifest | undefined;
  try {
    m = await readManifest(layout);
  } catch {
    return; // unreadable: left for a person (writeFileAtomic never leaves a torn one)
  }
  if (m === undefined || (await lockState(path)) !== 'stale') return;
  // Not while a new compaction runs: it settles this manifest itself, and may write its own.
  const lock = compactLockPath(layout);
  if (!(await takeLock(lock))) return;
  try {
    const again = await readManifest(layout).catch(() => undefined);
    if (again !== undefined && again.pid === m.pid && again.output === m.output)
      await settle(layout, m, false, durable);
  } finally {
    await rm(lock, { force: true });
  }
}
