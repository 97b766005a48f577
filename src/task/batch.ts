/**
 * One logged batch of a task's outputs or feedback: checked whole before anything is stored,
 * then encoded as a blob (header JSON, float64 values and times, ids as JSON text).
 */
import { invalid, PipetraceError } from '../errors.js';
import { decodeBlob, encodeBlob } from '../rows/format/codec.js';
import { hashKeys, MAX_KEY_STRING } from '../rows/format/keys.js';
import { checkPointer, checkTime, describe } from '../validate.js';
import type { TaskValue } from './types.js';

export type ValueType = 'number' | 'string' | 'boolean';

/** The largest batch one call logs (it is stored in chunks of CHUNK_IDS). */
export const MAX_BATCH = 10_000_000;
export const CHUNK_IDS = 65_536;

export interface Batch {
  ids: string[];
  type: ValueType;
  /** Numbers and booleans (0/1) as float64; undefined for strings. */
  numbers?: Float64Array;
  strings?: string[];
  /** One time for the batch, or one per id. */
  at: number;
  times?: Float64Array;
  pointer?: string;
}

interface BatchHeader {
  v: 1;
  task: string;
  n: number;
  type: ValueType;
  at: number;
  times: boolean;
  pointer?: string;
}

/** Checks a batch as the user gave it; throws invalid_input naming the field, before any write. */
export function checkBatch(ids: unknown, values: unknown, at: unknown, pointer: unknown, now: number): Batch {
  if (!Array.isArray(ids)) throw invalid('ids', `must be an array of strings, got ${describe(ids)}`);
  const n = ids.length;
  if (n > MAX_BATCH) throw invalid('ids', `holds ${n} ids; the limit per call is ${MAX_BATCH}`);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (typeof id !== 'string') throw invalid(`ids[${i}]`, `must be a string (a row key), got ${describe(id)}`);
    if (id.length === 0 || id.length > MAX_KEY_STRING)
      throw invalid(`ids[${i}]`, `must be 1 to ${MAX_KEY_STRING} characters long`);
  }
  const arrayLike = Array.isArray(values) || (ArrayBuffer.isView(values) && !(values instanceof DataView));
  if (!arrayLike) throw invalid('values', `must be an array or a typed array, got ${describe(values)}`);
  const vals = values as ArrayLike<unknown>;
  if (vals.length !== n) throw invalid('values', `has ${vals.length} values for ${n} ids; the lengths must be equal`);
  const batch: Batch = { ids: ids as string[], at: now, ...checkValues(vals) };
  if (at !== undefined) {
    if (Array.isArray(at) || ArrayBuffer.isView(at)) batch.times = checkTimes(at as ArrayLike<unknown>, n);
    else batch.at = checkTime('at', at);
  }
  if (pointer !== undefined) batch.pointer = checkPointer('pointer', pointer);
  return batch;
}

function checkValues(vals: ArrayLike<unknown>): Pick<Batch, 'type' | 'numbers' | 'strings'> {
  const n = vals.length;
  const first = vals[0];
  const type = typeof first;
  if (n === 0) return { type: 'number', numbers: new Float64Array(0) };
  if (type === 'string') {
    const strings = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (typeof v !== 'string') throw mixed(i, v, 'string');
      strings[i] = v;
    }
    return { type: 'string', strings };
  }
  if (type !== 'number' && type !== 'boolean')
    throw invalid('values[0]', `must be a number, string or boolean, got ${describe(first)}`);
  const numbers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (typeof v !== type) throw mixed(i, v, type);
    if (type === 'boolean') numbers[i] = v ? 1 : 0;
    else if (Number.isFinite(v)) numbers[i] = v as number;
    else throw invalid(`values[${i}]`, `must be a finite number, got ${describe(v)}`);
  }
  return { type: type as ValueType, numbers };
}

const mixed = (i: number, v: unknown, type: string) =>
  invalid(`values[${i}]`, `is ${describe(v)} among ${type} values: mixed types are refused`);

function checkTimes(at: ArrayLike<unknown>, n: number): Float64Array {
  if (at.length !== n) throw invalid('at', `has ${at.length} times for ${n} ids; the lengths must be equal`);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = at[i];
    times[i] = typeof t === 'number' && Number.isInteger(t) && Math.abs(t) <= 8.64e15 ? t : checkTime(`at[${i}]`, t);
  }
  return times;
}

