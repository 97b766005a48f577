/**
 * The runs the index file covers, as typed columns: no object per run. A fresh process reads
 * them in a few large reads and answers filtered scans and latest writers at once, because the
 * indexes a query walks (runs per component, readers and writers per pointer, ids in order) are
 * stored ready-made. A run's light reference (RunRef) is built only for the rows a query returns.
 *
 * Binary layout: a u32 length, a JSON descriptor ({n, pointers, components, cols}), padding to
 * 8 bytes, then each column at its 8-byte-aligned offset. Rows are in (startedAt, id) order;
 * pointers and ids are UTF-8 strings with start offsets (pointers sorted, for binary search).
 */
import { firstIndex } from '../../src/sorted-lists.js';
import { compareWriteKeys, type WriteKey } from '../../src/store.js';
import type { RunRef } from './run-refs.js';

type Kind = 'f64' | 'u32' | 'u8';
type Column = Float64Array | Uint32Array | Uint8Array;

const F64 = ['startedAt', 'endedAt', 'at', 'off'] as const;
const U32 = [
  'component',
  'seg',
  'len',
  'line',
  'idStart',
  'idOrder',
  'ptrStart',
  'inStart',
  'inPtr',
  'outStart',
  'outPtr',
  'wStart',
  'wRow',
  'rStart',
  'rRow',
  'cStart',
  'cRow',
] as const;
const U8 = ['idBytes', 'ptrBytes'] as const;

type Cols = { [K in (typeof F64)[number]]: Float64Array } & { [K in (typeof U32)[number]]: Uint32Array } & {
  [K in (typeof U8)[number]]: Uint8Array;
};

interface Descriptor {
  n: number;
  pointers: number;
  components: string[];
  cols: Record<string, [Kind, number, number]>;
}

const jsOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Strings as UTF-8 bytes and start offsets (one more offset than strings). */
function packStrings(list: readonly string[]): { bytes: Uint8Array; start: Uint32Array } {
  const start = new Uint32Array(list.length + 1);
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    start[i] = total;
    total += Buffer.byteLength(list[i] as string, 'utf8');
  }
  start[list.length] = total;
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < list.length; i++) bytes.write(list[i] as string, start[i] as number, 'utf8');
  return { bytes, start };
}

/** Lists per key as one flat array with start offsets (compressed sparse rows). */
function csr(lists: readonly (readonly number[] | undefined)[]): { start: Uint32Array; flat: Uint32Array } {
  const start = new Uint32Array(lists.length + 1);
  let total = 0;
  for (let i = 0; i < lists.length; i++) {
    start[i] = total;
    total += lists[i]?.length ?? 0;
  }
  start[lists.length] = total;
  const flat = new Uint32Array(total);
  for (let i = 0; i < lists.length; i++) flat.set(lists[i] ?? [], start[i] as number);
  return { start, flat };
}

