/**
 * The runs the index file covers, as typed columns: no object per run. A fresh process reads
 * only the bytes a question touches (paged-bytes.ts): the indexes a query walks (runs per
 * component, readers and writers per pointer, ids in order) are stored ready-made, so a filtered
 * page or a latest writer costs a few binary-search steps and the rows it returns, however many
 * runs the store holds. A run's light reference (RunRef) is built only for those rows.
 *
 * Binary layout: a u32 length, a JSON descriptor ({n, pointers, components, maxSeg, cols}),
 * padding to 8 bytes, then each column (little-endian) at its 8-byte-aligned offset. Rows are in (startedAt, id) order;
 * pointers and ids are UTF-8 strings with start offsets (pointers sorted, for binary search).
 */
import { firstIndex } from '../../src/sorted-lists.js';
import { compareWriteKeys, type WriteKey } from '../../src/store.js';
import { PagedBytes } from './paged-bytes.js';
import type { RunRef } from './run-ref.js';
import { encodeTable, tableOf } from './run-table.js';

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

/** Every column of a block as a typed array. */
export type Cols = { [K in (typeof F64)[number]]: Float64Array } & { [K in (typeof U32)[number]]: Uint32Array } & {
  [K in (typeof U8)[number]]: Uint8Array;
};

interface Descriptor {
  n: number;
  pointers: number;
  components: string[];
  /** The highest segment number a row names (-1 without rows); absent in files of older versions. */
  maxSeg?: number;
  cols: Record<string, [Kind, number, number]>;
}

export { jsOrder } from './run-table.js';

/** Encodes runs (one per id) as the binary column block. */
export function encodeColumns(runs: readonly RunRef[], segIndex: (seg: number) => number): Uint8Array {
  const { cols, components, pointers } = encodeTable(tableOf(runs, segIndex));
  return packColumns(cols, components, pointers);
}

/** The binary column block (see the top of this file) for columns already built. */
export function packColumns(cols: Cols, components: string[], pointers: number): Uint8Array {
  const n = cols.startedAt.length;
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
  const maxSeg = cols.seg.reduce((max, s) => Math.max(max, s), -1);
  const descriptor: Descriptor = { n, pointers, components, maxSeg, cols: layout };
  const head = Buffer.from(JSON.stringify(descriptor), 'utf8');
  const base = pad(4 + head.length);
  const out = new Uint8Array(base + at);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  entries.forEach((bytes, i) => {
    out.set(bytes, base + (layout[names[i] as string] as [Kind, number, number])[1]);
  });
  return out;
}

/** Looking up more ids or rows than this at once reads the whole block instead of row by row. */
const BULK = 4096;

const SIZE: Record<Kind, number> = { f64: 8, u32: 4, u8: 1 };
type U32Name = (typeof U32)[number];
type F64Name = (typeof F64)[number];

