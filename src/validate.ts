import { invalid } from './errors.js';
import type { CodeVersion, JsonValue, Millis, PointerType, RunError } from './model.js';

export const MAX_NAME_LENGTH = 256;
export const MAX_POINTER_LENGTH = 4096;
export const MAX_TEXT_LENGTH = 64 * 1024;
export const MAX_SNAPSHOT_LENGTH = 1024 * 1024;
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = 256 * 1024;
const MAX_ITEMS = 100_000;

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
// Control characters (C0 incl. NUL, DEL, C1) never belong in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const POINTER_TYPES: ReadonlySet<string> = new Set(['data', 'model', 'endpoint', 'unknown']);

/** `field`, or its item `index` when the value came from a list (built only for an error message). */
function itemField(field: string, index: number | undefined): string {
  return index === undefined ? field : `${field}[${index}]`;
}

// Anything a name must not have: white space at either end, or a control character.
const SUSPECT = /^\s|\s$|[\u0000-\u001f\u007f-\u009f]/;

function checkName(field: string, value: unknown, max: number, index?: number): string {
  // The common case, a plain name, in one test; anything else is diagnosed below.
  if (typeof value === 'string' && value.length > 0 && value.length <= max && !SUSPECT.test(value)) {
    if (RESERVED.has(value)) throw invalid(itemField(field, index), `${JSON.stringify(value)} is a reserved name`);
    return value;
  }
  if (typeof value !== 'string') throw invalid(itemField(field, index), `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw invalid(itemField(field, index), 'must not be empty');
  if (value.length > max) {
    throw invalid(itemField(field, index), `is ${value.length} characters long; the limit is ${max}`);
  }
  if (value.trim() !== value) throw invalid(itemField(field, index), 'must not start or end with white space');
  if (CONTROL.test(value)) throw invalid(itemField(field, index), 'must not contain NUL or other control characters');
  if (RESERVED.has(value)) throw invalid(itemField(field, index), `${JSON.stringify(value)} is a reserved name`);
  return value;
}

/** A component name, tag, owner or parameter key. */
export function checkIdentifier(field: string, value: unknown, index?: number): string {
  return checkName(field, value, MAX_NAME_LENGTH, index);
}

/** A pointer name: a path, URI, table or id. Longer than an identifier, same rules otherwise. */
export function checkPointer(field: string, value: unknown, index?: number): string {
  return checkName(field, value, MAX_POINTER_LENGTH, index);
}

export function checkRunId(field: string, value: unknown, index?: number): string {
  return checkName(field, value, MAX_NAME_LENGTH, index);
}

export function checkPointerType(field: string, value: unknown): PointerType {
  if (typeof value !== 'string' || !POINTER_TYPES.has(value)) {
    throw invalid(field, `must be one of data, model, endpoint, unknown; got ${describe(value)}`);
  }
  return value as PointerType;
}

export function checkText(field: string, value: unknown, max = MAX_TEXT_LENGTH): string {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  if (value.length > max) throw invalid(field, `is ${value.length} characters long; the limit is ${max}`);
  if (value.includes('\u0000')) throw invalid(field, 'must not contain NUL');
  return value;
}

// ISO 8601 as Date.parse reads it everywhere: a date, or a date and time with an optional offset.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Accepts a Date, epoch milliseconds or an ISO 8601 string; returns epoch milliseconds. */
export function checkTime(field: string, value: unknown): Millis {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.length <= 64 && ISO_DATE.test(value)) ms = Date.parse(value);
  else throw invalid(field, `must be a Date, epoch milliseconds or an ISO date string, got ${describe(value)}`);
  if (!Number.isFinite(ms) || !Number.isInteger(ms)) throw invalid(field, 'is not a valid date');
  // The range Date itself accepts, which also keeps every time an exact integer.
  if (Math.abs(ms) > 8.64e15) throw invalid(field, 'is out of the range of dates');
  return ms;
}

export function checkPositiveInt(field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(field, `must be an integer from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A list of names: each checked, duplicates collapsed, order of first appearance kept. */
export function checkNameList(
  field: string,
  value: unknown,
  check: (field: string, value: unknown, index?: number) => string,
): string[] {
  if (typeof value === 'string') return [check(field, value, 0)];
  if (!Array.isArray(value)) throw invalid(field, `must be a string or an array of strings, got ${describe(value)}`);
  if (value.length > MAX_ITEMS) throw invalid(field, `has ${value.length} items; the limit is ${MAX_ITEMS}`);
  for (let i = 0; i < value.length; i++) check(field, value[i], i);
  const names = value as string[];
  // Lists are usually short and free of duplicates: a linear search and one exact copy cost
  // less than building a Set and growing an array for each call.
  if (names.length <= 16 && names.every((name, i) => names.indexOf(name) === i)) return names.slice();
  return [...new Set(names)];
}

/**
 * A JSON value: plain objects, arrays, finite numbers, strings, booleans and null, with no
 * cycles, reserved keys, excessive depth or size. Returns a deep copy, so later changes by the
 * caller cannot reach the store.
 */
export function checkJson(field: string, value: unknown, shared?: { left: number; field: string }): JsonValue {
  // A record's values share one budget (params are limited per run, not per key).
  const limitField = shared?.field ?? field;
  let budget = shared?.left ?? MAX_JSON_BYTES;
  const walk = (path: string, v: unknown, depth: number, stack: Set<object>): JsonValue => {
    if (depth > MAX_JSON_DEPTH) throw invalid(path, `nests deeper than ${MAX_JSON_DEPTH} levels`);
    budget -= 8;
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw invalid(path, `must be a finite number, got ${v}`);
      return v;
    }
    if (typeof v === 'string') {
      budget -= v.length;
      if (budget < 0) throw invalid(limitField, `is larger than ${MAX_JSON_BYTES} bytes of JSON`);
      return v;
    }
    if (typeof v !== 'object') throw invalid(path, `is not a JSON value (${describe(v)})`);
    if (stack.has(v)) throw invalid(path, 'contains a cycle');
    if (budget < 0) throw invalid(limitField, `is larger than ${MAX_JSON_BYTES} bytes of JSON`);
    stack.add(v);
    let out: JsonValue;
    if (Array.isArray(v)) {
      out = v.map((item, i) => walk(`${path}[${i}]`, item, depth + 1, stack));
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw invalid(path, `is not a plain object (${describe(v)})`);
      }
      const obj: Record<string, JsonValue> = {};
      for (const key of Object.keys(v)) {
        if (RESERVED.has(key)) throw invalid(`${path}.${key}`, 'is a reserved key');
        budget -= key.length;
        obj[key] = walk(`${path}.${key}`, (v as Record<string, unknown>)[key], depth + 1, stack);
      }
      out = obj;
    }
    stack.delete(v);
    return out;
  };
  const out = walk(field, value, 0, new Set());
  if (shared !== undefined) shared.left = budget;
  return out;
}

