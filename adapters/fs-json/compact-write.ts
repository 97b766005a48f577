/**
 * Compaction, step two: copy the winning lines of the segments being rewritten into one new
 * file, verbatim, each group of lines with their original commit time under a commit line, so
 * every record keeps the version it had. Returns where each copied record now lives.
 */
import { type FileHandle, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Winner } from './compact-scan.js';
import { encodeCommit } from './format.js';

/** Write this much at a time. */
const CHUNK = 8 * 1024 * 1024;

export interface Copied {
  bytes: number;
  lines: number;
  records: number;
}

/**
 * Appends, per segment in `order` (indexes into `names`), the records of `keep[seg]` (sorted by
 * offset) to `file`, moving each winner to its new place (`seg` becomes `newSeg`). `after`
 * runs once per segment copied (a progress point).
 */
export async function copyWinners(
  file: FileHandle,
  runsDir: string,
  names: readonly string[],
  order: readonly number[],
  keep: ReadonlyMap<number, Winner<unknown>[]>,
  newSeg: number,
  after: (name: string) => void | Promise<void>,
): Promise<Copied> {
  const out: Copied = { bytes: 0, lines: 0, records: 0 };
  const parts: Buffer[] = [];
  let pending = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    pending += b.length;
  };
  const flush = async () => {
    const buf = Buffer.concat(parts);
    parts.length = 0;
    pending = 0;
    let done = 0;
    while (done < buf.length) done += (await file.write(buf, done, buf.length - done)).bytesWritten;
  };
  for (const seg of order) {
    const winners = keep.get(seg) ?? [];
    if (winners.length === 0) {
      await after(names[seg] as string);
      continue;
    }
    const buf = await readFile(join(runsDir, names[seg] as string));
    let group = 0;
    let groupAt = Number.NaN;
    const commit = () => {
      if (group === 0) return;
      push(Buffer.from(encodeCommit(group, groupAt), 'utf8'));
      out.bytes += parts[parts.length - 1]?.length ?? 0;
      out.lines += 1;
      group = 0;
    };
    for (const w of winners) {
      if (w.at !== groupAt) commit();
      groupAt = w.at;
      const line = buf.subarray(w.off, w.off + w.len);
      push(line);
      w.seg = newSeg;
      w.off = out.bytes;
      w.line = ++out.lines;
      out.bytes += line.length;
      out.records += 1;
      group += 1;
      if (pending >= CHUNK) {
        // Only whole batches go out early: a torn file is never read anyway, but keep it tidy.
        commit();
        groupAt = Number.NaN;
        await flush();
      }
    }
    commit();
    await flush();
    await after(names[seg] as string);
  }
  return out;
}