/** Encodes runs (sorted in (startedAt, id) order, one per id) as the binary column block. */
export function encodeColumns(runs: readonly RunRef[], segIndex: (seg: number) => number): Uint8Array {
  const n = runs.length;
  const components = [...new Set(runs.map((r) => r.component))].sort(jsOrder);
  const componentOf = new Map(components.map((c, i) => [c, i]));
  const seen = new Set<string>();
  for (const r of runs) {
    for (const p of r.inputs) seen.add(p);
    for (const p of r.outputs) seen.add(p);
  }
  const pointers = [...seen].sort(jsOrder);
  const pointerOf = new Map(pointers.map((p, i) => [p, i]));
  const ids = packStrings(runs.map((r) => r.id));
  const ptrs = packStrings(pointers);
  const idOrder = Uint32Array.from(runs.keys()).sort((a, b) => jsOrder(runs[a]?.id as string, runs[b]?.id as string));
  const ins = runs.map((r) => r.inputs.map((p) => pointerOf.get(p) as number));
  const outs = runs.map((r) => r.outputs.map((p) => pointerOf.get(p) as number));
  const writers: number[][] = pointers.map(() => []);
  const readers: number[][] = pointers.map(() => []);
  const byComponent: number[][] = components.map(() => []);
  for (let row = 0; row < n; row++) {
    for (const p of new Set(outs[row])) writers[p]?.push(row);
    for (const p of new Set(ins[row])) readers[p]?.push(row);
    byComponent[componentOf.get(runs[row]?.component as string) as number]?.push(row);
  }
  for (const list of writers) list.sort((a, b) => compareWriteKeys(runs[a] as RunRef, runs[b] as RunRef));
  const inCsr = csr(ins);
  const outCsr = csr(outs);
  const wCsr = csr(writers);
  const rCsr = csr(readers);
  const cCsr = csr(byComponent);
  const f64 = (pick: (r: RunRef) => number) => Float64Array.from(runs, pick);
  const u32 = (pick: (r: RunRef) => number) => Uint32Array.from(runs, pick);
  const cols: Cols = {
    startedAt: f64((r) => r.startedAt),
    endedAt: f64((r) => r.endedAt),
    at: f64((r) => r.at),
    off: f64((r) => r.off),
    component: u32((r) => componentOf.get(r.component) as number),
    seg: u32((r) => segIndex(r.seg)),
    len: u32((r) => r.len),
    line: u32((r) => r.line),
    idStart: ids.start,
    idOrder,
    ptrStart: ptrs.start,
    inStart: inCsr.start,
    inPtr: inCsr.flat,
    outStart: outCsr.start,
    outPtr: outCsr.flat,
    wStart: wCsr.start,
    wRow: wCsr.flat,
    rStart: rCsr.start,
    rRow: rCsr.flat,
    cStart: cCsr.start,
    cRow: cCsr.flat,
    idBytes: ids.bytes,
    ptrBytes: ptrs.bytes,
  };
  const pad = (x: number) => Math.ceil(x / 8) * 8;
  const layout: Descriptor['cols'] = {};
  let at = 0;
  const names = [...F64, ...U32, ...U8] as const;
  const entries = names.map((name) => {
    const col = cols[name] as Column;
    const kind: Kind = col instanceof Float64Array ? 'f64' : col instanceof Uint32Array ? 'u32' : 'u8';
    layout[name] = [kind, at, col.length];
    const bytes = new Uint8Array(col.buffer, col.byteOffset, col.byteLength);
    at = pad(at + col.byteLength);
    return bytes;
  });
  const head = Buffer.from(JSON.stringify({ n, pointers: pointers.length, components, cols: layout }), 'utf8');
  const base = pad(4 + head.length);
  const out = new Uint8Array(base + at);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  entries.forEach((bytes, i) => {
    out.set(bytes, base + (layout[names[i] as string] as [Kind, number, number])[1]);
  });
  return out;
}

/** The runs of an index file's column block; `buf` must start at an 8-byte-aligned address. */
export class RunColumns {
  readonly n: number;
  private readonly c: Cols;
  private readonly components: string[];
  private readonly pointerCount: number;
  private readonly idText: Buffer;
  private readonly ptrText: Buffer;

  constructor(buf: Uint8Array) {
    if (buf.byteOffset % 8 !== 0) buf = buf.slice();
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const headLength = view.getUint32(0, true);
    const d = JSON.parse(
      Buffer.from(buf.buffer as ArrayBuffer, buf.byteOffset + 4, headLength).toString('utf8'),
    ) as Descriptor;
    const base = buf.byteOffset + Math.ceil((4 + headLength) / 8) * 8;
    const cols: Record<string, Column> = {};
    for (const name of [...F64, ...U32, ...U8]) {
      const entry = d.cols[name];
      if (entry === undefined) throw new Error(`index columns lack ${name}`);
      const [kind, off, count] = entry;
      const size = kind === 'f64' ? 8 : kind === 'u32' ? 4 : 1;
      if (base + off + count * size > buf.byteOffset + buf.byteLength) throw new Error('index columns are cut short');
      const Type = kind === 'f64' ? Float64Array : kind === 'u32' ? Uint32Array : Uint8Array;
      cols[name] = new Type(buf.buffer as ArrayBuffer, base + off, count);
    }
    this.c = cols as Cols;
    this.n = d.n;
    this.components = d.components;
    this.pointerCount = d.pointers;
    this.idText = Buffer.from(this.c.idBytes.buffer, this.c.idBytes.byteOffset, this.c.idBytes.byteLength);
    this.ptrText = Buffer.from(this.c.ptrBytes.buffer, this.c.ptrBytes.byteOffset, this.c.ptrBytes.byteLength);
  }

