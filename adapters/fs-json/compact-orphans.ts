/**
 * Reclaiming files nothing refers to: blob files of crashed writes (written, never committed),
 * of versions replaced or deleted when the writer died before removing them, and temporary files
 * of interrupted atomic writes. Only files older than the cutoff go: a younger one may belong
 * to a write under way whose commit line is not on disk yet.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from './files.js';

/** Temporary files of writeFileAtomic in the store folder and of compaction in segments/. */
const ROOT_TEMP = /^(index\.ndjson|compact\.json)\.\d+\.[0-9a-f]+\.tmp$/;
const SEGMENT_TEMP = /\.compacting$/;

export interface Reclaimed {
  files: number;
  bytes: number;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Removes `path` when it was last changed before `cutoff` (ms); adds what it freed to `r`. */
async function removeIfOld(path: string, cutoff: number, r: Reclaimed): Promise<void> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile() || s.mtimeMs >= cutoff) return;
    size = s.size;
  } catch {
    return;
  }
  await rm(path, { force: true });
  r.files += 1;
  r.bytes += size;
}

/**
 * Removes blob files that `referenced` (paths relative to blobs/) does not name, and leftover
 * temporary files, when older than `cutoff`; `keep` names a temporary file in use.
 */
export async function reclaimOrphans(
  layout: Layout,
  referenced: ReadonlySet<string>,
  cutoff: number,
  keep?: string,
): Promise<Reclaimed> {
  const r: Reclaimed = { files: 0, bytes: 0 };
  for (const sub of await list(layout.blobs)) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    for (const name of await list(join(layout.blobs, sub))) {
      if (!referenced.has(`${sub}/${name}`)) await removeIfOld(join(layout.blobs, sub, name), cutoff, r);
    }
  }
  for (const name of await list(layout.dir)) {
    if (ROOT_TEMP.test(name)) await removeIfOld(join(layout.dir, name), cutoff, r);
  }
  for (const name of await list(layout.runs)) {
    if (SEGMENT_TEMP.test(name) && name !== keep) await removeIfOld(join(layout.runs, name), cutoff, r);
  }
  return r;
}
