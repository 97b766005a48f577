import { checkCheckResults } from './checks/record.js';
import { invalid } from './errors.js';
import { uuidv7 } from './ids.js';
import type { CheckResult, CodeVersion, JsonValue, Note, Run, RunError } from './model.js';
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
  MAX_SNAPSHOT_LENGTH,
  toRunError,
} from './validate.js';

/** A finished run as a caller describes it to `logRun`; dependencies are always inferred. */
export interface RunInput {
  /** Defaults to a new UUIDv7. Logging the same id again replaces that run (idempotent). */
  id?: string;
  component: string;
  /** Date, epoch milliseconds or ISO string. */
  startedAt: Date | number | string;
  endedAt: Date | number | string;
  /** Default 'succeeded', or 'failed' when `error` is given. */
  status?: 'succeeded' | 'failed';
  /** What was thrown; an Error or a { name, message, stack? } record. */
  error?: unknown;
  inputs?: string | string[];
  outputs?: string | string[];
  params?: Record<string, JsonValue>;
  metrics?: Record<string, number>;
  notes?: (string | Note)[];
  /** Default: the code version given to pipetrace. `null`: none (runs imported from other tools). */
  code?: CodeVersion | null;
  snapshot?: string;
  /** Results of checks that ran elsewhere (an importer, another tool). */
  checks?: CheckResult[];
}

/** Checks a RunInput and builds the run to store (without dependencies). */
export function runFromInput(input: unknown, defaultCode: CodeVersion | undefined, field = 'run'): Run {
  if (!isPlainObject(input)) throw invalid(field, `must be an object, got ${describe(input)}`);
  const startedAt = checkTime(`${field}.startedAt`, input.startedAt);
  const endedAt = checkTime(`${field}.endedAt`, input.endedAt);
  if (endedAt < startedAt) throw invalid(`${field}.endedAt`, 'is before startedAt');
  const status = input.status ?? (input.error === undefined ? 'succeeded' : 'failed');
  if (status !== 'succeeded' && status !== 'failed') {
    throw invalid(`${field}.status`, `must be succeeded or failed, got ${describe(status)}`);
  }
  const run: Run = {
    id: input.id === undefined ? uuidv7(startedAt) : checkRunId(`${field}.id`, input.id),
    component: checkIdentifier(`${field}.component`, input.component),
    startedAt,
    endedAt,
    status,
    inputs: input.inputs === undefined ? [] : checkNameList(`${field}.inputs`, input.inputs, checkPointer),
    outputs: input.outputs === undefined ? [] : checkNameList(`${field}.outputs`, input.outputs, checkPointer),
    dependencies: [],
    notes: input.notes === undefined ? [] : checkNotes(`${field}.notes`, input.notes, endedAt),
    params: input.params === undefined ? {} : checkJsonRecord(`${field}.params`, input.params),
    metrics: input.metrics === undefined ? {} : checkMetrics(`${field}.metrics`, input.metrics),
  };
  if (input.error !== undefined) run.error = checkRunError(`${field}.error`, input.error);
  else if (status === 'failed') run.error = { name: 'Error', message: 'failed' };
  const code =
    input.code === undefined
      ? defaultCode
      : input.code === null
        ? undefined
        : checkCodeVersion(`${field}.code`, input.code);
  if (code !== undefined) run.code = code;
  if (input.snapshot !== undefined) run.snapshot = checkText(`${field}.snapshot`, input.snapshot, MAX_SNAPSHOT_LENGTH);
  if (input.checks !== undefined) run.checks = checkCheckResults(`${field}.checks`, input.checks);
  return run;
}

function checkRunError(field: string, value: unknown): RunError {
  if (isPlainObject(value) && typeof value.message === 'string') {
    const out: RunError = {
      name: checkText(`${field}.name`, value.name ?? 'Error', 256),
      message: checkText(`${field}.message`, value.message),
    };
    if (value.stack !== undefined) out.stack = checkText(`${field}.stack`, value.stack);
    return out;
  }
  return toRunError(value);
}

export function checkNotes(field: string, value: unknown, defaultAt: number): Note[] {
  if (!Array.isArray(value)) throw invalid(field, `must be an array, got ${describe(value)}`);
  return value.map((n, i) => {
    if (typeof n === 'string') return { at: defaultAt, text: checkText(`${field}[${i}]`, n) };
    if (!isPlainObject(n)) throw invalid(`${field}[${i}]`, 'must be a string or { at, text }');
    return { at: checkTime(`${field}[${i}].at`, n.at), text: checkText(`${field}[${i}].text`, n.text) };
  });
}
