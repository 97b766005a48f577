/** Opening index.ndjson (see snapshot.ts for what it holds). */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './files.js';
import type { Problem } from './format.js';
import { type DecodedSnapshot, decodeSnapshot } from './snapshot.js';

export interface OpenIndex {
  snapshot: DecodedSnapshot;
  /** Lets go of the file once its line 3 is no longer needed. */
  close(): void;
}

/**
 * Reads lines 1 and 2 of the index file and checks it against the segments. Returns undefined
 * when there is no index, or reports why the one there is unusable (the caller then rebuilds
 * from the segments). The file stays open until `close`: a newer index may replace it meanwhile.
 */
export function openIndexFile(layout: Layout, report: (problem: Problem) => void): OpenIndex | undefined {
  let fd: number | undefined;
  const close = () => {
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
  };
  try {
    const file = fs.openSync(layout.index, 'r');
    fd = file;
    const snapshot = decodeSnapshot((off, len) => {
      const buf = Buffer.allocUnsafe(len);
      return buf.subarray(0, fs.readSync(file, buf, 0, len, off));
    });
    for (const s of snapshot.header.segments) {
      const size = fs.statSync(join(layout.runs, s.name), { throwIfNoEntry: false })?.size ?? -1;
      if (size < s.bytes) throw new Error(`segment ${s.name} is shorter than the index says`);
    }
    if (snapshot.header.runCount <= snapshot.window.length) close();
    return { snapshot, close };
  } catch (error) {
    close();
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      report({ file: 'index.ndjson', line: 0, reason: `unusable index, rebuilt from segments: ${String(error)}` });
    }
    return undefined;
  }
}
