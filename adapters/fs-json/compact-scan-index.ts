/**
 * Compaction's scan through the index file. For the prefix of each segment it covers, the index
 * already holds the winning version of every record and where its line is, so those lines are
 * not parsed: each winner's line is checked where it lies (a whole line, of the kind and with the
 * id, name or key the index says, compared as raw bytes) and later copied as bytes. Parsed are
 * only the lines past what the index covers (writes since, or a crash), segments left alone (a
 * live writer's: their blob keys matter, see ScanResult.keptKeys), and a line whose quick check
 * fails (the JSON check the store makes when it reads a run). A line that fails that too means
 * the index does not describe the segments: undefined, and compaction parses every line instead.
 */

import {
  emptyScan,
  type IndexedRows,
  parseInto,
  readBuffer,
  readSegment,
  type ScanResult,
  type Winner,
} from './compact-scan.js';
import type { Layout } from './files.js';
import { compareVersions, decodeLine, type SegmentRecord, type Version } from './format.js';
import { openIndexFile } from './index-file.js';
import type { DecodedSnapshot } from './snapshot.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 10;
const COMMIT = Buffer.from('{"commit"');
/** How each kind's line starts when its key field comes first, as the store writes them. */
const HEAD = {
  run: Buffer.from('{"run":{"id":"'),
  component: Buffer.from('{"component":{"name":"'),
  pointer: Buffer.from('{"pointer":{"name":"'),
  blob: Buffer.from('{"blob":{"key":"'),
};
type Kind = keyof typeof HEAD;

/**
 * Whether [off, off + len) of `buf` (committed up to `end`) is a whole line reading
 * `{"<kind>":{"<key field>":"<key>"` then `,` or `}`, and ending in `}}`. `key` is raw UTF-8
 * without a quote or a backslash, so it is also the key's JSON text.
 */
function quickCheck(
  buf: Buffer,
  end: number,
  off: number,
  len: number,
  head: Buffer,
  key: Buffer,
  from: number,
  to: number,
): boolean {
  const stop = off + len;
  const k = off + head.length;
  const q = k + to - from;
  if (q + 4 > stop || stop > end || (off > 0 && buf[off - 1] !== NEWLINE)) return false;
  if (buf[stop - 1] !== NEWLINE || buf[stop - 2] !== 0x7d || buf[stop - 3] !== 0x7d) return false;
  // Byte loops: Buffer.compare's argument checks cost more than these few bytes.
  for (let j = 0; j < head.length; j++) if (buf[off + j] !== head[j]) return false;
  for (let j = from; j < to; j++) if (buf[k + j - from] !== key[j]) return false;
  return buf[q] === QUOTE && (buf[q + 1] === 0x2c || buf[q + 1] === 0x7d);
}

const keyOf = (r: SegmentRecord) =>
  r.kind === 'run' ? r.value.id : r.kind === 'blob' ? r.value.key : (r.value as { name: string }).name;

/** The slow check, for a line the quick one refused: a whole line that parses as this record. */
function parsedCheck(buf: Buffer, end: number, off: number, len: number, kind: Kind, key: string): boolean {
  const stop = off + len;
  if (len < 2 || stop > end || (off > 0 && buf[off - 1] !== NEWLINE) || buf[stop - 1] !== NEWLINE) return false;
  const decoded = decodeLine(buf.toString('utf8', off, stop - 1));
  return 'record' in decoded && decoded.record.kind === kind && keyOf(decoded.record) === key;
}

/** Record lines (neither blank nor commits) in the first `end` bytes of a segment, without parsing them. */
function countRecords(buf: Buffer, end: number): number {
  let n = 0;
  for (let pos = 0; pos < end; ) {
    const nl = buf.indexOf(NEWLINE, pos);
    const stop = nl < 0 || nl >= end ? end : nl;
    if (stop > pos && buf.compare(COMMIT, 0, COMMIT.length, pos, Math.min(stop, pos + COMMIT.length)) !== 0) n++;
    pos = stop + 1;
  }
  return n;
}

/** A winner from the index header, with its kind and key; its line's length is found when its segment is read. */
interface Named {
  kind: Kind;
  key: string;
  w: Winner<unknown>;
}

/** The scan of `names` through the index file, or undefined when there is none or it does not fit. */
export async function scanWithIndex(
  layout: Layout,
  names: readonly string[],
  rewritten: ReadonlySet<string>,
): Promise<ScanResult | undefined> {
  const index = await openIndexFile(layout, () => {});
  if (index === undefined) return undefined;
  try {
    return await scanThrough(index.snapshot, layout.runs, names, rewritten);
  } finally {
    await index.close();
  }
}

