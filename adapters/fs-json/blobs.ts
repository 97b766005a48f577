/**
 * Blob side files. Each version of a blob is a new file named by the SHA-256 of its key and a
 * nonce (blobs/3f/3f2a...e1.5c1d09aa51b2c3d4.bin), holding the raw bytes; the files one call
 * writes share the folder of its first key. The key itself is
 * only data in the segment line that commits the file, so no key can name a path.
 */
import { type FileHandle, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid } from '../../src/errors.js';
import { type BlobRecord, MAX_BLOB_KEY_LENGTH } from '../../src/store.js';
import { fsyncDir, newBlobFile, storageError, writeNewFile } from './files.js';
import { type BlobRef, compareVersions, type PlacedRecord, type Version } from './format.js';
import { mapLimited } from './jobs.js';
import type { Versioned } from './snapshot.js';

export function checkBlobs(blobs: readonly BlobRecord[]): void {
  for (const [i, b] of blobs.entries()) {
    if (typeof b?.key !== 'string') throw invalid(`blobs[${i}].key`, 'must be a string');
    if (b.key.length > MAX_BLOB_KEY_LENGTH) {
      throw invalid(`blobs[${i}].key`, `is ${b.key.length} characters long; the limit is ${MAX_BLOB_KEY_LENGTH}`);
    }
    if (b.key.includes('\u0000')) throw invalid(`blobs[${i}].key`, 'must not contain NUL');
    if (!(b.data instanceof Uint8Array)) throw invalid(`blobs[${i}].data`, 'must be a Uint8Array');
  }
}

/** How many blob files are read or written at once: enough to overlap their I/O, few enough for any fd limit. */
export const PARALLEL_FILES = 8;

/**
 * Writes each blob to a new file (synced when durable) and returns the segment records that
 * will commit them, in the order of `blobs` (their place in the segment is filled in by the
 * append). On failure it removes what it wrote, so nothing is left half done.
 */
export async function writeBlobFiles(
  root: string,
  blobs: readonly BlobRecord[],
  durable: boolean,
): Promise<PlacedRecord[]> {
  // One folder for all the files of a call (the first key's): each folder written is one more
  // directory fsync and journal commit; 1,024 row chunks spread over 256 folders took twice as long.
  const first = blobs[0] === undefined ? '' : newBlobFile(blobs[0].key);
  const files = blobs.map((b, i) => (i === 0 ? first : newBlobFile(b.key, first.slice(0, 2))));
  const dirs = [...new Set(files.map((file) => join(root, file.slice(0, 2))))];
  const written: string[] = [];
  try {
    await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
    await mapLimited(blobs, PARALLEL_FILES, async (b, i) => {
      await writeNewFile(join(root, files[i] as string), b.data, durable);
      written.push(files[i] as string);
    });
    if (durable) await mapLimited([...dirs, root], PARALLEL_FILES, fsyncDir);
  } catch (error) {
    await removeBlobFiles(root, written);
    throw storageError('cannot write blobs', error);
  }
  return blobs.map((b, i) => ({
    kind: 'blob',
    value: { key: b.key, file: files[i] as string, size: b.data.length },
    off: 0,
    len: 0,
    line: 0,
  }));
}

/** A blob file's bytes, or undefined when the file is gone (replaced by another writer). */
export async function readBlobFile(root: string, file: string): Promise<Uint8Array | undefined> {
  try {
    const data = await readFile(join(root, file));
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(`cannot read blob ${file}`, error);
  }
}

/**
 * Byte buffers lent to blob reads and given back: a scan of many big blobs (a bulk row lookup)
 * takes a few buffers, not a new one per blob (each new one is fresh pages to fault in and
 * external memory that brings the next garbage collection closer).
 */
export class ReadBuffers {
  private readonly free: Uint8Array[] = [];

  /** A buffer of at least `bytes`. */
  take(bytes: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = (this.free[i] as Uint8Array).length;
      if (len >= bytes && (best < 0 || len < (this.free[best] as Uint8Array).length)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0] as Uint8Array;
    let size = 64 * 1024;
    while (size < bytes) size *= 2;
    return new Uint8Array(size);
  }

  give(buffer: Uint8Array): void {
    if (this.free.length < MAX_FREE_BUFFERS) this.free.push(buffer);
  }
}
const MAX_FREE_BUFFERS = 2 * PARALLEL_FILES + 2;

/**
 * A blob file's bytes read into a buffer taken from `buffers` (its record's `size` says how big),
 * and the function that gives the buffer back; undefined when the file is gone. A file bigger
 * than its record says is read whole into a buffer of its own, as readBlobFile would.
 */
export async function readBlobLent(
  root: string,
  file: string,
  size: number,
  buffers: ReadBuffers,
): Promise<{ data: Uint8Array; giveBack?: () => void } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(join(root, file), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(`cannot read blob ${file}`, error);
  }
  const buffer = buffers.take(size + 1);
  try {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead < buffer.length) return { data: buffer.subarray(0, bytesRead), giveBack: () => buffers.give(buffer) };
    buffers.give(buffer);
    const data = await handle.readFile();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    buffers.give(buffer);
    throw storageError(`cannot read blob ${file}`, error);
  } finally {
    await handle.close();
  }
}

export async function removeBlobFiles(root: string, files: readonly string[]): Promise<void> {
  // Never an empty name: join(root, '') is the blobs folder itself.
  await Promise.all(files.filter((file) => file !== '').map((file) => rm(join(root, file), { force: true })));
}

/**
 * The current version of every blob key, tombstones included (so that an older write read later
 * cannot bring a deleted key back). Applying a record returns the side file it made obsolete,
 * for the writer to remove once its commit is on disk.
 */
export class BlobIndex {
  private readonly refs = new Map<string, Versioned<BlobRef>>();

  load(versions: readonly Versioned<BlobRef>[]): void {
    for (const b of versions) this.refs.set(b.value.key, b);
  }

  apply(ref: BlobRef, v: Version): string | undefined {
    const old = this.refs.get(ref.key);
    // A compacted copy names the same file as the line it copies: that file never loses.
    const same = old !== undefined && old.value.deleted !== true && ref.deleted !== true && old.value.file === ref.file;
    if (old !== undefined && compareVersions(v, old.v) <= 0) return ref.deleted === true || same ? undefined : ref.file;
    this.refs.set(ref.key, { v, value: ref });
    return old === undefined || old.value.deleted === true || same ? undefined : old.value.file;
  }

  /** The side file holding a key's bytes, or undefined when it has none (never written, or deleted). */
  file(key: string): string | undefined {
    return this.live(key)?.file;
  }

  /** The side file holding a key's bytes and their size, or undefined when it has none. */
  live(key: string): { file: string; size: number } | undefined {
    const ref = this.refs.get(key)?.value;
    return ref === undefined || ref.deleted === true ? undefined : ref;
  }

  /** Live keys starting with `prefix`, sorted. */
  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const [key, ref] of this.refs) if (key.startsWith(prefix) && ref.value.deleted !== true) out.push(key);
    return out.sort();
  }

  /** Every version, for the index file. */
  versions(): Versioned<BlobRef>[] {
    return [...this.refs.values()];
  }
}
