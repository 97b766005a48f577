/**
 * Runs as plain columns, in any order, for encoding the index's column block (run-columns.ts)
 * without an object per run: compaction fills one straight from its scan (compact-index.ts),
 * and encodeColumns from references. The encoder sorts rows, pointers and components with
 * typed arrays of indexes and builds every list by counting.
 */

import type { IndexedRun } from '../../src/run-index.js';
import type { RunRef } from './run-ref.js';

/** JavaScript's string order (UTF-16 code units), which the column block's sorted lists use. */
export const jsOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One row per run id; pointers and components by number into `pointers` and `components`. */
export interface RunTable {
  n: number;
  ids: string[];
  startedAt: Float64Array;
  endedAt: Float64Array;
  at: Float64Array;
  off: Float64Array;
  seg: Uint32Array;
  len: Uint32Array;
  line: Uint32Array;
  component: Uint32Array;
  components: string[];
  pointers: string[];
  /** Each row's inputs and outputs: inPtr[inStart[row] .. inStart[row + 1]) (same for out). */
  inStart: Uint32Array;
  inPtr: Uint32Array;
  outStart: Uint32Array;
  outPtr: Uint32Array;
}

/** The indexes 0..n-1 sorted by `compare`. */
function sortedIndexes(n: number, compare: (a: number, b: number) => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort(compare);
}

/** The strings `used` marks, in string order (`order`), and each one's rank among them (`to`). */
function ranked(names: readonly string[], used: Uint8Array): { order: Uint32Array; to: Uint32Array } {
  const order = sortedIndexes(names.length, (a, b) => jsOrder(names[a] as string, names[b] as string)).filter(
    (k) => used[k] === 1,
  );
  const to = new Uint32Array(names.length);
  order.forEach((k, rank) => {
    to[k] = rank;
  });
  return { order, to };
}

/** Strings in a given order, as UTF-8 bytes and start offsets. */
function packed(list: readonly string[], order: Uint32Array): { bytes: Uint8Array; start: Uint32Array } {
  const start = new Uint32Array(order.length + 1);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    start[i] = total;
    total += Buffer.byteLength(list[order[i] as number] as string, 'utf8');
  }
  start[order.length] = total;
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < order.length; i++) bytes.write(list[order[i] as number] as string, start[i] as number, 'utf8');
  return { bytes, start };
}

/**
 * Lists of rows per key, rows ascending, each row once per key: `keysOf(row, visit)` visits a
 * row's keys (repeats allowed). Returns start offsets (one more than keys) and the flat rows.
 */
function rowsPerKey(
  n: number,
  keys: number,
  keysOf: (row: number, visit: (key: number) => void) => void,
): { start: Uint32Array; flat: Uint32Array } {
  const count = new Uint32Array(keys);
  const last = new Int32Array(keys).fill(-1);
  for (let row = 0; row < n; row++) {
    keysOf(row, (k) => {
      if (last[k] === row) return;
      last[k] = row;
      count[k] = (count[k] as number) + 1;
    });
  }
  const start = new Uint32Array(keys + 1);
  for (let k = 0; k < keys; k++) start[k + 1] = (start[k] as number) + (count[k] as number);
  const at = start.slice(0, keys);
  const flat = new Uint32Array(start[keys] as number);
  last.fill(-1);
  for (let row = 0; row < n; row++) {
    keysOf(row, (k) => {
      if (last[k] === row) return;
      last[k] = row;
      flat[at[k] as number] = row;
      at[k] = (at[k] as number) + 1;
    });
  }
  return { start, flat };
}

