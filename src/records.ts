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

/** A deep copy of a run, so that stored and returned runs never share mutable parts. */
export function cloneRun(run: Run): Run {
  const copy: Run = {
    id: run.id,
    component: run.component,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    status: run.status,
    inputs: run.inputs.slice(),
    outputs: run.outputs.slice(),
    dependencies: run.dependencies.slice(),
    notes: run.notes.map((n) => ({ at: n.at, text: n.text })),
    params: cloneRecord(run.params),
    metrics: { ...run.metrics },
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
