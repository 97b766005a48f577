/** File-system helpers for the fs-json store: layout, durable writes, segment locks, blob names. */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PipetraceError } from '../../src/errors.js';

export const FORMAT = 'pipetrace-fs-json';
export const FORMAT_VERSION = 1;
export const SEGMENT_SUFFIX = '.ndjson';
export const LOCK_SUFFIX = '.lock';

export interface Layout {
  dir: string;
  runs: string;
  blobs: string;
  index: string;
  changes: string;
  marker: string;
}

export function layoutOf(dir: string): Layout {
  return {
    dir,
    runs: join(dir, 'segments'),
    blobs: join(dir, 'blobs'),
    index: join(dir, 'index.ndjson'),
    changes: join(dir, 'changes'),
    marker: join(dir, 'pipetrace.json'),
  };
}

export function storageError(what: string, cause: unknown): PipetraceError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new PipetraceError('storage', `fs-json: ${what}: ${message}`, { cause });
}

/** Creates the folders and the format marker, or checks the marker of an existing store. */
export async function ensureLayout(layout: Layout): Promise<void> {
  await mkdir(layout.runs, { recursive: true });
  await mkdir(layout.blobs, { recursive: true });
  const marker = `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION })}\n`;
  try {
    await writeFile(layout.marker, marker, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let found: { format?: unknown; version?: unknown } = {};
    try {
      found = JSON.parse(await readFile(layout.marker, 'utf8'));
    } catch {
      // A marker torn by a crash during creation: the folders are what matter.
    }
    if (found.format !== undefined && (found.format !== FORMAT || found.version !== FORMAT_VERSION)) {
      throw new PipetraceError(
        'conflict',
        `fs-json: ${layout.dir} holds ${String(found.format)} version ${String(found.version)}, not ${FORMAT} version ${FORMAT_VERSION}`,
      );
    }
  }
}

/** Makes a new directory entry durable (a file's fsync does not cover its name). */
export async function fsyncDir(path: string): Promise<void> {
  try {
    const dir = await open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the data itself is synced.
  }
}

/** Writes a whole file so that readers see the old content or the new one, never a mix. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, durable: boolean): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeNewFile(tmp, data, durable);
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes a file under a new name no other write uses (a temporary name, or a blob file: its
 * name carries a nonce), synced when durable. A blob file needs no temporary name and rename:
 * nothing reads it until a commit line names it, and that line is written after this returns.
 * A torn file is removed here, or, after a crash, reclaimed by compaction as an orphan.
 */
export async function writeNewFile(path: string, data: string | Uint8Array, durable: boolean): Promise<void> {
  const file = await open(path, 'wx');
  try {
    try {
      await file.writeFile(data);
      if (durable) await file.datasync();
    } finally {
      await file.close();
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

/** A new segment name: creation time first, so names sort roughly by age. */
export function newSegmentName(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}${SEGMENT_SUFFIX}`;
}

export type LockState = 'none' | 'live' | 'stale';

/** Whether a lock's text names a process that is gone (on this machine; elsewhere it cannot tell). */
function isStaleOwner(text: string): boolean {
  let owner: { pid?: unknown; host?: unknown } = {};
  try {
    owner = JSON.parse(text);
  } catch {
    return false;
  }
  // Only a process on this machine can be checked; elsewhere assume it lives.
  if (owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The lock's text, or undefined when there is no lock. */
async function lockText(lockPath: string): Promise<string | undefined> {
  try {
    return await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether a segment's lock is absent, held by a live process, or left behind by a dead one. */
export async function lockState(lockPath: string): Promise<LockState> {
  let text: string | undefined;
  try {
    text = await lockText(lockPath);
  } catch {
    return 'live';
  }
  if (text === undefined) return 'none';
  return isStaleOwner(text) ? 'stale' : 'live';
}

/**
 * Removes a lock left by a dead writer, so that its segment can be claimed again; false when the
 * lock is not stale. Moving the lock aside is atomic; if what was moved turns out to be another
 * process's fresh lock (it recovered the same stale lock first), it is put back.
 */
export async function recoverStaleLock(lockPath: string): Promise<boolean> {
  const text = await lockText(lockPath).catch(() => undefined);
  if (text === undefined || !isStaleOwner(text)) return false;
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return false; // someone else moved it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => text);
  if (moved !== text) {
    // Not the dead writer's lock any more: give it back (link fails if yet another lock is there).
    await link(aside, lockPath).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** Takes a segment's lock, or returns false when another writer holds it. */
export async function tryLock(lockPath: string): Promise<boolean> {
  try {
    // O_EXCL makes taking the lock atomic across processes, asynchronous or not.
    await writeFile(lockPath, `${JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() })}\n`, {
      flag: 'wx',
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The file a blob version lives in, relative to the blobs folder: hash of the key, then a nonce; in `folder` or the hash's own. */
export function newBlobFile(key: string, folder?: string): string {
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${folder ?? hash.slice(0, 2)}/${hash}.${randomBytes(8).toString('hex')}.bin`;
}