/** The first index in [0, n) at which `below` turns false, with a test that reads from the file. */
async function firstIndexAsync(n: number, below: (i: number) => Promise<boolean>): Promise<number> {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (await below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
export const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** Row numbers a query walks, in run order: read from a column as they are needed. */
export interface RowList {
  readonly length: number;
  slice(lo: number, hi: number): Promise<Uint32Array>;
}

const identity = (n: number): RowList => ({
  length: n,
  slice: async (lo, hi) => Uint32Array.from({ length: hi - lo }, (_, i) => lo + i),
});

const inMemory = (rows: Uint32Array): RowList => ({ length: rows.length, slice: async (lo, hi) => rows.slice(lo, hi) });

/**
 * The runs of an index file's column block, read on demand: each method reads only the bytes
 * it needs, through a page cache, so its cost follows the rows it touches, not the store's size.
 */
export class RunColumns {
  readonly n: number;
  private readonly components: string[];
  private readonly pointerCount: number;
  /** This process's number for each segment number the block holds (see mapSegments). */
  private segMap: readonly number[] | undefined;

  private constructor(
    private readonly file: PagedBytes,
    private readonly d: Descriptor,
    private readonly base: number,
  ) {
    this.n = d.n;
    this.components = d.components;
    this.pointerCount = d.pointers;
  }

  /** Reads the block's descriptor and checks that every column lies inside the block. */
  static async open(file: PagedBytes): Promise<RunColumns> {
    const headLength = view(await file.bytes(0, 4)).getUint32(0, true);
    const d = JSON.parse(utf8(await file.bytes(4, headLength))) as Descriptor;
    const base = Math.ceil((4 + headLength) / 8) * 8;
    if (!Number.isInteger(d.n) || !Array.isArray(d.components)) throw new Error('index columns lack a descriptor');
    for (const name of [...F64, ...U32, ...U8]) {
      const entry = d.cols?.[name];
      if (entry === undefined) throw new Error(`index columns lack ${name}`);
      const [kind, off, count] = entry;
      if (base + off + count * SIZE[kind] > file.length) throw new Error('index columns are cut short');
    }
    return new RunColumns(file, d, base);
  }

  static empty(): RunColumns {
    const block = encodeColumns([], (seg) => seg);
    const headLength = view(block).getUint32(0, true);
    const d = JSON.parse(utf8(block.subarray(4, 4 + headLength))) as Descriptor;
    return new RunColumns(PagedBytes.of(block), d, Math.ceil((4 + headLength) / 8) * 8);
  }

  /**
   * Makes every reference name segments by this process's numbers: `numbers[k]` for the block's
   * segment k (the block numbers its index file's segments).
   */
  mapSegments(numbers: readonly number[]): void {
    this.segMap = numbers.every((n, k) => n === k) ? undefined : numbers;
  }

  private seg(s: number): number {
    return this.segMap === undefined ? s : (this.segMap[s] as number);
  }

  /** Reads made so far, and the bytes they asked for. */
  get reads(): { reads: number; bytes: number; of: number } {
    return { reads: this.file.reads, bytes: this.file.bytesRead, of: this.file.length };
  }

  private at(name: string, i: number): number {
    const [kind, off] = this.d.cols[name] as [Kind, number, number];
    return this.base + off + i * SIZE[kind];
  }

  private async u32(name: U32Name, i: number): Promise<number> {
    return view(await this.file.bytes(this.at(name, i), 4)).getUint32(0, true);
  }

  private async f64(name: F64Name, i: number): Promise<number> {
    return view(await this.file.bytes(this.at(name, i), 8)).getFloat64(0, true);
  }

  /** Entries [lo, hi) of a u32 column. */
  private async u32s(name: U32Name, lo: number, hi: number): Promise<Uint32Array> {
    const bytes = await this.file.bytes(this.at(name, lo), (hi - lo) * 4);
    const out = new Uint32Array(hi - lo);
    const v = view(bytes);
    for (let i = 0; i < out.length; i++) out[i] = v.getUint32(i * 4, true);
    return out;
  }

  /** String k of a packed string column (`start` offsets into `text`). */
  private async text(start: U32Name, text: 'idBytes' | 'ptrBytes', k: number): Promise<string> {
    const [from, to] = await this.u32s(start, k, k + 2);
    return utf8(await this.file.bytes(this.at(text, from as number), (to as number) - (from as number)));
  }

  /** The highest segment number any row names (-1 without rows). */
  async maxSeg(): Promise<number> {
    if (this.d.maxSeg !== undefined) return this.d.maxSeg;
    return (await this.u32s('seg', 0, this.n)).reduce((max, s) => Math.max(max, s), -1);
  }

  id(row: number): Promise<string> {
    return this.text('idStart', 'idBytes', row);
  }

  startedAt(row: number): Promise<number> {
    return this.f64('startedAt', row);
  }

  private pointer(k: number): Promise<string> {
    return this.text('ptrStart', 'ptrBytes', k);
  }

  private async pointers(flat: 'inPtr' | 'outPtr', start: 'inStart' | 'outStart', row: number): Promise<string[]> {
    const [from, to] = await this.u32s(start, row, row + 2);
    const ks = await this.u32s(flat, from as number, to as number);
    return Promise.all(Array.from(ks, (k) => this.pointer(k)));
  }

  /** The row's light reference (its `seg` numbers the index file's segments). */
  async ref(row: number): Promise<RunRef> {
    const [id, component, startedAt, endedAt, inputs, outputs, seg, off, len, line, at] = await Promise.all([
      this.id(row),
      this.u32('component', row),
      this.f64('startedAt', row),
      this.f64('endedAt', row),
      this.pointers('inPtr', 'inStart', row),
      this.pointers('outPtr', 'outStart', row),
      this.u32('seg', row),
      this.f64('off', row),
      this.u32('len', row),
      this.u32('line', row),
      this.f64('at', row),
    ]);
    return {
      id,
      component: this.components[component] as string,
      startedAt,
      endedAt,
      inputs,
      outputs,
      seg: this.seg(seg),
      off,
      len,
      line,
      at,
    };
  }

  /** The row of an id, or -1. */
  async find(id: string): Promise<number> {
    const idAt = async (k: number) => this.id(await this.u32('idOrder', k));
    const i = await firstIndexAsync(this.n, async (k) => (await idAt(k)) < id);
    return i < this.n && (await idAt(i)) === id ? this.u32('idOrder', i) : -1;
  }

  /** The number of a pointer name, or -1. */
  private async pointerNumber(name: string): Promise<number> {
    const i = await firstIndexAsync(this.pointerCount, async (k) => (await this.pointer(k)) < name);
    return i < this.pointerCount && (await this.pointer(i)) === name ? i : -1;
  }

  /** The latest writer row of `pointer` before `before` that `skip` does not rule out, or -1. */
  async latestWriter(pointer: string, before: WriteKey | undefined, skip: (row: number) => boolean): Promise<number> {
    const p = await this.pointerNumber(pointer);
    if (p < 0) return -1;
    const [lo, hi] = (await this.u32s('wStart', p, p + 2)) as unknown as [number, number];
    const key = async (row: number): Promise<WriteKey> => {
      const [endedAt, startedAt, id] = await Promise.all([this.f64('endedAt', row), this.startedAt(row), this.id(row)]);
      return { endedAt, startedAt, id };
    };
    let at =
      before === undefined
        ? hi
        : lo +
          (await firstIndexAsync(
            hi - lo,
            async (k) => compareWriteKeys(await key(await this.u32('wRow', lo + k)), before) < 0,
          ));
    while (at > lo && skip(await this.u32('wRow', at - 1))) at--;
    return at > lo ? this.u32('wRow', at - 1) : -1;
  }

  /**
   * The rows whose `field` has `value`, in run order; every row without a filter. An unknown
   * value gives an empty list.
   */
  async rows(index: { field: 'component' | 'input' | 'output'; value: string } | undefined): Promise<RowList> {
    if (index === undefined) return identity(this.n);
    const slice = async (start: 'cStart' | 'rStart', rows: 'cRow' | 'rRow', k: number): Promise<RowList> => {
      const [lo, hi] = (await this.u32s(start, k, k + 2)) as unknown as [number, number];
      return { length: hi - lo, slice: (a, b) => this.u32s(rows, lo + a, lo + b) };
    };
    if (index.field === 'component') {
      const k = this.components.indexOf(index.value);
      return k < 0 ? inMemory(new Uint32Array(0)) : slice('cStart', 'cRow', k);
    }
    const p = await this.pointerNumber(index.value);
    if (p < 0) return inMemory(new Uint32Array(0));
    if (index.field === 'input') return slice('rStart', 'rRow', p);
    // Writers are kept in WriteKey order; row numbers are run order.
    const [lo, hi] = (await this.u32s('wStart', p, p + 2)) as unknown as [number, number];
    return inMemory((await this.u32s('wRow', lo, hi)).sort());
  }

  /** The whole block as typed columns, with its component names and pointer count (for merging). */
  async whole(): Promise<{ cols: Cols; components: string[]; pointers: number }> {
    return { cols: await this.columns(), components: this.components, pointers: this.pointerCount };
  }

  /** Every column as a typed array over the whole block, which is read once. */
  private async columns(): Promise<Cols> {
    const block = await this.file.loadWhole();
    const cols: Record<string, Column> = {};
    for (const name of [...F64, ...U32, ...U8]) {
      const [kind, off, count] = this.d.cols[name] as [Kind, number, number];
      const Type = kind === 'f64' ? Float64Array : kind === 'u32' ? Uint32Array : Uint8Array;
      cols[name] = new Type(block.buffer as ArrayBuffer, block.byteOffset + this.base + off, count);
    }
    const map = this.segMap;
    if (map !== undefined) cols.seg = (cols.seg as Uint32Array).map((s) => map[s] as number);
    return cols as Cols;
  }

  private ids: Promise<string[]> | undefined;

  /** Every id in row order, decoded once (for many lookups at once). */
  private allIds(): Promise<string[]> {
    this.ids ??= this.columns().then((c) =>
      Array.from({ length: this.n }, (_, k) => utf8(c.idBytes.subarray(c.idStart[k], c.idStart[k + 1]))),
    );
    return this.ids;
  }

  /**
   * For each id its row and the version of its line, or undefined. Many ids at once (a crash
   * left many runs outside the index) read the whole block and look up in memory: a promise
   * chain per id would cost far more than the read.
   */
  async versions(ids: readonly string[]): Promise<({ row: number } & Pick<RunRef, 'at' | 'seg' | 'off'>)[]> {
    if (ids.length <= BULK) {
      return Promise.all(
        ids.map(async (id) => {
          const row = await this.find(id);
          if (row < 0) return { row, at: 0, seg: 0, off: 0 };
          const [at, seg, off] = await Promise.all([this.f64('at', row), this.u32('seg', row), this.f64('off', row)]);
          return { row, at, seg: this.seg(seg), off };
        }),
      );
    }
    const [c, all] = await Promise.all([this.columns(), this.allIds()]);
    return ids.map((id) => {
      const i = firstIndex(this.n, (k) => (all[c.idOrder[k] as number] as string) < id);
      const row = i < this.n && all[c.idOrder[i] as number] === id ? (c.idOrder[i] as number) : -1;
      return row < 0
        ? { row, at: 0, seg: 0, off: 0 }
        : { row, at: c.at[row] as number, seg: c.seg[row] as number, off: c.off[row] as number };
    });
  }

  /** A row's reference from the whole block's columns. */
  refFrom(c: Cols, row: number): RunRef {
    const text = (bytes: Uint8Array, start: Uint32Array, k: number) => utf8(bytes.subarray(start[k], start[k + 1]));
    const list = (flat: Uint32Array, start: Uint32Array) =>
      Array.from(flat.subarray(start[row], start[row + 1]), (k) => text(c.ptrBytes, c.ptrStart, k));
    return {
      id: text(c.idBytes, c.idStart, row),
      component: this.components[c.component[row] as number] as string,
      startedAt: c.startedAt[row] as number,
      endedAt: c.endedAt[row] as number,
      inputs: list(c.inPtr, c.inStart),
      outputs: list(c.outPtr, c.outStart),
      seg: c.seg[row] as number,
      off: c.off[row] as number,
      len: c.len[row] as number,
      line: c.line[row] as number,
      at: c.at[row] as number,
    };
  }

  /** The references of many rows: row by row for a few, from the whole block for more than BULK. */
  async refs(rows: readonly number[]): Promise<RunRef[]> {
    if (rows.length <= BULK) return Promise.all(rows.map((row) => this.ref(row)));
    const c = await this.columns();
    return rows.map((row) => this.refFrom(c, row));
  }

  /** Every row's reference, in run order: reads the whole block once (for rewriting the index). */
  async all(): Promise<RunRef[]> {
    const c = await this.columns();
    return Array.from({ length: this.n }, (_, row) => this.refFrom(c, row));
  }
}