/** A record of JSON values under checked keys (run params). */
export function checkJsonRecord(field: string, value: unknown): Record<string, JsonValue> {
  if (!isPlainObject(value)) throw invalid(field, `must be a plain object, got ${describe(value)}`);
  const out: Record<string, JsonValue> = {};
  const budget = { left: MAX_JSON_BYTES, field };
  for (const key of Object.keys(value)) {
    checkIdentifier(`${field} key`, key);
    budget.left -= key.length;
    out[key] = checkJson(`${field}.${key}`, value[key], budget);
  }
  return out;
}

/** A record of finite numbers under checked keys (run metrics). */
export function checkMetrics(field: string, value: unknown): Record<string, number> {
  if (!isPlainObject(value)) throw invalid(field, `must be a plain object, got ${describe(value)}`);
  const out: Record<string, number> = {};
  for (const key of Object.keys(value)) {
    checkIdentifier(`${field} key`, key);
    const v = value[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalid(`${field}.${key}`, `must be a finite number, got ${describe(v)}`);
    }
    out[key] = v;
  }
  return out;
}

export function checkCodeVersion(field: string, value: unknown): CodeVersion {
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  const out: CodeVersion = {};
  if (value.commit !== undefined) out.commit = checkIdentifier(`${field}.commit`, value.commit);
  if (value.branch !== undefined) out.branch = checkText(`${field}.branch`, value.branch, MAX_NAME_LENGTH);
  if (value.tags !== undefined) out.tags = checkNameList(`${field}.tags`, value.tags, checkIdentifier);
  if (value.dirty !== undefined) {
    if (typeof value.dirty !== 'boolean') throw invalid(`${field}.dirty`, 'must be a boolean');
    out.dirty = value.dirty;
  }
  return out;
}

/** An error as a run records it: name, message and stack as text, whatever was thrown. */
export function toRunError(error: unknown): RunError {
  if (error instanceof Error) {
    const out: RunError = {
      name: String(error.name || 'Error').slice(0, MAX_NAME_LENGTH),
      message: String(error.message).slice(0, MAX_TEXT_LENGTH),
    };
    if (typeof error.stack === 'string') out.stack = error.stack.slice(0, MAX_TEXT_LENGTH);
    return out;
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: 'NonError', message: message.slice(0, MAX_TEXT_LENGTH) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`;
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/**
 * An options argument: undefined (no options) or a plain object with only the `known` keys, so a
 * misspelt option is an error rather than silently ignored. Returns the object (or `{}`).
 */
export function checkOptions<T extends object>(field: string, value: unknown, known: readonly (keyof T & string)[]): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) {
      throw invalid(
        `${field}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`,
        `is not an option here (known: ${known.join(', ') || 'none'})`,
      );
    }
  }
  return value as T;
}

/** A whole number from `min` (default 0) up. */
export function checkWholeNumber(field: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(field, `must be a whole number from ${min}, got ${describe(value)}`);
  }
  return value;
}