/**
 * The batch as blobs of at most CHUNK_IDS ids each. The body holds each id's 64-bit row hash
 * (so a join never parses or hashes id strings), then float64 values and times; the ids and
 * string values follow as JSON text, parsed only when asked for.
 */
export function encodeBatch(task: string, batch: Batch): Uint8Array[] {
  const out: Uint8Array[] = [];
  const hashes = hashKeys(batch.ids);
  for (let from = 0; from < batch.ids.length; from += CHUNK_IDS) {
    const to = Math.min(batch.ids.length, from + CHUNK_IDS);
    const n = to - from;
    const header: BatchHeader = {
      v: 1,
      task,
      n,
      type: batch.type,
      at: batch.at,
      times: batch.times !== undefined,
      ...(batch.pointer === undefined ? {} : { pointer: batch.pointer }),
    };
    const floats = (batch.numbers === undefined ? 0 : n) + (batch.times === undefined ? 0 : n);
    const body = new Uint32Array(2 * n + 2 * floats);
    body.set(hashes.subarray(2 * from, 2 * to), 0);
    const f64 = new Float64Array(body.buffer, 8 * n, floats);
    let w = 0;
    if (batch.numbers !== undefined) {
      f64.set(batch.numbers.subarray(from, to), 0);
      w = n;
    }
    if (batch.times !== undefined) f64.set(batch.times.subarray(from, to), w);
    const text = [batch.ids.slice(from, to)] as unknown[];
    if (batch.strings !== undefined) text.push(batch.strings.slice(from, to));
    out.push(encodeBlob(header, body, JSON.stringify(text)));
  }
  return out;
}

/** A stored chunk, decoded: hashes, numbers and times at once; ids and strings when asked. */
export interface StoredBatch {
  task: string;
  n: number;
  /** Interleaved (hi, lo) row hashes of the ids. */
  hashes: Uint32Array;
  type: ValueType;
  numbers?: Float64Array;
  at: number;
  times?: Float64Array;
  pointer?: string;
  ids(): string[];
  strings(): string[] | undefined;
}

export function decodeBatch(data: Uint8Array, key: string): StoredBatch {
  const blob = decodeBlob<BatchHeader>(data, key, 'task batch');
  const h = blob.header;
  const bad = () => new PipetraceError('storage', `task batch ${key} is corrupt`, { details: { key } });
  if (h === null || typeof h !== 'object' || h.v !== 1 || typeof h.n !== 'number') throw bad();
  const n = h.n;
  const numeric = h.type !== 'string';
  const floats = (numeric ? n : 0) + (h.times ? n : 0);
  if (blob.body.length !== 2 * n + 2 * floats) throw bad();
  const body = blob.body;
  // float64 needs 8-byte alignment; the body is 4-aligned, so copy when it is not.
  const at = body.byteOffset + 8 * n;
  const f64 =
    at % 8 === 0 ? new Float64Array(body.buffer, at, floats) : new Float64Array(body.slice(2 * n).buffer, 0, floats);
  let text: unknown[] | undefined;
  const parsed = (): unknown[] => {
    text ??= blob.text?.() ?? [];
    return text;
  };
  const out: StoredBatch = {
    task: h.task,
    n,
    hashes: body.subarray(0, 2 * n),
    type: h.type,
    at: h.at,
    ids: () => {
      const ids = parsed()[0];
      if (!Array.isArray(ids) || ids.length !== n) throw bad();
      return ids as string[];
    },
    strings: () => {
      if (numeric) return undefined;
      const strings = parsed()[1];
      if (!Array.isArray(strings) || strings.length !== n) throw bad();
      return strings as string[];
    },
  };
  if (numeric) out.numbers = f64.subarray(0, n);
  if (h.times) out.times = f64.subarray(numeric ? n : 0, (numeric ? n : 0) + n);
  if (h.pointer !== undefined) out.pointer = h.pointer;
  return out;
}

/** Value i of a stored batch, as the user logged it. */
export function valueAt(b: StoredBatch, i: number): TaskValue {
  if (b.numbers === undefined) return (b.strings() as string[])[i] as string;
  const x = b.numbers[i] as number;
  return b.type === 'boolean' ? x === 1 : x;
}

export const timeAt = (b: StoredBatch, i: number): number => (b.times === undefined ? b.at : (b.times[i] as number));
