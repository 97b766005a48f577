import { CheckColumns } from './checks/columns.js';
import { invalid } from './errors.js';
import type { CodeVersion, Run } from './model.js';
import { copyCode, copyDetails, hasDetails, type RunDetails, withDetails } from './records.js';
import type { RunColumns } from './run-columns.js';
import { pageOf, pickPage, planRange, planRunScan, type RunFilterField } from './scan-plan.js';
import { asArray, firstIndex, type List, resized, withItem, withoutItem } from './sorted-lists.js';
import type { RunPage, RunScan, WriteKey, WriterQuery, WriterRef } from './store.js';
import { StringIndex } from './string-index.js';

/** Per slot in `ints`: flags (stored, failed), component, code version, where its links start in `io`, and their counts. */
const STRIDE = 7;
const FLAGS = 0;
const COMPONENT = 1;
const CODE = 2;
const IO_AT = 3;
const INPUTS = 4;
const OUTPUTS = 5;
const DEPENDENCIES = 6;
const STORED = 1;
const FAILED = 2;
/** The filters a table keeps an index of: runs by component, writers and readers by pointer. */
const TABLE_INDEXES = ['component', 'output', 'input'] as const satisfies readonly RunFilterField[];
/**
 * How much the columns grow at a time. Fresh memory is mapped lazily, so room not yet written
 * costs address space, not RAM; growing fourfold copies (and first touches) far less than
 * doubling: a tenth fewer page faults when logging.
 */
const GROWTH = 4;

/**
 * Runs in columns: times, status and counts in typed arrays, ids, pointers and components as
 * dense integers, and notes, params, metrics only for runs that have them. A million runs
 * cost the garbage collector little more than their strings, which is what lets the memory
 * store log hundreds of thousands of runs a second. It answers the same queries as RunIndex
 * (scans in (startedAt, id) order by component, input or output, and latest writers in
 * WriteKey order) and returns fresh Run objects.
 *
 * A slot is a run's row, numbered in the order ids were first stored; replacing a run reuses
 * its slot.
 */
export class RunTable implements RunColumns {
  private capacity = 0;
  /** Slot numbers: slot n holds the run whose id is ids.key(n). */
  private readonly ids = new StringIndex();
  private ints = new Int32Array(0);
  /** startedAt and endedAt of each slot. */
  private times = new Float64Array(0);
  /** Each run's input and output pointer numbers and dependency slots, one after another. */
  private io = new Int32Array(1 << 16);
  private ioLength = 0;
  /**
   * The last latestWriters call: the pointers asked, their numbers and the slots answered.
   * Logging asks for a run's inputs and then stores it, with the very same strings, so `put`
   * finds their numbers here instead of hashing them again (`askedAt` walks along).
   */
  private asked: readonly WriterQuery[] = [];
  private readonly askedPointers: number[] = [];
  private readonly answers: number[] = [];
  private askedAt = 0;
  private readonly details = new Map<number, RunDetails>();
  /** Check results of every run, in columns (`checkAt` says whose are where). */
  private readonly checks = new CheckColumns();
  /** Per slot: where its check results start, and their count + 1 (0: none); made for the first run with checks. */
  private checkAt: Int32Array | undefined;
  private readonly codes: CodeVersion[] = [];
  private readonly components = new StringIndex();
  private readonly pointers = new StringIndex();
  private readonly order: number[] = [];
  private readonly byComponent: number[][] = [];
  /** Components (-1 for `order`) whose lists got a slot out of run order since they were last sorted. */
  private readonly unsorted = new Set<number>();
  /**
   * Components (-1 for `order`) whose lists still hold slots of replaced or deleted runs. A
   * removal leaves its slot in place and the next read drops it, so a batch replacing k runs
   * costs one sort a list, not k sorts and k splices of the whole history.
   */
  private readonly stale = new Set<number>();
  /** Writers of each pointer (by pointer number) in WriteKey order. */
  private readonly writers: (List<number> | undefined)[] = [];
  /** Readers of each pointer in run order, for the slots below `readersUpTo`: built when a scan by input first needs it. */
  private readonly readers: (List<number> | undefined)[] = [];
  private readersUpTo = 0;
  private runs = 0;
  /** Runs stored and removed so far (RunColumns.generation). */
  private writes = 0;

  /** (startedAt, id) order. */
  private readonly byOrder = (a: number, b: number): number => {
    const sa = this.times[2 * a] as number;
    const sb = this.times[2 * b] as number;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ia = this.ids.key(a);
    const ib = this.ids.key(b);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };

