/** Opening index.ndjson (see snapshot.ts for what it holds). */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from './files.js';
import type { Problem } from './format.js';
import { type DecodedSnapshot, decodeSnapshot } from './snapshot.js';

export interface OpenIndex {
  snapshot: DecodedSnapshot;
  /** Lets go of the file (its line 3 is read on demand until then); safe to call twice. */
  close(): Promise<void>;
}

/** A file's size, or -1 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw error;
  }
}

/**
 * Reads line 1 and the column descriptor of the index file and checks it against the segments. Returns undefined
 * when there is no index, or reports why the one there is unusable (the caller then rebuilds
 * from the segments). The file stays open until `close`: a newer index may replace it meanwhile.
 */
export async function openIndexFile(
  layout: Layout,
  report: (problem: Problem) => void,
): Promise<OpenIndex | undefined> {
  let handle: FileHandle | undefined;
  const close = async () => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  try {
    const file = await open(layout.index, 'r');
    handle = file;
    const snapshot = await decodeSnapshot(async (off, len) => {
      const buf = Buffer.allocUnsafe(len);
      return buf.subarray(0, (await file.read(buf, 0, len, off)).bytesRead);
    });
    const sizes = await Promise.all(snapshot.header.segments.map((s) => sizeOf(join(layout.runs, s.name))));
    for (const [i, s] of snapshot.header.segments.entries()) {
      // A segment of which it covers nothing may be gone (one compaction replaced; log.ts ends).
      if (s.bytes > 0 && (sizes[i] as number) < s.bytes) {
        throw new Error(`segment ${s.name} is shorter than the index says`);
      }
    }
    return { snapshot, close };
  } catch (error) {
    await close();
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      report({ file: 'index.ndjson', line: 0, reason: `unusable index, rebuilt from segments: ${String(error)}` });
    }
    return undefined;
  }
}
