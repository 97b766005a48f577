/**
 * pipetrace/adapters/fs-json: a store in a folder of human-readable JSON, for Node.
 *
 *   import { fsJsonStore } from 'pipetrace/adapters/fs-json';
 *   const store = await fsJsonStore({ dir: '.pipetrace' });
 *
 * Layout (all paths relative to `dir`):
 *   pipetrace.json            format marker: {"format":"pipetrace-fs-json","version":1}
 *   segments/<name>.ndjson    append-only logs, one per writing process at a time; one JSON
 *                             record per line and a commit line after each write
 *   segments/<name>.lock      held by the process appending to that segment
 *   blobs/<xx>/<sha256(key)>.<nonce>.bin   blob bytes; the key lives only in the segment line
 *                             (<xx>: the hash's first two digits, of the first key a putBlobs writes)
 *   index.ndjson              a rebuildable cache of the segments, so that opening is fast
 *   changes                   one byte appended per commit: a cheap "anything new?" check
 */
import { invalid } from '../../src/errors.js';
import type { FsJsonOptions, FsJsonStore } from './options.js';
import { FsJsonStoreImpl } from './store.js';

export {
  type CompactOptions,
  type CompactReport,
  type CompactStep,
  compactFsStore,
  DEFAULT_COMPACT_GRACE_MS,
} from './compact.js';
export { DEFAULT_COMPACT_MIN_BYTES, DEFAULT_COMPACT_RATIO } from './compact-auto.js';
export type { Problem } from './format.js';
export type { FsJsonOptions, FsJsonProblem, FsJsonStore } from './options.js';

/**
 * Opens (or creates) a store in `options.dir`. Several processes may open the same folder and
 * write at once: each appends to a segment it has locked, and every query first checks, with one
 * fstat, whether anyone committed something new. A write is acknowledged only after fsync.
 * All file I/O is asynchronous: a server over the store keeps serving while one request reads.
 */
export async function fsJsonStore(options: FsJsonOptions): Promise<FsJsonStore> {
  if (typeof options?.dir !== 'string' || options.dir === '' || options.dir.includes('\u0000')) {
    throw invalid('dir', 'must be a non-empty path without NUL');
  }
  return FsJsonStoreImpl.open(options);
}