  /** WriteKey order: (endedAt, startedAt, id). */
  private readonly byWriteKey = (a: number, b: number): number => {
    const ea = this.times[2 * a + 1] as number;
    const eb = this.times[2 * b + 1] as number;
    if (ea !== eb) return ea < eb ? -1 : 1;
    return this.byOrder(a, b);
  };

  get size(): number {
    return this.runs;
  }

  /** Checks that every run has the shape a store keeps, so a bad record stores nothing. */
  static check(runs: readonly Run[]): void {
    for (const run of runs) {
      if (
        typeof run?.id !== 'string' ||
        typeof run.component !== 'string' ||
        typeof run.startedAt !== 'number' ||
        typeof run.endedAt !== 'number' ||
        !Array.isArray(run.inputs) ||
        !Array.isArray(run.outputs) ||
        !Array.isArray(run.dependencies) ||
        !Array.isArray(run.notes) ||
        typeof run.params !== 'object' ||
        run.params === null ||
        typeof run.metrics !== 'object' ||
        run.metrics === null
      ) {
        throw invalid(
          'runs',
          'each run needs an id, component, times, input, output, dependency and note lists, params and metrics',
        );
      }
    }
  }

  /** Adds a run, replacing any run with the same id. */
  put(run: Run): void {
    const known = this.ids.size;
    const slot = this.ids.add(run.id);
    if (slot === known) this.grow(slot);
    else if (((this.ints[slot * STRIDE + FLAGS] as number) & STORED) !== 0) this.remove(slot);
    const { inputs, outputs, dependencies } = run;
    const from = this.reserveIo(inputs.length + outputs.length + dependencies.length);
    const asked = this.askedAt;
    let w = from;
    for (const p of inputs) this.io[w++] = this.inputNumber(p);
    for (const p of outputs) this.io[w++] = this.pointers.add(p);
    for (const d of dependencies) this.io[w++] = this.slotOfDependency(d, asked);
    // Read after the lines above, which may grow the arrays.
    const ints = this.ints;
    const at = slot * STRIDE;
    ints[at + IO_AT] = from;
    ints[at + INPUTS] = inputs.length;
    ints[at + OUTPUTS] = outputs.length;
    ints[at + DEPENDENCIES] = dependencies.length;
    const component = this.components.add(run.component);
    ints[at + FLAGS] = STORED | (run.status === 'failed' ? FAILED : 0);
    ints[at + COMPONENT] = component;
    ints[at + CODE] = run.code === undefined ? -1 : this.internCode(run.code);
    this.times[2 * slot] = run.startedAt;
    this.times[2 * slot + 1] = run.endedAt;
    this.runs++;
    this.writes++;
    if (hasDetails(run, false)) this.details.set(slot, copyDetails(run, false));
    if (run.checks !== undefined) {
      const checkAt = (this.checkAt ??= new Int32Array(2 * this.capacity));
      checkAt[2 * slot] = this.checks.add(run.checks);
      checkAt[2 * slot + 1] = run.checks.length + 1;
    }
    // Runs mostly arrive in time order; an import of old history sorts once, when first scanned.
    if (!this.append(this.order, slot)) this.unsorted.add(-1);
    const list = this.byComponent[component];
    if (list === undefined) this.byComponent[component] = [slot];
    else if (!this.append(list, slot)) this.unsorted.add(component);
    for (let i = from + inputs.length; i < from + inputs.length + outputs.length; i++) {
      const p = this.io[i] as number;
      this.writers[p] = withItem(this.writers[p], slot, this.byWriteKey);
    }
    // Slots past readersUpTo are indexed by input when a scan first needs it.
    if (slot < this.readersUpTo) this.addReaders(slot);
  }

  private remove(slot: number): void {
    const at = slot * STRIDE;
    const component = this.ints[at + COMPONENT] as number;
    this.stale.add(-1);
    this.stale.add(component);
    const from = this.ints[at + IO_AT] as number;
    const nIn = this.ints[at + INPUTS] as number;
    const nOut = this.ints[at + OUTPUTS] as number;
    if (slot < this.readersUpTo) {
      for (let i = from; i < from + nIn; i++) {
        const p = this.io[i] as number;
        this.readers[p] = withoutItem(this.readers[p], slot, this.byOrder);
      }
    }
    for (let i = from + nIn; i < from + nIn + nOut; i++) {
      const p = this.io[i] as number;
      this.writers[p] = withoutItem(this.writers[p], slot, this.byWriteKey);
    }
    this.details.delete(slot);
    const checkAt = this.checkAt;
    if (checkAt !== undefined && checkAt[2 * slot + 1] !== 0) {
      this.checks.drop(checkAt[2 * slot] as number, (checkAt[2 * slot + 1] as number) - 1);
      checkAt[2 * slot + 1] = 0;
    }
    this.ints[at + FLAGS] = 0;
    this.runs--;
    this.writes++;
  }

