/**
 * Compaction, step one: read every segment's committed batches and find, for each run id,
 * component, pointer and blob key, the one version that counts (the same rule the store folds
 * by: commit time, then segment name, then offset). Only light facts are kept per record.
 * This parses every line; compact-scan-index.ts takes what the index file covers from it instead.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Component, PointerRecord } from '../../src/model.js';
import type { IndexedRun } from '../../src/run-index.js';
import { type Batch, type BlobRef, compareVersions, type Problem, parseSegment } from './format.js';
import type { Cols } from './run-columns.js';

/** A version that counts, and where its line is (`seg` indexes ScanResult.names). */
export interface Winner<T> {
  seg: number;
  off: number;
  len: number;
  line: number;
  at: number;
  value: T;
}

/** The runs of the index file, as its columns: winners whose lines were checked, not parsed. */
export interface IndexedRows {
  cols: Cols;
  components: string[];
  pointers: number;
  /** Each row's segment, as an index into ScanResult.names. */
  seg: Int32Array;
  /** 1 for a row that is its id's winning version; 0 for one a line past the index replaced. */
  live: Uint8Array;
  /** Where the copy puts each row's line in the new segment (NaN: not copied), and its line number. */
  newOff: Float64Array;
  newLine: Uint32Array;
}

export interface ScanResult {
  /** The segments read, in name order. */
  names: string[];
  /** Where each segment's committed part ends. */
  ends: { bytes: number; lines: number }[];
  /** Bytes after each segment's last commit. */
  tails: number[];
  /** Whether each segment's tail has the shape a crash leaves (only such a tail may be dropped). */
  tailTorn: boolean[];
  /** Winning runs read from lines (with `indexed`, only those past the index or in segments left alone). */
  runs: Map<string, Winner<IndexedRun>>;
  components: Map<string, Winner<Component>>;
  pointers: Map<string, Winner<PointerRecord>>;
  blobs: Map<string, Winner<BlobRef>>;
  /** The winning runs the index file covers, when the scan went through it. */
  indexed?: IndexedRows;
  /** Blob keys with a record in a segment that will not be rewritten (its tombstone must stay). */
  keptKeys: Set<string>;
  /** Record lines read in all (winners or not), and per segment. */
  records: number;
  perSeg: number[];
  /** Record lines parsed as JSON, and lines the index covers whose quick check failed (then parsed). */
  parsed: number;
  rechecked: number;
  problems: Problem[];
}

export function emptyScan(names: readonly string[]): ScanResult {
  return {
    names: [...names],
    ends: [],
    tails: [],
    tailTorn: [],
    runs: new Map(),
    components: new Map(),
    pointers: new Map(),
    blobs: new Map(),
    keptKeys: new Set(),
    records: 0,
    perSeg: [],
    parsed: 0,
    rechecked: 0,
    problems: [],
  };
}

/** A buffer reused from one segment read to the next: fresh 64 MiB buffers cost page faults each time. */
export interface ReadBuffer {
  buf: Buffer;
}

export const readBuffer = (): ReadBuffer => ({ buf: Buffer.alloc(0) });

/**
 * Reads a file whole into `into` (grown as needed): the bytes returned are valid until the next
 * read into it.
 */
export async function readWhole(path: string, into: ReadBuffer): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    if (into.buf.length < size) into.buf = Buffer.allocUnsafe(Math.max(size, Math.floor(into.buf.length * 1.25)));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await file.read(into.buf, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return into.buf.subarray(0, done);
  } finally {
    await file.close();
  }
}

/** Reads a segment whole (see readWhole); a segment removed meanwhile reads as empty. */
export async function readSegment(runsDir: string, name: string, into: ReadBuffer): Promise<Buffer> {
  try {
    return await readWhole(join(runsDir, name), into);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return Buffer.alloc(0);
  }
}

/** Whether a version at (seg, off, at) beats `old`. */
export function isNewer(scan: ScanResult, seg: number, off: number, at: number, old: Winner<unknown> | undefined) {
  const { names } = scan;
  return (
    old === undefined ||
    compareVersions(
      { at, seg: names[seg] as string, off },
      { at: old.at, seg: names[old.seg] as string, off: old.off },
    ) > 0
  );
}

/** Takes the parsed batches of segment `seg` into the scan's winners; `kept`: a segment left alone. */
export function foldBatches(out: ScanResult, seg: number, batches: readonly Batch[], kept: boolean): void {
  for (const { at, records } of batches) {
    for (const r of records) {
      out.records += 1;
      out.parsed += 1;
      const { off, len, line } = r;
      if (r.kind === 'run') {
        const { id, component, startedAt, endedAt, inputs, outputs } = r.value;
        if (isNewer(out, seg, off, at, out.runs.get(id))) {
          const value = { id, component, startedAt, endedAt, inputs, outputs };
          out.runs.set(id, { seg, off, len, line, at, value });
        }
      } else if (r.kind === 'component') {
        if (isNewer(out, seg, off, at, out.components.get(r.value.name))) {
          out.components.set(r.value.name, { seg, off, len, line, at, value: r.value });
        }
      } else if (r.kind === 'pointer') {
        if (isNewer(out, seg, off, at, out.pointers.get(r.value.name))) {
          out.pointers.set(r.value.name, { seg, off, len, line, at, value: r.value });
        }
      } else {
        if (kept) out.keptKeys.add(r.value.key);
        if (isNewer(out, seg, off, at, out.blobs.get(r.value.key))) {
          out.blobs.set(r.value.key, { seg, off, len, line, at, value: r.value });
        }
      }
    }
  }
}

/** Parses segment `seg` from `start` on (a prefix the index covers is skipped) and folds it in. */
export function parseInto(
  out: ScanResult,
  seg: number,
  buf: Buffer,
  start: { bytes: number; lines: number },
  kept: boolean,
): number {
  const name = out.names[seg] as string;
  const parsed = parseSegment(buf.subarray(start.bytes), start, `segments/${name}`, (p) => out.problems.push(p));
  out.ends.push(parsed.end);
  out.tails.push(parsed.tailBytes);
  out.tailTorn.push(parsed.tailTorn);
  const before = out.records;
  foldBatches(out, seg, parsed.batches, kept);
  return out.records - before;
}

/** Reads the named segments (sorted) and returns the winning version of every record. */
export async function scanSegments(
  runsDir: string,
  names: readonly string[],
  rewritten: ReadonlySet<string>,
): Promise<ScanResult> {
  const out = emptyScan(names);
  const into = readBuffer();
  for (const [seg, name] of names.entries()) {
    const buf = await readSegment(runsDir, name, into);
    out.perSeg.push(parseInto(out, seg, buf, { bytes: 0, lines: 0 }, !rewritten.has(name)));
  }
  return out;
}
