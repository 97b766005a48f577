// Apart from validate.ts: a run's check results are checked in src/checks/, which builds on it.
import { checkCheckResults } from './checks/record.js';
import { invalid } from './errors.js';
import type { Run, RunError } from './model.js';
import {
  checkCodeVersion,
  checkIdentifier,
  checkJsonRecord,
  checkMetrics,
  checkNameList,
  checkPointer,
  checkRunId,
  checkText,
  checkTime,
  describe,
  isPlainObject,
  MAX_NAME_LENGTH,
  MAX_SNAPSHOT_LENGTH,
} from './validate.js';

/**
 * Checks a whole run record as it arrives from outside the tracer (HTTP, import, a file),
 * and returns a normalised copy. Throws invalid_input naming the first bad field.
 */
export function checkRun(value: unknown, field = 'run'): Run {
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  const startedAt = checkTime(`${field}.startedAt`, value.startedAt);
  const endedAt = checkTime(`${field}.endedAt`, value.endedAt);
  if (endedAt < startedAt) throw invalid(`${field}.endedAt`, 'is before startedAt');
  if (value.status !== 'succeeded' && value.status !== 'failed') {
    throw invalid(`${field}.status`, `must be succeeded or failed, got ${describe(value.status)}`);
  }
  const run: Run = {
    id: checkRunId(`${field}.id`, value.id),
    component: checkIdentifier(`${field}.component`, value.component),
    startedAt,
    endedAt,
    status: value.status,
    inputs: checkNameList(`${field}.inputs`, value.inputs ?? [], checkPointer),
    outputs: checkNameList(`${field}.outputs`, value.outputs ?? [], checkPointer),
    dependencies: checkNameList(`${field}.dependencies`, value.dependencies ?? [], checkRunId),
    notes: [],
    params: value.params === undefined ? {} : checkJsonRecord(`${field}.params`, value.params),
    metrics: value.metrics === undefined ? {} : checkMetrics(`${field}.metrics`, value.metrics),
  };
  if (run.dependencies.includes(run.id)) throw invalid(`${field}.dependencies`, 'a run cannot depend on itself');
  if (value.error !== undefined) {
    if (!isPlainObject(value.error)) throw invalid(`${field}.error`, 'must be an object');
    const err: RunError = {
      name: checkText(`${field}.error.name`, value.error.name ?? 'Error', MAX_NAME_LENGTH),
      message: checkText(`${field}.error.message`, value.error.message ?? ''),
    };
    if (value.error.stack !== undefined) err.stack = checkText(`${field}.error.stack`, value.error.stack);
    run.error = err;
  }
  if (value.code !== undefined) run.code = checkCodeVersion(`${field}.code`, value.code);
  if (value.snapshot !== undefined) run.snapshot = checkText(`${field}.snapshot`, value.snapshot, MAX_SNAPSHOT_LENGTH);
  if (value.checks !== undefined) run.checks = checkCheckResults(`${field}.checks`, value.checks);
  if (value.notes !== undefined) {
    if (!Array.isArray(value.notes)) throw invalid(`${field}.notes`, 'must be an array');
    run.notes = value.notes.map((n, i) => {
      if (!isPlainObject(n)) throw invalid(`${field}.notes[${i}]`, 'must be an object');
      return { at: checkTime(`${field}.notes[${i}].at`, n.at), text: checkText(`${field}.notes[${i}].text`, n.text) };
    });
  }
  return run;
}