  /** Appends a slot to a list in run order; false when it belongs earlier (the list is then unsorted). */
  private append(list: number[], slot: number): boolean {
    const n = list.length;
    list.push(slot);
    return n === 0 || this.byOrder(list[n - 1] as number, slot) <= 0;
  }

  /**
   * The slots of a component (or all, for -1) in run order: sorted now if puts left them out of
   * order, and without the slots of runs replaced or deleted since the last read.
   */
  private inOrder(component: number): number[] {
    const list = component < 0 ? this.order : (this.byComponent[component] ?? []);
    const stale = this.stale.delete(component);
    // A replaced run's old entry sits where its old times were: the list is out of order too.
    if (this.unsorted.delete(component) || stale) list.sort(this.byOrder);
    if (stale) this.dropStale(list, component);
    return list;
  }

  /**
   * Drops from a sorted list the slots no longer stored, or now of another component, and the
   * second entry of a slot put again (both entries of one slot sort next to each other).
   */
  private dropStale(list: number[], component: number): void {
    const ints = this.ints;
    let w = 0;
    for (let i = 0; i < list.length; i++) {
      const slot = list[i] as number;
      const at = slot * STRIDE;
      if (((ints[at + FLAGS] as number) & STORED) === 0) continue;
      if (component >= 0 && ints[at + COMPONENT] !== component) continue;
      if (w > 0 && list[w - 1] === slot) continue;
      list[w++] = slot;
    }
    list.length = w;
  }

  /** The number of an input pointer, from the last latestWriters call when it asked for it. */
  private inputNumber(pointer: string): number {
    const k = this.askedAt;
    if (k < this.asked.length && this.asked[k]?.pointer === pointer) {
      this.askedAt++;
      const p = this.askedPointers[k] as number;
      if (p >= 0) return p;
    }
    return this.pointers.add(pointer);
  }

  /** The slot of a dependency: usually a writer the last latestWriters call answered for this run's inputs. */
  private slotOfDependency(id: string, from: number): number {
    for (let k = from; k < this.askedAt; k++) {
      const slot = this.answers[k] as number;
      if (slot >= 0 && this.ids.key(slot) === id) return slot;
    }
    const known = this.ids.size;
    const slot = this.ids.add(id);
    // A dependency on a run not stored (yet): its slot waits for it.
    if (slot === known) this.grow(slot);
    return slot;
  }

  private reserveIo(n: number): number {
    const at = this.ioLength;
    if (at + n > this.io.length) this.io = resized(this.io, Math.max(GROWTH * this.io.length, at + n));
    this.ioLength = at + n;
    return at;
  }

  /** Makes room for slot `slot` (always the next one). */
  private grow(slot: number): void {
    if (slot < this.capacity) return;
    const n = Math.max(1024, this.capacity * GROWTH);
    this.ints = resized(this.ints, n * STRIDE);
    this.times = resized(this.times, n * 2);
    if (this.checkAt !== undefined) this.checkAt = resized(this.checkAt, n * 2);
    this.capacity = n;
  }

  /** Runs of one pipeline share a code version: keep one copy while it stays the same. */
  private internCode(code: CodeVersion): number {
    const last = this.codes.length - 1;
    const prev = this.codes[last];
    if (prev !== undefined && sameCode(prev, code)) return last;
    this.codes.push(copyCode(code));
    return last + 1;
  }

  private addReaders(slot: number): void {
    const at = slot * STRIDE;
    const from = this.ints[at + IO_AT] as number;
    for (let i = from, end = from + (this.ints[at + INPUTS] as number); i < end; i++) {
      const p = this.io[i] as number;
      this.readers[p] = withItem(this.readers[p], slot, this.byOrder);
    }
  }

  private indexReaders(): void {
    const n = this.ids.size;
    for (let slot = this.readersUpTo; slot < n; slot++) {
      if (((this.ints[slot * STRIDE + FLAGS] as number) & STORED) !== 0) this.addReaders(slot);
    }
    this.readersUpTo = n;
  }

  // ---- RunColumns: the runs read in place, for the run-level review at scale -------------

