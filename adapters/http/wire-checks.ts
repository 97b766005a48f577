/**
 * Checks for store-route bodies as they arrive over HTTP. The core validates records before
 * they reach a store; a server cannot trust its callers, so it checks again, naming the field.
 */
import { invalid } from '../../src/errors.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import { checkRunScan } from '../../src/scan-plan.js';
import { MAX_BLOB_KEY_LENGTH, type RunScan, type WriterQuery } from '../../src/store.js';
import {
  checkIdentifier,
  checkNameList,
  checkPointer,
  checkPointerType,
  checkRunId,
  checkText,
  checkTime,
  describe,
  isPlainObject,
  MAX_NAME_LENGTH,
  MAX_POINTER_LENGTH,
} from '../../src/validate.js';
import { checkRun } from '../../src/validate-run.js';
import { bodyObject } from './router.js';

/** Records per request: generous, the body limit is the real bound. */
export const MAX_BATCH_ITEMS = 100_000;

function list(body: unknown, field: string): unknown[] {
  const value = bodyObject(body)[field];
  if (!Array.isArray(value)) throw invalid(field, `must be an array, got ${describe(value)}`);
  if (value.length > MAX_BATCH_ITEMS)
    throw invalid(field, `has ${value.length} items; the limit is ${MAX_BATCH_ITEMS}`);
  return value;
}

/** A key to look up: any bounded, NUL-free string (a lookup of a name that cannot exist finds nothing). */
function lookupKey(field: string, value: unknown): string {
  return checkText(field, value, MAX_POINTER_LENGTH);
}

export function runsBody(body: unknown): Run[] {
  return list(body, 'runs').map((r, i) => checkRun(r, `runs[${i}]`));
}

export function idsBody(body: unknown): string[] {
  return list(body, 'ids').map((id, i) => lookupKey(`ids[${i}]`, id));
}

export function namesBody(body: unknown): string[] {
  return list(body, 'names').map((n, i) => lookupKey(`names[${i}]`, n));
}

/** A scan as a request sent it, checked by the same checker every store plans with. */
export function scanBody(body: unknown): RunScan {
  return checkRunScan(bodyObject(body));
}

export function writersBody(body: unknown): WriterQuery[] {
  return list(body, 'queries').map((q, i) => {
    const field = `queries[${i}]`;
    if (!isPlainObject(q)) throw invalid(field, `must be an object, got ${describe(q)}`);
    const query: WriterQuery = { pointer: lookupKey(`${field}.pointer`, q.pointer) };
    if (q.before !== undefined) {
      const b = q.before;
      if (!isPlainObject(b)) throw invalid(`${field}.before`, `must be an object, got ${describe(b)}`);
      query.before = {
        endedAt: checkTime(`${field}.before.endedAt`, b.endedAt),
        startedAt: checkTime(`${field}.before.startedAt`, b.startedAt),
        id: lookupKey(`${field}.before.id`, b.id),
      };
    }
    return query;
  });
}

export function componentsBody(body: unknown): Component[] {
  return list(body, 'components').map((c, i) => {
    const field = `components[${i}]`;
    if (!isPlainObject(c)) throw invalid(field, `must be an object, got ${describe(c)}`);
    return {
      name: checkIdentifier(`${field}.name`, c.name),
      description: checkText(`${field}.description`, c.description ?? ''),
      owner: checkText(`${field}.owner`, c.owner ?? '', MAX_NAME_LENGTH),
      tags: checkNameList(`${field}.tags`, c.tags ?? [], checkIdentifier),
      createdAt: checkTime(`${field}.createdAt`, c.createdAt),
      updatedAt: checkTime(`${field}.updatedAt`, c.updatedAt),
    };
  });
}

export function pointersBody(body: unknown): PointerRecord[] {
  return list(body, 'pointers').map((p, i) => {
    const field = `pointers[${i}]`;
    if (!isPlainObject(p)) throw invalid(field, `must be an object, got ${describe(p)}`);
    if (typeof p.flagged !== 'boolean')
      throw invalid(`${field}.flagged`, `must be a boolean, got ${describe(p.flagged)}`);
    const out: PointerRecord = {
      name: checkPointer(`${field}.name`, p.name),
      flagged: p.flagged,
      updatedAt: checkTime(`${field}.updatedAt`, p.updatedAt),
    };
    if (p.type !== undefined) out.type = checkPointerType(`${field}.type`, p.type);
    if (p.flaggedAt !== undefined) out.flaggedAt = checkTime(`${field}.flaggedAt`, p.flaggedAt);
    return out;
  });
}

/** A blob key: data, never a path, so only length and NUL are checked. */
export function blobKey(field: string, value: unknown): string {
  const key = checkText(field, value, MAX_BLOB_KEY_LENGTH);
  if (key.length === 0) throw invalid(field, 'must not be empty');
  return key;
}

export function keysBody(body: unknown): string[] {
  return list(body, 'keys').map((k, i) => blobKey(`keys[${i}]`, k));
}

export function blobPrefix(value: string | null): string {
  return value === null ? '' : checkText('prefix', value, MAX_BLOB_KEY_LENGTH);
}

/** Run ids from a path or query, checked like stored ids. */
export function runIdParam(field: string, value: unknown): string {
  return checkRunId(field, value);
}