  /** The highest segment number any row names (-1 without rows). */
  maxSeg(): number {
    let max = -1;
    for (const s of this.c.seg) if (s > max) max = s;
    return max;
  }

  static empty(): RunColumns {
    return new RunColumns(encodeColumns([], (seg) => seg));
  }

  id(row: number): string {
    return this.idText.toString('utf8', this.c.idStart[row], this.c.idStart[row + 1]);
  }

  startedAt(row: number): number {
    return this.c.startedAt[row] as number;
  }

  private pointer(k: number): string {
    return this.ptrText.toString('utf8', this.c.ptrStart[k], this.c.ptrStart[k + 1]);
  }

  private pointers(flat: Uint32Array, start: Uint32Array, row: number): string[] {
    const out: string[] = [];
    for (let i = start[row] as number; i < (start[row + 1] as number); i++) out.push(this.pointer(flat[i] as number));
    return out;
  }

  /** The row's light reference (its `seg` numbers the index file's segments). */
  ref(row: number): RunRef {
    const c = this.c;
    return {
      id: this.id(row),
      component: this.components[c.component[row] as number] as string,
      startedAt: c.startedAt[row] as number,
      endedAt: c.endedAt[row] as number,
      inputs: this.pointers(c.inPtr, c.inStart, row),
      outputs: this.pointers(c.outPtr, c.outStart, row),
      seg: c.seg[row] as number,
      off: c.off[row] as number,
      len: c.len[row] as number,
      line: c.line[row] as number,
      at: c.at[row] as number,
    };
  }

  /** The row of an id, or -1. */
  find(id: string): number {
    const order = this.c.idOrder;
    const i = firstIndex(this.n, (k) => this.id(order[k] as number) < id);
    return i < this.n && this.id(order[i] as number) === id ? (order[i] as number) : -1;
  }

  /** The number of a pointer name, or -1. */
  private pointerNumber(name: string): number {
    const i = firstIndex(this.pointerCount, (k) => this.pointer(k) < name);
    return i < this.pointerCount && this.pointer(i) === name ? i : -1;
  }

  /** The latest writer row of `pointer` before `before` that `skip` does not rule out, or -1. */
  latestWriter(pointer: string, before: WriteKey | undefined, skip: (row: number) => boolean): number {
    const p = this.pointerNumber(pointer);
    if (p < 0) return -1;
    const { wStart, wRow, endedAt, startedAt } = this.c;
    const lo = wStart[p] as number;
    const hi = wStart[p + 1] as number;
    const key = (row: number): WriteKey => ({
      endedAt: endedAt[row] as number,
      startedAt: startedAt[row] as number,
      id: this.id(row),
    });
    let at =
      before === undefined
        ? hi
        : lo + firstIndex(hi - lo, (k) => compareWriteKeys(key(wRow[lo + k] as number), before) < 0);
    while (at > lo && skip(wRow[at - 1] as number)) at--;
    return at > lo ? (wRow[at - 1] as number) : -1;
  }

  /**
   * The rows whose `field` has `value`, in run order; undefined for every row (no filter).
   * An unknown value gives an empty list.
   */
  rows(index: { field: 'component' | 'input' | 'output'; value: string } | undefined): Uint32Array | undefined {
    if (index === undefined) return undefined;
    const c = this.c;
    if (index.field === 'component') {
      const k = this.components.indexOf(index.value);
      return k < 0 ? new Uint32Array(0) : c.cRow.subarray(c.cStart[k], c.cStart[k + 1]);
    }
    const p = this.pointerNumber(index.value);
    if (p < 0) return new Uint32Array(0);
    if (index.field === 'input') return c.rRow.subarray(c.rStart[p], c.rStart[p + 1]);
    // Writers are kept in WriteKey order; row numbers are run order.
    return c.wRow.slice(c.wStart[p], c.wStart[p + 1]).sort();
  }
}
