/** Check results as stored on a run: checking one that arrives from outside, and copying. */
import { invalid } from '../errors.js';
import type { CheckOutcome, CheckResult } from '../model.js';
import { checkPointer, checkText, describe, isPlainObject, MAX_NAME_LENGTH } from '../validate.js';

export const CHECK_OUTCOMES: readonly CheckOutcome[] = ['pass', 'fail', 'error'];
/** A check message is kept to this many characters (longer ones are cut, with an ellipsis). */
export const MAX_CHECK_MESSAGE = 4096;
/** A run keeps at most this many check results. */
export const MAX_CHECKS_PER_RUN = 1000;

export function checkOutcome(field: string, value: unknown): CheckOutcome {
  if (typeof value !== 'string' || !(CHECK_OUTCOMES as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${CHECK_OUTCOMES.join(', ')}; got ${describe(value)}`);
  }
  return value as CheckOutcome;
}

/** A check's name: any text up to 256 characters, not empty (dbt names tests freely). */
export function checkCheckName(field: string, value: unknown): string {
  const name = checkText(field, value, MAX_NAME_LENGTH);
  if (name.trim() === '') throw invalid(field, 'must not be empty');
  return name;
}

/** One stored check result, checked and copied (invalid_input naming the first bad field). */
export function checkCheckResult(field: string, value: unknown): CheckResult {
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  if (value.phase !== 'before' && value.phase !== 'after') {
    throw invalid(`${field}.phase`, `must be before or after, got ${describe(value.phase)}`);
  }
  const out: CheckResult = {
    name: checkCheckName(`${field}.name`, value.name),
    phase: value.phase,
    outcome: checkOutcome(`${field}.outcome`, value.outcome),
  };
  if (value.message !== undefined) out.message = checkText(`${field}.message`, value.message, MAX_CHECK_MESSAGE);
  if (value.durationMs !== undefined) {
    const d = value.durationMs;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) {
      throw invalid(`${field}.durationMs`, `must be a finite number from 0, got ${describe(d)}`);
    }
    out.durationMs = d;
  }
  if (value.pointer !== undefined) out.pointer = checkPointer(`${field}.pointer`, value.pointer);
  if (value.column !== undefined) out.column = checkText(`${field}.column`, value.column, MAX_NAME_LENGTH);
  return out;
}

/** A run's list of check results (invalid_input naming the first bad one). */
export function checkCheckResults(field: string, value: unknown): CheckResult[] {
  if (!Array.isArray(value)) throw invalid(field, `must be an array, got ${describe(value)}`);
  if (value.length > MAX_CHECKS_PER_RUN) {
    throw invalid(field, `has ${value.length} results; a run keeps at most ${MAX_CHECKS_PER_RUN}`);
  }
  return value.map((v, i) => checkCheckResult(`${field}[${i}]`, v));
}

export function copyCheckResults(results: readonly CheckResult[]): CheckResult[] {
  return results.map((r) => ({ ...r }));
}

/** Text cut to `max` characters, so a huge message from a check never refuses the run. */
export function clip(text: string, max = MAX_CHECK_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
