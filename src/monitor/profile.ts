import { invalid, PipetraceError } from '../errors.js';
import { describe, isPlainObject, MAX_NAME_LENGTH } from '../validate.js';
import { type ColumnProfile, mergeColumns, profileColumn } from './column.js';

/**
 * What a run wrote to one output, summarised column by column. Its size does not grow with
 * the row count, and two profiles merge into the profile of both inputs (batches of one run,
 * or a window of runs).
 */
export interface Profile {
  rows: number;
  /** Columns in the order first seen. */
  columns: Map<string, ColumnProfile>;
  /** A pinned baseline's origin: the pointer and runs it summarises, and when it was pinned. */
  origin?: ProfileOrigin;
}

export interface ProfileOrigin {
  pointer: string;
  runs: string[];
  pinnedAt: number;
}

/**
 * The data `run.profile()` takes: columns (`{ fare: Float64Array, city: string[] }`, all of one
 * length) or rows (`[{ fare: 3.5, city: 'Oslo' }, ...]`, a missing property counting as missing).
 */
export type ProfileData = Readonly<Record<string, ArrayLike<unknown>>> | readonly Readonly<Record<string, unknown>>[];

export const MAX_PROFILE_COLUMNS = 1024;

function checkColumnName(field: string, name: string): string {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw invalid(field, `column names must be 1 to ${MAX_NAME_LENGTH} characters, got ${name.length}`);
  }
  return name;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView)) ||
    (typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number')
  );
}

/** Profiles data (see ProfileData); checks all of it before returning, so a bad column stores nothing. */
export function profileData(field: string, data: unknown): Profile {
  if (Array.isArray(data)) return profileRows(field, data);
  if (!isPlainObject(data))
    throw invalid(field, `must be columns ({ name: values }) or rows ([{...}]), got ${describe(data)}`);
  const names = Object.keys(data);
  if (names.length > MAX_PROFILE_COLUMNS)
    throw invalid(field, `has ${names.length} columns; the limit is ${MAX_PROFILE_COLUMNS}`);
  let rows = -1;
  let first = '';
  for (const name of names) {
    checkColumnName(field, name);
    const values = data[name];
    if (!isArrayLike(values)) throw invalid(`${field}.${name}`, `must be an array of values, got ${describe(values)}`);
    if (rows === -1) {
      rows = values.length;
      first = name;
    } else if (values.length !== rows) {
      throw new PipetraceError(
        'invalid_input',
        `${field}: columns of unequal length, ${first} has ${rows} values and ${name} has ${values.length}`,
        { field: `${field}.${name}` },
      );
    }
  }
  const columns = new Map<string, ColumnProfile>();
  for (const name of names) columns.set(name, profileColumn(`${field}.${name}`, data[name] as ArrayLike<unknown>));
  return { rows: Math.max(rows, 0), columns };
}

function profileRows(field: string, rows: readonly unknown[]): Profile {
  const names = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isPlainObject(row)) throw invalid(`${field}[${i}]`, `each row must be an object, got ${describe(row)}`);
    for (const name in row) {
      if (!Object.hasOwn(row, name) || names.has(name)) continue;
      names.add(checkColumnName(field, name));
      if (names.size > MAX_PROFILE_COLUMNS) throw invalid(field, `has more than ${MAX_PROFILE_COLUMNS} columns`);
    }
  }
  const columns = new Map<string, ColumnProfile>();
  for (const name of names) {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Record<string, unknown>;
      values[i] = Object.hasOwn(row, name) ? row[name] : undefined;
    }
    columns.set(name, profileColumn(`${field}.${name}`, values));
  }
  return { rows: rows.length, columns };
}

/** An empty profile of `rows` missing values per column: what a column absent on one side adds. */
function missingColumn(rows: number): ColumnProfile {
  return { type: 'empty', count: 0, missing: rows };
}

/**
 * The profile of both inputs: a column absent on one side counts that side's rows as missing.
 * Types must agree (invalid_input otherwise: one column, one type).
 */
export function mergeProfiles(field: string, a: Profile, b: Profile): Profile {
  const columns = new Map<string, ColumnProfile>();
  for (const [name, ca] of a.columns) {
    const cb = b.columns.get(name) ?? missingColumn(b.rows);
    columns.set(name, mergeColumns(`${field}.${name}`, ca, cb));
  }
  for (const [name, cb] of b.columns) {
    if (!a.columns.has(name)) columns.set(name, mergeColumns(`${field}.${name}`, missingColumn(a.rows), cb));
  }
  if (columns.size > MAX_PROFILE_COLUMNS) throw invalid(field, `has more than ${MAX_PROFILE_COLUMNS} columns`);
  return { rows: a.rows + b.rows, columns };
}
