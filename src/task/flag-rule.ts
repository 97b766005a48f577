/**
 * Feedback to flags: a rule picks the joined predictions that missed, and they become flagged
 * rows of the pointer their outputs were logged with, so row review can name the culprit with
 * no person flagging anything.
 */
import { invalid, isPipetraceError } from '../errors.js';
import { flagRows } from '../rows/flags.js';
import { hashKeys } from '../rows/format/keys.js';
import { unknownRowKeys } from '../rows/known-keys.js';
import type { Store } from '../store.js';
import { writerOf } from '../target.js';
import { describe, isPlainObject } from '../validate.js';
import type { JoinedPairs } from './join.js';
import type { FlagMissesResult, TaskValue } from './types.js';

type Test = (output: TaskValue, feedback: TaskValue, id: string) => boolean;

/** The rule as a test of one pair; invalid_input for anything else. */
export function checkRule(rule: unknown): Test {
  if (typeof rule === 'function') {
    return (o, f, id) => {
      const missed = (rule as Test)(o, f, id);
      if (typeof missed !== 'boolean') throw invalid('rule', `must return true or false, got ${describe(missed)}`);
      return missed;
    };
  }
  if (!isPlainObject(rule) || Object.keys(rule).length !== 1)
    throw invalid('rule', 'must be { absError: n }, { relError: n }, { wrongClass: true } or a function');
  if ('wrongClass' in rule) {
    if (rule.wrongClass !== true) throw invalid('rule.wrongClass', 'must be true');
    return (o, f) => o !== f;
  }
  const [name, bound] = Object.entries(rule)[0] as [string, unknown];
  if (name !== 'absError' && name !== 'relError')
    throw invalid(`rule.${name}`, 'is not a rule (absError, relError, wrongClass)');
  if (typeof bound !== 'number' || !Number.isFinite(bound) || bound < 0)
    throw invalid(`rule.${name}`, `must be a number from 0, got ${describe(bound)}`);
  return (o, f) => {
    if (typeof o !== 'number' || typeof f !== 'number')
      throw invalid(
        `rule.${name}`,
        `needs numeric outputs and feedback, got ${describe(typeof o === 'number' ? f : o)}`,
      );
    const error = Math.abs(o - f);
    return name === 'absError' ? error > bound : error > bound * Math.abs(f);
  };
}

/** Applies the rule to the pairs whose index `keep` accepts; flags the misses row by row. */
export async function flagMisses(
  store: Store,
  task: string,
  pairs: JoinedPairs,
  test: Test,
  keep: (i: number) => boolean,
  now: number,
): Promise<FlagMissesResult> {
  const byPointer = new Map<string, string[]>();
  const result: FlagMissesResult = { task, checked: 0, missed: 0, pointers: [], noPointer: 0, notInLineage: 0 };
  for (let i = 0; i < pairs.n; i++) {
    if (!keep(i)) continue;
    result.checked++;
    const id = pairs.idAt(i);
    if (!test(pairs.outputs[i] as TaskValue, pairs.feedback[i] as TaskValue, id)) continue;
    result.missed++;
    const pointer = pairs.pointerAt(i);
    if (pointer === undefined) result.noPointer++;
    else {
      let list = byPointer.get(pointer);
      if (list === undefined) byPointer.set(pointer, (list = []));
      list.push(id);
    }
  }
  for (const [pointer, ids] of [...byPointer].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const known = await knownIds(store, pointer, ids);
    result.notInLineage += ids.length - known.length;
    const flaggedRows = known.length === 0 ? 0 : await flagRows(store, pointer, known, now);
    result.pointers.push({ pointer, missed: ids.length, flaggedRows });
  }
  return result;
}

/** The ids the pointer's row lineage records (all of them where it records none). */
async function knownIds(store: Store, pointer: string, ids: string[]): Promise<string[]> {
  try {
    const unknown = await unknownRowKeys(store, pointer, await writerOf(store, pointer), hashKeys(ids));
    if (unknown === undefined || unknown.length === 0) return ids;
    const drop = new Set(unknown);
    return ids.filter((_, i) => !drop.has(i));
  } catch (error) {
    // A pointer no run wrote or read has no rows to flag.
    if (isPipetraceError(error, 'not_found')) return [];
    throw error;
  }
}
