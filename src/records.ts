import type { Component, JsonValue, PointerRecord, Run } from './model.js';

function cloneJson(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson);
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) out[key] = cloneJson(value[key] as JsonValue);
  return out;
}

function cloneRecord<V extends JsonValue>(record: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key in record) out[key] = cloneJson(record[key] as V) as V;
  return out;
}

function isEmpty(record: object): boolean {
  return Object.keys(record).length === 0;
}

const EMPTY_LIST: never[] = Object.freeze([]) as never[];
const EMPTY_RECORD: Record<string, never> = Object.freeze({});

/**
 * A copy for a store to keep and never hand out (it clones again on the way out): empty lists
 * and records are one shared frozen value, which saves memory and GC time at millions of runs.
 */
export function cloneRunInternal(run: Run): Run {
  return copyRun(run, true);
}

/** A deep copy of a run, so that stored and returned runs never share mutable parts. */
export function cloneRun(run: Run): Run {
  return copyRun(run, false);
}

function copyRun(run: Run, shareEmpty: boolean): Run {
  const copy: Run = {
    id: run.id,
    component: run.component,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    status: run.status,
    inputs: run.inputs.slice(),
    outputs: run.outputs.slice(),
    dependencies: shareEmpty && run.dependencies.length === 0 ? EMPTY_LIST : run.dependencies.slice(),
    notes: run.notes.length === 0 ? (shareEmpty ? EMPTY_LIST : []) : run.notes.map((n) => ({ at: n.at, text: n.text })),
    params: isEmpty(run.params) ? (shareEmpty ? EMPTY_RECORD : {}) : cloneRecord(run.params),
    metrics: isEmpty(run.metrics) ? (shareEmpty ? EMPTY_RECORD : {}) : { ...run.metrics },
  };
  if (run.error !== undefined) copy.error = { ...run.error };
  if (run.code !== undefined) {
    copy.code = { ...run.code };
    if (run.code.tags !== undefined) copy.code.tags = run.code.tags.slice();
  }
  if (run.snapshot !== undefined) copy.snapshot = run.snapshot;
  return copy;
}

export function cloneComponent(c: Component): Component {
  return { ...c, tags: c.tags.slice() };
}

export function clonePointer(p: PointerRecord): PointerRecord {
  return { ...p };
}
