import { copyCheckResults } from './checks/record.js';
import type { CodeVersion, Component, JsonValue, PointerRecord, Run } from './model.js';

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
  for (const _ in record) return false;
  return true;
}

/** A deep copy of a run, so that stored and returned runs never share mutable parts. */
export function cloneRun(run: Run): Run {
  return withDetails(
    {
      id: run.id,
      component: run.component,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      status: run.status,
      inputs: run.inputs.slice(),
      outputs: run.outputs.slice(),
      dependencies: run.dependencies.slice(),
    },
    run,
    run.code,
  );
}

/** The parts of a run besides its identity, times, status and pointers. */
export type RunDetails = Pick<Run, 'notes' | 'params' | 'metrics' | 'error' | 'snapshot' | 'checks'>;

/** True when a run has any notes, params, metrics, error, snapshot or (unless `checks` is false) check results. */
export function hasDetails(run: RunDetails, checks = true): boolean {
  return (
    run.notes.length > 0 ||
    !isEmpty(run.params) ||
    !isEmpty(run.metrics) ||
    run.error !== undefined ||
    run.snapshot !== undefined ||
    (checks && run.checks !== undefined)
  );
}

/**
 * A copy of a run's details, for a store that keeps them apart from the rest of the run;
 * without its check results when `checks` is false (a store that keeps those apart too).
 */
export function copyDetails(run: RunDetails, checks = true): RunDetails {
  const copy: RunDetails = {
    notes: run.notes.map((n) => ({ at: n.at, text: n.text })),
    params: cloneRecord(run.params),
    metrics: { ...run.metrics },
  };
  if (run.error !== undefined) copy.error = { ...run.error };
  if (run.snapshot !== undefined) copy.snapshot = run.snapshot;
  if (checks && run.checks !== undefined) copy.checks = copyCheckResults(run.checks);
  return copy;
}

export function copyCode(code: CodeVersion): CodeVersion {
  const copy = { ...code };
  if (code.tags !== undefined) copy.tags = code.tags.slice();
  return copy;
}

/**
 * Completes a run from its core fields and a copy of `details` and `code` (either may be
 * absent), in the field order every store returns.
 */
export function withDetails(
  core: Pick<Run, 'id' | 'component' | 'startedAt' | 'endedAt' | 'status' | 'inputs' | 'outputs' | 'dependencies'>,
  details: RunDetails | undefined,
  code: CodeVersion | undefined,
): Run {
  const d = copyDetails(details ?? NO_DETAILS);
  const run: Run = {
    id: core.id,
    component: core.component,
    startedAt: core.startedAt,
    endedAt: core.endedAt,
    status: core.status,
    inputs: core.inputs,
    outputs: core.outputs,
    dependencies: core.dependencies,
    notes: d.notes,
    params: d.params,
    metrics: d.metrics,
  };
  if (d.error !== undefined) run.error = d.error;
  if (code !== undefined) run.code = copyCode(code);
  if (d.snapshot !== undefined) run.snapshot = d.snapshot;
  if (d.checks !== undefined) run.checks = d.checks;
  return run;
}

const NO_DETAILS: RunDetails = Object.freeze({ notes: [], params: {}, metrics: {} });

export function cloneComponent(c: Component): Component {
  return { ...c, tags: c.tags.slice() };
}

export function clonePointer(p: PointerRecord): PointerRecord {
  return { ...p };
}
