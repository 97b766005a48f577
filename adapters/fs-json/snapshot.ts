/**
 * The index file (index.ndjson): a cache of everything committed in the segments up to a
 * recorded byte offset per segment, so that opening a store does not re-read every line.
 * Three JSON lines, parsed only as far as a query needs:
 *   1. header: format, which prefix of each segment it covers, components, pointers, blob keys
 *   2. window: the newest runs (light references), enough for recent() and the first pages
 *   3. all runs as columns (ids, delta-coded times, pointer numbers), parsed on first need
 * Deleting it is always safe: the next open rebuilds it from the segments.
 */
import type { Component, PointerRecord } from '../../src/model.js';
import type { BlobRef, SegmentEnd, Version } from './format.js';
import type { RunRef } from './run-refs.js';

export const INDEX_FORMAT = 'pipetrace-fs-json-index';
export const INDEX_VERSION = 1;
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
}

interface Columns {
  id: string[];
  components: string[];
  component: number[];
  startedAt: number[];
  duration: number[];
  pointers: string[];
  /** How many inputs each run has; the pointer numbers of all runs follow in `inputs`. */
  inputCount: number[];
  inputs: number[];
  outputCount: number[];
  outputs: number[];
  seg: number[];
  off: number[];
  len: number[];
  line: number[];
  at: number[];
}

const delta = (xs: number[]) => xs.map((x, i) => (i === 0 ? x : x - (xs[i - 1] as number)));
function undelta(xs: number[]): number[] {
  for (let i = 1; i < xs.length; i++) xs[i] = (xs[i] as number) + (xs[i - 1] as number);
  return xs;
}

/** Encodes the index file. `runs` must be sorted in (startedAt, id) order. */
export function encodeSnapshot(header: SnapshotHeader, runs: RunRef[], segIndex: (seg: number) => number): string {
  const segOf = (v: Version) => header.segments.findIndex((s) => s.name === v.seg);
  const tuple = (v: Version): VersionTuple => [v.at, segOf(v), v.off];
  const head: Omit<HeaderLine, 'parts'> = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    segments: header.segments,
    runCount: runs.length,
    components: header.components.map((c) => [tuple(c.v), c.value]),
    pointers: header.pointers.map((p) => [tuple(p.v), p.value]),
    blobs: header.blobs.map((b) => [tuple(b.v), b.value]),
  };
  const window: WindowRow[] = runs
    .slice(-WINDOW_SIZE)
    .map((r) => [
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
  const table = <T>(map: Map<T, number>, list: T[], value: T): number => {
    let n = map.get(value);
    if (n === undefined) {
      n = list.length;
      list.push(value);
      map.set(value, n);
    }
    return n;
  };
  const componentMap = new Map<string, number>();
  const pointerMap = new Map<string, number>();
  const cols: Columns = {
    id: runs.map((r) => r.id),
    components: [],
    component: [],
    startedAt: delta(runs.map((r) => r.startedAt)),
    duration: runs.map((r) => r.endedAt - r.startedAt),
    pointers: [],
    inputCount: [],
    inputs: [],
    outputCount: [],
    outputs: [],
    seg: runs.map((r) => segIndex(r.seg)),
    off: delta(runs.map((r) => r.off)),
    len: runs.map((r) => r.len),
    line: delta(runs.map((r) => r.line)),
    at: delta(runs.map((r) => r.at)),
  };
  for (const r of runs) {
    cols.component.push(table(componentMap, cols.components, r.component));
    cols.inputCount.push(r.inputs.length);
    for (const p of r.inputs) cols.inputs.push(table(pointerMap, cols.pointers, p));
    cols.outputCount.push(r.outputs.length);
    for (const p of r.outputs) cols.outputs.push(table(pointerMap, cols.pointers, p));
  }
  const line2 = `${JSON.stringify(window)}\n`;
  const line3 = `${JSON.stringify(cols)}\n`;
  const parts = [Buffer.byteLength(line2), Buffer.byteLength(line3)];
  return `${JSON.stringify({ ...head, parts })}\n${line2}${line3}`;
}

export interface DecodedSnapshot {
  header: SnapshotHeader;
  /** The newest runs; `seg` numbers index header.segments. */
  window: RunRef[];
  /** Every run, read and parsed on call; `seg` numbers index header.segments. */
  rest: () => Promise<RunRef[]>;
}

/**
 * Decodes lines 1 and 2 of the index file through `read(offset, length)`; line 3 is read and
 * parsed only when `rest()` is called. Throws when the file is malformed.
 */
export async function decodeSnapshot(read: (off: number, len: number) => Promise<Buffer>): Promise<DecodedSnapshot> {
  let first = await read(0, 64 * 1024);
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
  const line = async (off: number, len: number): Promise<string> => {
    const buf = await read(off, len);
    if (buf.length !== len || buf[len - 1] !== 10) throw new Error('index file is incomplete');
    return buf.toString('utf8', 0, len - 1);
  };
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
  };
  const rows = JSON.parse(await line(nl1 + 1, windowBytes)) as WindowRow[];
  const window = rows.map(([id, component, startedAt, endedAt, inputs, outputs, seg, off, len, line, at]) => {
    segName(seg);
    return { id, component, startedAt, endedAt, inputs, outputs, seg, off, len, line, at };
  });
  const rest = async (): Promise<RunRef[]> => {
    const c = JSON.parse(await line(nl1 + 1 + windowBytes, restBytes)) as Columns;
    const startedAt = undelta(c.startedAt);
    const at = undelta(c.at);
    const off = undelta(c.off);
    const lines = undelta(c.line);
    // Walks a flattened list: the next `count` pointer names.
    const reader = (flat: number[]) => {
      let at = 0;
      return (count: number): string[] => {
        const out = new Array<string>(count);
        for (let k = 0; k < count; k++) out[k] = c.pointers[flat[at++] as number] as string;
        return out;
      };
    };
    const inputs = reader(c.inputs);
    const outputs = reader(c.outputs);
    const out: RunRef[] = new Array(c.id.length);
    for (let i = 0; i < c.id.length; i++) {
      const start = startedAt[i] as number;
      const ref: RunRef = {
        id: c.id[i] as string,
        component: c.components[c.component[i] as number] as string,
        startedAt: start,
        endedAt: start + (c.duration[i] as number),
        inputs: inputs(c.inputCount[i] as number),
        outputs: outputs(c.outputCount[i] as number),
        seg: c.seg[i] as number,
        off: off[i] as number,
        len: c.len[i] as number,
        line: lines[i] as number,
        at: at[i] as number,
      };
      segName(ref.seg);
      out[i] = ref;
    }
    return out;
  };
  return { header, window, rest };
}