  get generation(): number {
    return this.writes;
  }
  get slots(): number {
    return this.ids.size;
  }
  get pointerCount(): number {
    return this.pointers.size;
  }
  slotOf(id: string): number {
    const slot = this.ids.find(id);
    return slot < 0 || !this.stored(slot) ? -1 : slot;
  }
  pointerOf(name: string): number {
    return this.pointers.find(name);
  }
  stored(slot: number): boolean {
    return ((this.ints[slot * STRIDE + FLAGS] as number) & STORED) !== 0;
  }
  slotsOf(component: string): readonly number[] | undefined {
    const c = this.components.find(component);
    return c < 0 ? undefined : this.inOrder(c);
  }
  id(slot: number): string {
    return this.ids.key(slot);
  }
  component(slot: number): string {
    return this.components.key(this.ints[slot * STRIDE + COMPONENT] as number);
  }
  startedAt(slot: number): number {
    return this.times[2 * slot] as number;
  }
  commit(slot: number): string | undefined {
    const code = this.ints[slot * STRIDE + CODE] as number;
    return code < 0 ? undefined : this.codes[code]?.commit;
  }
  params(slot: number): Readonly<Record<string, unknown>> {
    return this.details.get(slot)?.params ?? NO_PARAMS;
  }
  firstDependency(slot: number): number {
    const at = slot * STRIDE;
    return (this.ints[at + IO_AT] as number) + (this.ints[at + INPUTS] as number) + (this.ints[at + OUTPUTS] as number);
  }
  dependencyCount(slot: number): number {
    return this.ints[slot * STRIDE + DEPENDENCIES] as number;
  }
  firstOutput(slot: number): number {
    const at = slot * STRIDE;
    return (this.ints[at + IO_AT] as number) + (this.ints[at + INPUTS] as number);
  }
  outputCount(slot: number): number {
    return this.ints[slot * STRIDE + OUTPUTS] as number;
  }
  links(): Int32Array {
    return this.io;
  }
  compareWrites(a: number, b: number): number {
    return this.byWriteKey(a, b);
  }

  get(id: string): Run | undefined {
    const slot = this.ids.find(id);
    return slot < 0 || ((this.ints[slot * STRIDE + FLAGS] as number) & STORED) === 0 ? undefined : this.run(slot);
  }

  /** A fresh copy of the run in a slot. */
  run(slot: number): Run {
    const at = slot * STRIDE;
    const from = this.ints[at + IO_AT] as number;
    const nIn = this.ints[at + INPUTS] as number;
    const nOut = this.ints[at + OUTPUTS] as number;
    const nDep = this.ints[at + DEPENDENCIES] as number;
    const code = this.ints[at + CODE] as number;
    const io = this.io;
    const inputs = new Array<string>(nIn);
    const outputs = new Array<string>(nOut);
    const dependencies = new Array<string>(nDep);
    for (let i = 0; i < nIn; i++) inputs[i] = this.pointers.key(io[from + i] as number);
    for (let i = 0; i < nOut; i++) outputs[i] = this.pointers.key(io[from + nIn + i] as number);
    for (let i = 0; i < nDep; i++) dependencies[i] = this.ids.key(io[from + nIn + nOut + i] as number);
    const run = withDetails(
      {
        id: this.ids.key(slot),
        component: this.components.key(this.ints[at + COMPONENT] as number),
        startedAt: this.times[2 * slot] as number,
        endedAt: this.times[2 * slot + 1] as number,
        status: ((this.ints[at + FLAGS] as number) & FAILED) !== 0 ? 'failed' : 'succeeded',
        inputs,
        outputs,
        dependencies,
      },
      this.details.get(slot),
      code < 0 ? undefined : this.codes[code],
    );
    const checks = this.checkAt?.[2 * slot + 1] ?? 0;
    if (checks > 0) run.checks = this.checks.read(this.checkAt?.[2 * slot] as number, checks - 1);
    return run;
  }

  /** For each query, the writer of its pointer with the greatest WriteKey below `before`. */
  latestWriters(queries: readonly WriterQuery[]): (WriterRef | undefined)[] {
    this.asked = queries;
    this.askedAt = 0;
    this.askedPointers.length = queries.length;
    this.answers.length = queries.length;
    return queries.map((query, k) => {
      const pointer = this.pointers.find(query.pointer);
      const slot = pointer < 0 ? -1 : this.latestWriter(pointer, query.before);
      this.askedPointers[k] = pointer;
      this.answers[k] = slot;
      return slot < 0
        ? undefined
        : {
            id: this.ids.key(slot),
            component: this.components.key(this.ints[slot * STRIDE + COMPONENT] as number),
            startedAt: this.times[2 * slot] as number,
            endedAt: this.times[2 * slot + 1] as number,
          };
    });
  }

