/**
 * The index file (index.ndjson): a cache of everything committed in the segments up to a
 * recorded byte offset per segment, so that opening a store does not re-read every line.
 * Three lines, read only as far as a query needs:
 *   1. header: format, which prefix of each segment it covers, components, pointers, blob keys
 *   2. window: the newest runs as JSON (light references); written for readers of earlier
 *      versions, skipped now that line 3 answers the first pages as cheaply
 *   3. all runs as binary typed columns (run-columns.ts) and a newline, read piece by piece
 * Deleting it is always safe: the next open rebuilds it from the segments.
 */
import type { Component, PointerRecord } from '../../src/model.js';
import type { BlobRef, SegmentEnd, Version } from './format.js';
import { PagedBytes } from './paged-bytes.js';
import { encodeColumns, RunColumns } from './run-columns.js';
import type { RunRef } from './run-refs.js';

export const INDEX_FORMAT = 'pipetrace-fs-json-index';
export const INDEX_VERSION = 2;
/** How many of the newest runs line 2 holds. */
export const WINDOW_SIZE = 2048;

export interface Versioned<T> {
  v: Version;
  value: T;
}

export interface SnapshotHeader {
  segments: (SegmentEnd & { name: string })[];
  runCount: number;
  components: Versioned<Component>[];
  pointers: Versioned<PointerRecord>[];
  blobs: Versioned<BlobRef>[];
  /**
   * Written by compaction: the segments its first segment replaced. A process that finds this
   * index after the switch takes it in whole instead of re-reading the new segment (store.ts adopt).
   */
  replaced?: string[];
}

type VersionTuple = [number, number, number];
type WindowRow = [string, string, number, number, string[], string[], number, number, number, number, number];

interface HeaderLine {
  format: string;
  version: number;
  /** Byte lengths of lines 2 and 3 (with their newlines), so a reader can skip straight to them. */
  parts: [number, number];
  segments: (SegmentEnd & { name: string })[];
  runCount: number;
  components: [VersionTuple, Component][];
  pointers: [VersionTuple, PointerRecord][];
  blobs: [VersionTuple, BlobRef][];
  replaced?: string[];
}

/** Encodes the index file. `runs` must be sorted in (startedAt, id) order. */
export function encodeSnapshot(header: SnapshotHeader, runs: RunRef[], segIndex: (seg: number) => number): Buffer {
  const columns = encodeColumns(runs, segIndex);
  return encodeSnapshotOf({ ...header, runCount: runs.length }, runs.slice(-WINDOW_SIZE), columns, segIndex);
}

/**
 * Encodes the index file from its parts: `window`, the newest runs in run order, and `columns`,
 * the block of all runs (encodeColumns, or a merge of an older block; run-columns-merge.ts).
 */
export function encodeSnapshotOf(
  header: SnapshotHeader,
  window: readonly RunRef[],
  columns: Uint8Array,
  segIndex: (seg: number) => number,
): Buffer {
  const segOf = (v: Version) => header.segments.findIndex((s) => s.name === v.seg);
  const tuple = (v: Version): VersionTuple => [v.at, segOf(v), v.off];
  const head: Omit<HeaderLine, 'parts'> = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    segments: header.segments,
    runCount: header.runCount,
    components: header.components.map((c) => [tuple(c.v), c.value]),
    pointers: header.pointers.map((p) => [tuple(p.v), p.value]),
    blobs: header.blobs.map((b) => [tuple(b.v), b.value]),
    ...(header.replaced === undefined ? {} : { replaced: header.replaced }),
  };
  const rows: WindowRow[] = window.map((r) => [
    r.id,
    r.component,
    r.startedAt,
    r.endedAt,
    r.inputs,
    r.outputs,
    segIndex(r.seg),
    r.off,
    r.len,
    r.line,
    r.at,
  ]);
  const line2 = Buffer.from(`${JSON.stringify(rows)}\n`, 'utf8');
  const parts = [line2.length, columns.length + 1];
  const line1 = Buffer.from(`${JSON.stringify({ ...head, parts })}\n`, 'utf8');
  return Buffer.concat([line1, line2, columns, Buffer.from('\n')]);
}

export interface DecodedSnapshot {
  header: SnapshotHeader;
  /** Every run as columns, read on demand; `seg` numbers index header.segments. */
  columns: RunColumns;
}

/**
 * Decodes the index file through `read(offset, length)`: line 1, and of line 3 only its
 * descriptor (the columns are read as queries need them). Throws when the file is malformed.
 */
export async function decodeSnapshot(
  read: (off: number, len: number) => Promise<Uint8Array>,
): Promise<DecodedSnapshot> {
  let first = Buffer.from(await read(0, 64 * 1024));
  let nl1 = first.indexOf(10);
  while (nl1 < 0) {
    const more = await read(first.length, first.length);
    if (more.length === 0) throw new Error('index file is incomplete');
    first = Buffer.concat([first, more]);
    nl1 = first.indexOf(10);
  }
  const head = JSON.parse(first.toString('utf8', 0, nl1)) as HeaderLine;
  if (head.format !== INDEX_FORMAT || head.version !== INDEX_VERSION || !Array.isArray(head.parts)) {
    throw new Error('unknown index format');
  }
  const [windowBytes, restBytes] = head.parts;
  const segName = (n: number) => {
    const s = head.segments[n];
    if (s === undefined) throw new Error(`index names segment ${n}, which it does not list`);
    return s.name;
  };
  const version = ([at, seg, off]: VersionTuple): Version => ({ at, seg: segName(seg), off });
  const header: SnapshotHeader = {
    segments: head.segments,
    runCount: head.runCount,
    components: head.components.map(([v, value]) => ({ v: version(v), value })),
    pointers: head.pointers.map(([v, value]) => ({ v: version(v), value })),
    blobs: head.blobs.map(([v, value]) => ({ v: version(v), value })),
    ...(Array.isArray(head.replaced) ? { replaced: head.replaced } : {}),
  };
  const start = nl1 + 1 + windowBytes;
  const end = await read(start + restBytes - 1, 1);
  if (end.length !== 1 || end[0] !== 10) throw new Error('index file is incomplete');
  const columns = await RunColumns.open(new PagedBytes((off, len) => read(start + off, len), restBytes - 1));
  if (columns.n !== head.runCount) throw new Error('index columns disagree with the header');
  if ((await columns.maxSeg()) >= head.segments.length) throw new Error('index names a segment it does not list');
  return { header, columns };
}
