/**
 * Check results in columns, for a RunTable: a name's number with phase and outcome in one
 * integer, durations in a float array, and only the rare message, pointer and column as objects.
 * Twelve bytes a result: growing fresh typed arrays costs page faults, a fair part of a result's cost.
 * A run with checks then costs the garbage collector nothing per result, as a run without.
 */
import type { CheckOutcome, CheckResult } from '../model.js';
import { resized } from '../sorted-lists.js';

const OUTCOMES: readonly CheckOutcome[] = ['pass', 'fail', 'error'];
const outcomeCode = (o: CheckOutcome): number => (o === 'pass' ? 0 : o === 'fail' ? 1 : 2);
/** In `packed`: the outcome's code in the low bits, this bit for the after phase, the name's number above. */
const AFTER = 4;
// 2^28 names fit: far more than a store in memory could hold as strings.
const NAME_SHIFT = 3;

type Extra = Pick<CheckResult, 'message' | 'pointer' | 'column'>;

export class CheckColumns {
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  /** The names of the last results added, by position, and their numbers: runs of one step repeat them. */
  private readonly lastNames: string[] = [];
  private readonly lastNumbers: number[] = [];
  private packed = new Int32Array(0);
  /** NaN where a result has no duration. */
  private duration = new Float64Array(0);
  /** Message, pointer and column, by result, for the results that have any. */
  private readonly extras = new Map<number, Extra>();
  private length = 0;

  /** Appends copies of `results`; returns where they start. */
  add(results: readonly CheckResult[]): number {
    const from = this.length;
    const end = from + results.length;
    if (end > this.packed.length) {
      const n = Math.max(end, 4 * this.packed.length, 256);
      this.packed = resized(this.packed, n);
      this.duration = resized(this.duration, n);
    }
    for (let i = 0; i < results.length; i++) {
      const r = results[i] as CheckResult;
      const at = from + i;
      const name = this.lastNames[i] === r.name ? (this.lastNumbers[i] as number) : this.numberOf(r.name, i);
      this.packed[at] = (name << NAME_SHIFT) | outcomeCode(r.outcome) | (r.phase === 'after' ? AFTER : 0);
      this.duration[at] = r.durationMs ?? Number.NaN;
      if (r.message !== undefined || r.pointer !== undefined || r.column !== undefined) {
        const extra: Extra = {};
        if (r.message !== undefined) extra.message = r.message;
        if (r.pointer !== undefined) extra.pointer = r.pointer;
        if (r.column !== undefined) extra.column = r.column;
        this.extras.set(at, extra);
      }
    }
    this.length = end;
    return from;
  }

  /** Fresh copies of the `count` results from `from`, in the field order of a checked result. */
  read(from: number, count: number): CheckResult[] {
    const out = new Array<CheckResult>(count);
    for (let i = 0; i < count; i++) {
      const at = from + i;
      const flags = this.packed[at] as number;
      const r: CheckResult = {
        name: this.names[flags >>> NAME_SHIFT] as string,
        phase: (flags & AFTER) !== 0 ? 'after' : 'before',
        outcome: OUTCOMES[flags & 3] as CheckOutcome,
      };
      const extra = this.extras.size === 0 ? undefined : this.extras.get(at);
      if (extra?.message !== undefined) r.message = extra.message;
      const d = this.duration[at] as number;
      if (!Number.isNaN(d)) r.durationMs = d;
      if (extra?.pointer !== undefined) r.pointer = extra.pointer;
      if (extra?.column !== undefined) r.column = extra.column;
      out[i] = r;
    }
    return out;
  }

  /** Forgets the extras of results no run refers to any more (their columns are left as they are). */
  drop(from: number, count: number): void {
    if (this.extras.size > 0) for (let i = from; i < from + count; i++) this.extras.delete(i);
  }

  private numberOf(name: string, position: number): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(name);
      this.numbers.set(name, n);
    }
    this.lastNames[position] = name;
    this.lastNumbers[position] = n;
    return n;
  }
}
