/**
 * Blob side files. Each version of a blob is a new file named by the SHA-256 of its key and a
 * nonce (blobs/3f/3f2a...e1.5c1d09aa51b2c3d4.bin), holding the raw bytes. The key itself is
 * only data in the segment line that commits the file, so no key can name a path.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../../src/errors.js';
import { type BlobRecord, MAX_BLOB_KEY_LENGTH } from '../../src/store.js';
import { fsyncDir, newBlobFile, storageError, writeFileAtomic } from './files.js';
import { type BlobRef, compareVersions, type PlacedRecord, type Version } from './format.js';
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

/**
 * Writes each blob to a new file (synced when durable) and returns the segment records that
 * will commit them (their place in the segment is filled in by the append). On failure it removes what it wrote, so nothing is left half done.
 */
export function writeBlobFiles(root: string, blobs: readonly BlobRecord[], durable: boolean): PlacedRecord[] {
  const records: PlacedRecord[] = [];
  const dirs = new Set<string>();
  try {
    for (const b of blobs) {
      const file = newBlobFile(b.key);
      const sub = join(root, file.slice(0, 2));
      if (!dirs.has(sub)) fs.mkdirSync(sub, { recursive: true });
      dirs.add(sub);
      writeFileAtomic(join(root, file), b.data, durable);
      records.push({ kind: 'blob', value: { key: b.key, file, size: b.data.length }, off: 0, len: 0, line: 0 });
    }
    if (durable) for (const d of [...dirs, root]) fsyncDir(d);
    return records;
  } catch (error) {
    removeBlobFiles(
      root,
      records.flatMap((r) => (r.kind === 'blob' && r.value.deleted !== true ? [r.value.file] : [])),
    );
    throw storageError('cannot write blobs', error);
  }
}

/** A blob file's bytes, or undefined when the file is gone (replaced by another writer). */
export function readBlobFile(root: string, file: string): Uint8Array | undefined {
  try {
    const data = fs.readFileSync(join(root, file));
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError(`cannot read blob ${file}`, error);
  }
}

export function removeBlobFiles(root: string, files: readonly string[]): void {
  // Never an empty name: join(root, '') is the blobs folder itself.
  for (const file of files) if (file !== '') fs.rmSync(join(root, file), { force: true });
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
    if (old !== undefined && compareVersions(v, old.v) <= 0) return ref.deleted === true ? undefined : ref.file;
    this.refs.set(ref.key, { v, value: ref });
    return old === undefined || old.value.deleted === true ? undefined : old.value.file;
  }

  /** The side file holding a key's bytes, or undefined when it has none (never written, or deleted). */
  file(key: string): string | undefined {
    const ref = this.refs.get(key)?.value;
    return ref === undefined || ref.deleted === true ? undefined : ref.file;
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