/** The columns of the index's block for a table (run-columns.ts packColumns lays them out). */
export function encodeTable(t: RunTable) {
  const { n, ids } = t;
  // Rows in run order, (startedAt, id).
  const order = sortedIndexes(n, (a, b) => {
    const x = t.startedAt[a] as number;
    const y = t.startedAt[b] as number;
    return x !== y ? (x < y ? -1 : 1) : jsOrder(ids[a] as string, ids[b] as string);
  });
  // Components and pointers that some row names, in string order.
  const usedComponent = new Uint8Array(t.components.length);
  for (let i = 0; i < n; i++) usedComponent[t.component[i] as number] = 1;
  const { order: componentOrder, to: componentTo } = ranked(t.components, usedComponent);
  const usedPointer = new Uint8Array(t.pointers.length);
  for (const p of t.inPtr.subarray(0, t.inStart[n])) usedPointer[p] = 1;
  for (const p of t.outPtr.subarray(0, t.outStart[n])) usedPointer[p] = 1;
  const { order: pointerOrder, to: pointerTo } = ranked(t.pointers, usedPointer);
  const pointerCount = pointerOrder.length;

  const f64 = (col: Float64Array) => Float64Array.from(order, (i) => col[i] as number);
  const u32 = (col: Uint32Array) => Uint32Array.from(order, (i) => col[i] as number);
  const component = Uint32Array.from(order, (i) => componentTo[t.component[i] as number] as number);
  /** A row's pointer list (CSR) in run order, pointers renumbered. */
  const lists = (start: Uint32Array, ptr: Uint32Array) => {
    const outStart = new Uint32Array(n + 1);
    for (let row = 0; row < n; row++) {
      const i = order[row] as number;
      outStart[row + 1] = (outStart[row] as number) + (start[i + 1] as number) - (start[i] as number);
    }
    const flat = new Uint32Array(outStart[n] as number);
    for (let row = 0; row < n; row++) {
      const i = order[row] as number;
      let w = outStart[row] as number;
      for (let x = start[i] as number; x < (start[i + 1] as number); x++)
        flat[w++] = pointerTo[ptr[x] as number] as number;
    }
    return { start: outStart, flat };
  };
  const ins = lists(t.inStart, t.inPtr);
  const outs = lists(t.outStart, t.outPtr);
  const idText = packed(ids, order);
  const ptrText = packed(t.pointers, pointerOrder);
  const idOrder = sortedIndexes(n, (a, b) =>
    jsOrder(ids[order[a] as number] as string, ids[order[b] as number] as string),
  );
  const forEach = (l: { start: Uint32Array; flat: Uint32Array }) => (row: number, visit: (k: number) => void) => {
    for (let x = l.start[row] as number; x < (l.start[row + 1] as number); x++) visit(l.flat[x] as number);
  };
  const readers = rowsPerKey(n, pointerCount, forEach(ins));
  const writers = rowsPerKey(n, pointerCount, forEach(outs));
  const byComponent = rowsPerKey(n, componentOrder.length, (row, visit) => visit(component[row] as number));
  // Writers per pointer in WriteKey order (endedAt, startedAt, id); rows are in run order.
  const endedAt = f64(t.endedAt);
  const startedAt = f64(t.startedAt);
  const writeOrder = (a: number, b: number) => {
    const ea = endedAt[a] as number;
    const eb = endedAt[b] as number;
    if (ea !== eb) return ea < eb ? -1 : 1;
    const sa = startedAt[a] as number;
    const sb = startedAt[b] as number;
    if (sa !== sb) return sa < sb ? -1 : 1;
    return jsOrder(ids[order[a] as number] as string, ids[order[b] as number] as string);
  };
  for (let p = 0; p < pointerCount; p++) {
    const lo = writers.start[p] as number;
    const hi = writers.start[p + 1] as number;
    if (hi - lo > 1) writers.flat.subarray(lo, hi).sort(writeOrder);
  }
  return {
    cols: {
      startedAt,
      endedAt,
      at: f64(t.at),
      off: f64(t.off),
      component,
      seg: u32(t.seg),
      len: u32(t.len),
      line: u32(t.line),
      idStart: idText.start,
      idOrder,
      ptrStart: ptrText.start,
      inStart: ins.start,
      inPtr: ins.flat,
      outStart: outs.start,
      outPtr: outs.flat,
      wStart: writers.start,
      wRow: writers.flat,
      rStart: readers.start,
      rRow: readers.flat,
      cStart: byComponent.start,
      cRow: byComponent.flat,
      idBytes: idText.bytes,
      ptrBytes: ptrText.bytes,
    },
    components: Array.from(componentOrder, (k) => t.components[k] as string),
    pointers: pointerCount,
  };
}

/** Where a run's line is, beside its segment. */
type Place = Pick<RunRef, 'off' | 'len' | 'line' | 'at'>;

/** A table of `n` runs, which `each` visits in turn with the segment number and place of each. */
export function tableFrom(
  n: number,
  each: (visit: (run: IndexedRun, seg: number, place: Place) => void) => void,
): RunTable {
  const components = new Interned();
  const pointers = new Interned();
  const inPtr: number[] = [];
  const outPtr: number[] = [];
  const t: RunTable = {
    n,
    ids: new Array<string>(n),
    startedAt: new Float64Array(n),
    endedAt: new Float64Array(n),
    at: new Float64Array(n),
    off: new Float64Array(n),
    seg: new Uint32Array(n),
    len: new Uint32Array(n),
    line: new Uint32Array(n),
    component: new Uint32Array(n),
    components: components.list,
    pointers: pointers.list,
    inStart: new Uint32Array(n + 1),
    inPtr: new Uint32Array(0),
    outStart: new Uint32Array(n + 1),
    outPtr: new Uint32Array(0),
  };
  let i = 0;
  each((r, seg, place) => {
    t.ids[i] = r.id;
    t.startedAt[i] = r.startedAt;
    t.endedAt[i] = r.endedAt;
    t.at[i] = place.at;
    t.off[i] = place.off;
    t.seg[i] = seg;
    t.len[i] = place.len;
    t.line[i] = place.line;
    t.component[i] = components.of(r.component);
    for (const p of r.inputs) inPtr.push(pointers.of(p));
    for (const p of r.outputs) outPtr.push(pointers.of(p));
    i += 1;
    t.inStart[i] = inPtr.length;
    t.outStart[i] = outPtr.length;
  });
  t.inPtr = Uint32Array.from(inPtr);
  t.outPtr = Uint32Array.from(outPtr);
  return t;
}

/** A table of run references (the `seg` of each through `segIndex`). */
export function tableOf(runs: readonly RunRef[], segIndex: (seg: number) => number): RunTable {
  return tableFrom(runs.length, (visit) => {
    for (const r of runs) visit(r, segIndex(r.seg), r);
  });
}

/** Strings numbered in the order first met. */
export class Interned {
  readonly list: string[] = [];
  private readonly numbers = new Map<string, number>();

  of(s: string): number {
    let k = this.numbers.get(s);
    if (k === undefined) {
      k = this.list.push(s) - 1;
      this.numbers.set(s, k);
    }
    return k;
  }
}