  private latestWriter(pointer: number, before: WriteKey | undefined): number {
    const list = this.writers[pointer];
    if (list === undefined) return -1;
    if (typeof list === 'number') return before === undefined || this.below(list, before) ? list : -1;
    const at =
      before === undefined ? list.length : firstIndex(list.length, (i) => this.below(list[i] as number, before));
    return at > 0 ? (list[at - 1] as number) : -1;
  }

  /** The run in `slot` comes before `key` in WriteKey order. */
  private below(slot: number, key: WriteKey): boolean {
    const e = this.times[2 * slot + 1] as number;
    if (e !== key.endedAt) return e < key.endedAt;
    const s = this.times[2 * slot] as number;
    if (s !== key.startedAt) return s < key.startedAt;
    return this.ids.key(slot) < key.id;
  }

  /** Pointers written by some stored run, in no particular order. */
  writtenPointers(): string[] {
    const out: string[] = [];
    this.writers.forEach((list, p) => {
      if (list !== undefined && (typeof list === 'number' || list.length > 0)) out.push(this.pointers.key(p));
    });
    return out;
  }

  /** One page of a scan, as the store contract defines it. */
  scan(scan: RunScan): RunPage {
    const plan = planRunScan(scan, TABLE_INDEXES);
    if (plan.empty) return { runs: [] };
    const base = plan.index === undefined ? this.inOrder(-1) : this.indexed[plan.index.field](plan.index.value);
    if (base === undefined) return { runs: [] };
    let test: ((slot: number) => boolean) | undefined;
    for (const { field, value } of plan.rest) {
      const next = this.slotTests[field](value);
      // No stored run has the value.
      if (next === undefined) return { runs: [] };
      const prev = test;
      test = prev === undefined ? next : (slot) => prev(slot) && next(slot);
    }
    const { lo, hi } = planRange(
      plan,
      base.length,
      (i) => this.times[2 * (base[i] as number)] as number,
      (i) => this.ids.key(base[i] as number),
    );
    const { picked, more } = pickPage(plan, base, lo, hi, test);
    const runs = picked.map((slot) => this.run(slot));
    return pageOf(runs, runs[runs.length - 1], more);
  }

  /** For each index, the slots of the runs whose field has a value, in run order; undefined when there are none. */
  private readonly indexed: {
    [K in (typeof TABLE_INDEXES)[number]]: (value: string) => readonly number[] | undefined;
  } = {
    component: (value) => {
      const component = this.components.find(value);
      return component < 0 ? undefined : this.inOrder(component);
    },
    output: (value) => {
      const pointer = this.pointers.find(value);
      return pointer < 0 ? undefined : asArray(this.writers[pointer])?.slice().sort(this.byOrder);
    },
    input: (value) => {
      this.indexReaders();
      const pointer = this.pointers.find(value);
      return pointer < 0 ? undefined : asArray(this.readers[pointer]);
    },
  };

  /** Each filter as a test of a slot over the columns; undefined when no stored run has the value. */
  private readonly slotTests: { [K in RunFilterField]: (value: string) => ((slot: number) => boolean) | undefined } = {
    component: (value) => {
      const component = this.components.find(value);
      return component < 0 ? undefined : (slot) => this.ints[slot * STRIDE + COMPONENT] === component;
    },
    input: (value) => {
      const pointer = this.pointers.find(value);
      return pointer < 0 ? undefined : (slot) => this.has(slot, 0, pointer);
    },
    output: (value) => {
      const pointer = this.pointers.find(value);
      return pointer < 0 ? undefined : (slot) => this.has(slot, 1, pointer);
    },
  };

  /** Whether the run in `slot` read (part 0) or wrote (part 1) pointer number `pointer`. */
  private has(slot: number, part: 0 | 1, pointer: number): boolean {
    const at = slot * STRIDE;
    const nIn = this.ints[at + INPUTS] as number;
    const from = (this.ints[at + IO_AT] as number) + (part === 0 ? 0 : nIn);
    const end = from + (part === 0 ? nIn : (this.ints[at + OUTPUTS] as number));
    for (let i = from; i < end; i++) if (this.io[i] === pointer) return true;
    return false;
  }
}

const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

const CODE_FIELDS = new Set(['commit', 'branch', 'tags', 'dirty']);

function sameCode(a: CodeVersion, b: CodeVersion): boolean {
  if (a.commit !== b.commit || a.branch !== b.branch || a.dirty !== b.dirty) return false;
  for (const key in a) if (!CODE_FIELDS.has(key)) return false;
  for (const key in b) if (!CODE_FIELDS.has(key)) return false;
  const ta = a.tags;
  const tb = b.tags;
  if (ta === undefined || tb === undefined) return ta === tb;
  return ta.length === tb.length && ta.every((t, i) => t === tb[i]);
}