async function scanThrough(
  snapshot: DecodedSnapshot,
  runsDir: string,
  names: readonly string[],
  rewritten: ReadonlySet<string>,
): Promise<ScanResult | undefined> {
  const { header, columns } = snapshot;
  const position = new Map(names.map((name, i) => [name, i]));
  const covered = names.map(() => ({ bytes: 0, lines: 0 }));
  const fromIndexSeg = header.segments.map((s) => position.get(s.name) ?? -1);
  for (const [k, s] of header.segments.entries()) {
    const i = fromIndexSeg[k] as number;
    // A segment it covers part of is gone: the index is older than the segments.
    if (i < 0 && s.bytes > 0) return undefined;
    if (i >= 0) covered[i] = { bytes: s.bytes, lines: s.lines };
  }
  const { cols, components, pointers } = await columns.whole();
  const n = cols.startedAt.length;
  const seg = new Int32Array(n);
  const count = new Uint32Array(names.length + 1);
  for (let r = 0; r < n; r++) {
    const s = fromIndexSeg[cols.seg[r] as number] ?? -1;
    if (s < 0 || (cols.off[r] as number) + (cols.len[r] as number) > (covered[s] as { bytes: number }).bytes) {
      return undefined;
    }
    seg[r] = s;
    count[s + 1] = (count[s + 1] as number) + 1;
  }
  // Rows per segment, in row order: start offsets, then the rows.
  for (let s = 0; s < names.length; s++) count[s + 1] = (count[s + 1] as number) + (count[s] as number);
  const rowsOf = new Uint32Array(n);
  const fill = count.slice(0, names.length);
  for (let r = 0; r < n; r++) {
    const s = seg[r] as number;
    rowsOf[fill[s] as number] = r;
    fill[s] = (fill[s] as number) + 1;
  }

  const out = emptyScan(names);
  const indexed: IndexedRows = {
    cols,
    components,
    pointers,
    seg,
    live: new Uint8Array(n).fill(1),
    newOff: new Float64Array(n).fill(Number.NaN),
    newLine: new Uint32Array(n),
  };
  out.indexed = indexed;
  // The header's winners, before any line is parsed: parsed lines must beat them to count.
  const named: Named[][] = names.map(() => []);
  const seed = <T>(
    kind: Kind,
    map: Map<string, Winner<T>>,
    list: { v: Version; value: T }[],
    key: (v: T) => string,
  ) => {
    for (const { v, value } of list) {
      const s = position.get(v.seg);
      if (s === undefined) return false;
      const w: Winner<T> = { seg: s, off: v.off, len: 0, line: 0, at: v.at, value };
      map.set(key(value), w);
      named[s]?.push({ kind, key: key(value), w });
    }
    return true;
  };
  if (
    !seed('component', out.components, header.components, (c) => c.name) ||
    !seed('pointer', out.pointers, header.pointers, (p) => p.name) ||
    !seed('blob', out.blobs, header.blobs, (b) => b.key)
  ) {
    return undefined;
  }

  const ids = Buffer.from(cols.idBytes.buffer, cols.idBytes.byteOffset, cols.idBytes.byteLength);
  // Ids with a quote or a backslash have JSON text other than their bytes: their lines take the slow check.
  const plainIds = ids.indexOf(QUOTE) < 0 && ids.indexOf(BACKSLASH) < 0;
  const idOf = (r: number) => ids.toString('utf8', cols.idStart[r], cols.idStart[r + 1]);
  const into = readBuffer();
  for (const [i, name] of names.entries()) {
    const buf = await readSegment(runsDir, name, into);
    const cov = covered[i] as { bytes: number; lines: number };
    if (buf.length < cov.bytes) return undefined;
    if (!rewritten.has(name)) {
      // Left alone: every key it mentions matters (keptKeys), so it is read whole, as before.
      out.perSeg.push(parseInto(out, i, buf, { bytes: 0, lines: 0 }, true));
      continue;
    }
    const end = cov.bytes;
    for (let x = count[i] as number; x < (count[i + 1] as number); x++) {
      const r = rowsOf[x] as number;
      const off = cols.off[r] as number;
      const len = cols.len[r] as number;
      const from = cols.idStart[r] as number;
      const to = cols.idStart[r + 1] as number;
      if (plainIds && quickCheck(buf, end, off, len, HEAD.run, ids, from, to)) continue;
      out.rechecked += 1;
      if (!parsedCheck(buf, end, off, len, 'run', idOf(r))) return undefined;
    }
    for (const { kind, key, w } of named[i] as Named[]) {
      const nl = buf.indexOf(NEWLINE, w.off);
      if (nl < 0 || nl >= end) return undefined;
      w.len = nl + 1 - w.off;
      const bytes = Buffer.from(key, 'utf8');
      const plain = bytes.indexOf(QUOTE) < 0 && bytes.indexOf(BACKSLASH) < 0;
      if (plain && quickCheck(buf, end, w.off, w.len, HEAD[kind], bytes, 0, bytes.length)) continue;
      out.rechecked += 1;
      if (!parsedCheck(buf, end, w.off, w.len, kind, key)) return undefined;
    }
    const before = countRecords(buf, end);
    out.records += before;
    out.perSeg.push(before + parseInto(out, i, buf, cov, false));
  }

  // Runs read from lines against the index's row of the same id: the newer version wins.
  if (out.runs.size > 0) {
    const read = [...out.runs.keys()];
    const olds = await columns.versions(read);
    for (const [k, id] of read.entries()) {
      const old = olds[k] as { row: number; at: number; off: number };
      if (old.row < 0) continue;
      const w = out.runs.get(id) as Winner<unknown>;
      const rowSeg = names[seg[old.row] as number] as string;
      if (
        compareVersions(
          { at: w.at, seg: names[w.seg] as string, off: w.off },
          { at: old.at, seg: rowSeg, off: old.off },
        ) > 0
      ) {
        indexed.live[old.row] = 0;
      } else out.runs.delete(id);
    }
  }
  return out;
}
