/**
 * One logged batch of a task's outputs or feedback: checked whole before anything is stored,
 * then encoded as a blob (header JSON, float64 values and times, ids as JSON text).
 */
import { invalid, PipetraceError } from '../errors.js';
import { decodeBlob, encodeBlob } from '../rows/format/codec.js';
import { MAX_KEY_STRING } from '../rows/format/keys.js';
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

/** The batch as blobs of at most CHUNK_IDS ids each. */
export function encodeBatch(task: string, batch: Batch): Uint8Array[] {
  const out: Uint8Array[] = [];
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
    const words = new Float64Array((batch.numbers === undefined ? 0 : n) + (batch.times === undefined ? 0 : n));
    let w = 0;
    if (batch.numbers !== undefined) {
      words.set(batch.numbers.subarray(from, to), 0);
      w = n;
    }
    if (batch.times !== undefined) words.set(batch.times.subarray(from, to), w);
    const text = [batch.ids.slice(from, to)] as unknown[];
    if (batch.strings !== undefined) text.push(batch.strings.slice(from, to));
    out.push(encodeBlob(header, new Uint32Array(words.buffer), JSON.stringify(text)));
  }
  return out;
}

/** A stored chunk, decoded. */
export interface StoredBatch {
  task: string;
  ids: string[];
  type: ValueType;
  numbers?: Float64Array;
  strings?: string[];
  at: number;
  times?: Float64Array;
  pointer?: string;
}

export function decodeBatch(data: Uint8Array, key: string): StoredBatch {
  const blob = decodeBlob<BatchHeader>(data, key, 'task batch');
  const h = blob.header;
  const bad = () => new PipetraceError('storage', `task batch ${key} is corrupt`, { details: { key } });
  if (h === null || typeof h !== 'object' || h.v !== 1 || typeof h.n !== 'number') throw bad();
  const text = blob.text?.() ?? [];
  const ids = text[0] as string[] | undefined;
  if (!Array.isArray(ids) || ids.length !== h.n) throw bad();
  const n = h.n;
  const numeric = h.type !== 'string';
  const expected = ((numeric ? n : 0) + (h.times ? n : 0)) * 2;
  if (blob.body.length !== expected) throw bad();
  // The body is 4-byte aligned; float64 needs 8, so copy when it is not.
  const body = blob.body;
  const floats =
    body.byteOffset % 8 === 0
      ? new Float64Array(body.buffer, body.byteOffset, expected / 2)
      : new Float64Array(body.slice().buffer);
  const out: StoredBatch = { task: h.task, ids, type: h.type, at: h.at };
  if (numeric) out.numbers = floats.subarray(0, n);
  else {
    const strings = text[1] as string[] | undefined;
    if (!Array.isArray(strings) || strings.length !== n) throw bad();
    out.strings = strings;
  }
  if (h.times) out.times = floats.subarray(numeric ? n : 0, (numeric ? n : 0) + n);
  if (h.pointer !== undefined) out.pointer = h.pointer;
  return out;
}

/** Value i of a stored batch, as the user logged it. */
export function valueAt(b: StoredBatch, i: number): TaskValue {
  if (b.strings !== undefined) return b.strings[i] as string;
  const x = (b.numbers as Float64Array)[i] as number;
  return b.type === 'boolean' ? x === 1 : x;
}

export const timeAt = (b: StoredBatch, i: number): number => (b.times === undefined ? b.at : (b.times[i] as number));
