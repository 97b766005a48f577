/**
 * Compaction, step two: copy the winning lines of the segments being rewritten into one new
 * file, verbatim, each group of lines with their original commit time under a commit line, so
 * every record keeps the version it had. Lines are copied as bytes by offset and length, never
 * parsed; each one's new place is written back to the caller's arrays.
 */
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { type IndexedRows, readBuffer, readWhole, type Winner } from './compact-scan.js';
import { encodeCommit } from './format.js';

/** Write this much at a time. */
const CHUNK = 8 * 1024 * 1024;

export interface Copied {
  bytes: number;
  lines: number;
  records: number;
}

/** The lines to copy from one segment, sorted by offset; copyLines fills `toOff` and `toLine`. */
export interface Lines {
  off: Float64Array;
  len: Uint32Array;
  at: Float64Array;
  toOff: Float64Array;
  toLine: Uint32Array;
}

/**
 * The lines at `off`/`len`/`at` (one segment's), sorted by offset; `order[k]` is which of them the
 * k-th is. Offsets in one segment differ, so when offset * n + place fits a double exactly, one
 * numeric sort of such keys does it, without a comparison callback per step.
 */
export function sortedLines(
  off: Float64Array,
  len: Uint32Array,
  at: Float64Array,
): { lines: Lines; order: Uint32Array } {
  const n = off.length;
  const max = off.reduce((m, o) => Math.max(m, o), 0);
  let order: Uint32Array;
  if ((max + 1) * n < Number.MAX_SAFE_INTEGER) {
    const keys = Float64Array.from(off, (o, k) => o * n + k).sort();
    order = Uint32Array.from(keys, (key) => key % n);
  } else {
    order = new Uint32Array(n).map((_, k) => k);
    order.sort((a, b) => (off[a] as number) - (off[b] as number));
  }
  const pick = <A extends Float64Array | Uint32Array>(col: A) =>
    col.map((_, k) => col[order[k] as number] as number) as A;
  return {
    lines: { off: pick(off), len: pick(len), at: pick(at), toOff: new Float64Array(n), toLine: new Uint32Array(n) },
    order,
  };
}

/** What one rewritten segment keeps: rows of the index's columns and winners read from lines. */
export interface Kept {
  rows: number[];
  winners: Winner<unknown>[];
}

/**
 * The lines to copy per rewritten segment, and `place`, which after the copy moves every kept
 * winner and index row to its new place (`seg` -1 for the new segment; rows in `indexed.newOff`).
 */
export function planCopy(
  kept: ReadonlyMap<number, Kept>,
  indexed: IndexedRows | undefined,
): { lines: Map<number, Lines>; maxAt: number; place: () => void } {
  const lines = new Map<number, Lines>();
  const orders = new Map<number, Uint32Array>();
  let maxAt = 0;
  for (const [seg, { rows, winners }] of kept) {
    const n = rows.length + winners.length;
    const off = new Float64Array(n);
    const len = new Uint32Array(n);
    const at = new Float64Array(n);
    if (rows.length > 0) {
      const c = (indexed as IndexedRows).cols;
      rows.forEach((r, k) => {
        off[k] = c.off[r] as number;
        len[k] = c.len[r] as number;
        at[k] = c.at[r] as number;
      });
    }
    winners.forEach((w, j) => {
      off[rows.length + j] = w.off;
      len[rows.length + j] = w.len;
      at[rows.length + j] = w.at;
    });
    for (const a of at) if (a > maxAt) maxAt = a;
    const sorted = sortedLines(off, len, at);
    lines.set(seg, sorted.lines);
    orders.set(seg, sorted.order);
  }
  const place = () => {
    for (const [seg, { rows, winners }] of kept) {
      const { toOff, toLine } = lines.get(seg) as Lines;
      const order = orders.get(seg) as Uint32Array;
      for (let k = 0; k < order.length; k++) {
        const p = order[k] as number;
        if (p < rows.length) {
          const r = rows[p] as number;
          (indexed as IndexedRows).newOff[r] = toOff[k] as number;
          (indexed as IndexedRows).newLine[r] = toLine[k] as number;
        } else {
          const w = winners[p - rows.length] as Winner<unknown>;
          w.seg = -1;
          w.off = toOff[k] as number;
          w.line = toLine[k] as number;
        }
      }
    }
  };
  return { lines, maxAt, place };
}

/**
 * Appends, per segment in `order` (indexes into `names`), the lines of `lines.get(seg)` to
 * `file`. `after` runs once per segment copied (a progress point).
 */
export async function copyLines(
  file: FileHandle,
  runsDir: string,
  names: readonly string[],
  order: readonly number[],
  lines: ReadonlyMap<number, Lines>,
  after: (name: string) => void | Promise<void>,
): Promise<Copied> {
  const out: Copied = { bytes: 0, lines: 0, records: 0 };
  const parts: Buffer[] = [];
  let pending = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    pending += b.length;
  };
  // The pieces go out as they are (pieces of the segment read), without a copy into one buffer.
  const flush = async () => {
    const done = parts.length === 0 ? 0 : (await file.writev(parts)).bytesWritten;
    if (done < pending) {
      // A short write: the rest as one buffer.
      const rest = Buffer.concat(parts).subarray(done);
      for (let k = 0; k < rest.length; ) k += (await file.write(rest, k, rest.length - k)).bytesWritten;
    }
    parts.length = 0;
    pending = 0;
  };
  // Each segment is read into the same buffer: what was pushed from it is written out before the next.
  const into = readBuffer();
  for (const seg of order) {
    const list = lines.get(seg);
    if (list === undefined || list.off.length === 0) {
      await after(names[seg] as string);
      continue;
    }
    const buf = await readWhole(join(runsDir, names[seg] as string), into);
    let group = 0;
    let groupAt = Number.NaN;
    // Lines next to each other in the segment go out as one piece: [from, to) not pushed yet.
    let from = 0;
    let to = 0;
    const pushLines = () => {
      if (to > from) push(buf.subarray(from, to));
      from = to;
    };
    const commit = () => {
      pushLines();
      if (group === 0) return;
      push(Buffer.from(encodeCommit(group, groupAt), 'utf8'));
      out.bytes += parts[parts.length - 1]?.length ?? 0;
      out.lines += 1;
      group = 0;
    };
    for (let k = 0; k < list.off.length; k++) {
      const at = list.at[k] as number;
      if (at !== groupAt) commit();
      groupAt = at;
      const off = list.off[k] as number;
      const len = list.len[k] as number;
      // The scan checked this line; a segment changed since (by hand) stops compaction before the switch.
      if (off + len > buf.length || buf[off + len - 1] !== 10) {
        throw new Error(`segment ${names[seg]} changed while it was compacted`);
      }
      if (off !== to) {
        pushLines();
        from = off;
      }
      to = off + len;
      list.toOff[k] = out.bytes;
      list.toLine[k] = ++out.lines;
      out.bytes += len;
      out.records += 1;
      group += 1;
      if (pending + to - from >= CHUNK) {
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
