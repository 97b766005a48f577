import type { Run } from './model.js';
import {
  type FilterableRun,
  pageOf,
  pickPage,
  planRangeOf,
  planRunScan,
  type RunFilterField,
  type RunScanPlan,
} from './scan-plan.js';
import { asArray, firstIndex, type List, lowerBound, removeSorted, withItem, withoutItem } from './sorted-lists.js';
import {
  compareRunOrder,
  compareWriteKeys,
  type RunPage,
  type RunScan,
  type WriteKey,
  type WriterQuery,
  type WriterRef,
} from './store.js';

/** The fields of a run an index needs to order and filter it. */
export type IndexedRun = Pick<Run, 'id' | 'startedAt' | 'endedAt'> & FilterableRun;

/** The filters a RunIndex keeps an index of. */
export const RUN_INDEXES = ['component', 'output', 'input'] as const satisfies readonly RunFilterField[];
export type RunIndexPlan = RunScanPlan<(typeof RUN_INDEXES)[number]>;

/** Appends; false when the item belongs earlier (the list is then out of order). */
function appendInOrder<T extends { startedAt: number; id: string }>(items: T[], item: T): boolean {
  const n = items.length;
  items.push(item);
  return n === 0 || compareRunOrder(items[n - 1] as T, item) <= 0;
}

export { firstIndex, lowerBound };

function addTo<T>(map: Map<string, List<T>>, key: string, item: T, compare: (a: T, b: T) => number): void {
  const cur = map.get(key);
  const next = withItem(cur, item, compare);
  if (next !== cur) map.set(key, next);
}

/** Up to this many runs leave a sorted list one by one (binary search and splice); more in one pass. */
const FEW = 16;

/** Removes the items in `gone` from an array in one pass, keeping the order of the rest. */
function dropInPlace<T>(list: T[], gone: ReadonlySet<T>): void {
  let w = 0;
  for (const item of list) if (!gone.has(item)) list[w++] = item;
  list.length = w;
}

/** Removes the items in `gone` from a map's list (a sorted array, or a single item). */
function dropFromList<T>(
  map: Map<string, List<T>>,
  key: string,
  gone: ReadonlySet<T>,
  compare: (a: T, b: T) => number,
): void {
  const cur = map.get(key);
  if (cur === undefined) return;
  if (!Array.isArray(cur)) {
    if (gone.has(cur)) map.delete(key);
    return;
  }
  if (gone.size <= FEW) for (const item of gone) withoutItem(cur, item, compare);
  else dropInPlace(cur, gone);
  if (cur.length === 0) map.delete(key);
}

/** Items grouped by each of their keys (an item with a key twice is listed once under it). */
function groupBy<T>(items: readonly T[], keys: (item: T) => readonly string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    for (const key of new Set(keys(item))) {
      const list = out.get(key);
      if (list === undefined) out.set(key, [item]);
      else list.push(item);
    }
  }
  return out;
}

/**
 * In-memory ordering indexes over runs: by time overall, per component, per input and output
 * pointer, and the writers of each pointer in WriteKey order. It answers `scanRuns` and
 * `latestWriters` for any adapter that keeps its index in memory. `T` is whatever the adapter
 * keeps per run (the run itself, or a lighter reference).
 */
export class RunIndex<T extends IndexedRun> {
  private readonly byId = new Map<string, T>();
  private readonly all: T[] = [];
  private readonly byComponent = new Map<string, T[]>();
  private readonly byInput = new Map<string, List<T>>();
  /** Runs whose inputs are not in byInput yet: built when a scan by input first needs it, so logging stays cheap. */
  private unindexedInputs: T[] = [];
  /** Writers of each pointer in WriteKey order. */
  private readonly writers = new Map<string, List<T>>();
  /** Lists in run order that got a run out of order since they were last sorted. */
  private readonly unsorted = new Set<T[]>();

  private sorted<L extends T[] | undefined>(list: L): L {
    if (list !== undefined && this.unsorted.delete(list)) list.sort(compareRunOrder);
    return list;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  /** Adds a run, replacing any run with the same id. */
  put(run: T): void {
    this.putAll([run]);
  }

  /**
   * Adds runs, each replacing any run with its id (a later one in `runs` wins). The runs they
   * replace leave each list in one pass: one at a time, each would re-sort and splice the list,
   * which made a batch of replacements cost its size times the index's.
   */
  putAll(runs: readonly T[]): void {
    const gone = new Set<T>();
    for (const run of runs) {
      const old = this.byId.get(run.id);
      if (old !== undefined) gone.add(old);
      this.byId.set(run.id, run);
    }
    if (gone.size > 0) this.removeAll(gone);
    const fresh = gone.size === 0 ? runs : runs.filter((run) => !gone.has(run));
    this.append(this.all, fresh);
    for (const [component, list] of groupBy(fresh, (run) => [run.component])) {
      let into = this.byComponent.get(component);
      if (into === undefined) this.byComponent.set(component, (into = []));
      this.append(into, list);
    }
    for (const run of fresh) {
      if (run.inputs.length > 0) this.unindexedInputs.push(run);
      for (const p of run.outputs) addTo(this.writers, p, run, compareWriteKeys);
    }
  }

  /** Appends runs; an out-of-order one (an import of old history) leaves the list to be sorted once, when first scanned. */
  private append(list: T[], runs: readonly T[]): void {
    for (const run of runs) if (!appendInOrder(list, run)) this.unsorted.add(list);
  }

  /** Takes replaced runs out of every list that holds them (their ids already point elsewhere). */
  private removeAll(gone: ReadonlySet<T>): void {
    const runs = [...gone];
    this.dropFrom(this.all, gone);
    for (const [component, list] of groupBy(runs, (run) => [run.component])) {
      const from = this.byComponent.get(component);
      if (from !== undefined) this.dropFrom(from, new Set(list));
    }
    this.indexInputs();
    for (const [p, list] of groupBy(runs, (run) => run.inputs))
      dropFromList(this.byInput, p, new Set(list), compareRunOrder);
    for (const [p, list] of groupBy(runs, (run) => run.outputs)) {
      dropFromList(this.writers, p, new Set(list), compareWriteKeys);
    }
  }

  /** Removes runs from a list in run order: by binary search for a few, else in one pass (no sort). */
  private dropFrom(list: T[], gone: ReadonlySet<T>): void {
    if (gone.size <= FEW && !this.unsorted.has(list)) for (const run of gone) removeSorted(list, run, compareRunOrder);
    else dropInPlace(list, gone);
  }

  private inputList(pointer: string): readonly T[] | undefined {
    this.indexInputs();
    return asArray(this.byInput.get(pointer));
  }

  private indexInputs(): void {
    if (this.unindexedInputs.length === 0) return;
    for (const run of this.unindexedInputs) for (const p of run.inputs) addTo(this.byInput, p, run, compareRunOrder);
    this.unindexedInputs = [];
  }

  latestWriter(query: WriterQuery): WriterRef | undefined {
    const list = this.writers.get(query.pointer);
    if (list === undefined) return undefined;
    const before: WriteKey | undefined = query.before;
    let found: T | undefined;
    if (!Array.isArray(list)) found = before === undefined || compareWriteKeys(list, before) < 0 ? list : undefined;
    else {
      const at = before === undefined ? list.length : lowerBound(list, before, compareWriteKeys);
      found = at > 0 ? list[at - 1] : undefined;
    }
    return found === undefined
      ? undefined
      : { id: found.id, component: found.component, startedAt: found.startedAt, endedAt: found.endedAt };
  }

  /** Pointers this index has seen written, in no particular order. */
  writtenPointers(): IterableIterator<string> {
    return this.writers.keys();
  }

  /** One page of a scan, as the store contract defines it; `toRuns` maps entries to results. */
  async scanPage<R>(
    scan: RunScan,
    toRuns: (entries: T[]) => R[] | Promise<R[]>,
  ): Promise<{ runs: R[]; cursor?: string }> {
    return this.page(planRunScan(scan, RUN_INDEXES), toRuns);
  }

  /** One page of a planned scan (see scanPage). */
  async page<R>(
    plan: RunIndexPlan,
    toRuns: (entries: T[]) => R[] | Promise<R[]>,
  ): Promise<{ runs: R[]; cursor?: string }> {
    if (plan.empty) return { runs: [] };
    const base = plan.index === undefined ? this.sorted(this.all) : this.indexed[plan.index.field](plan.index.value);
    if (base === undefined) return { runs: [] };
    const { lo, hi } = planRangeOf(plan, base);
    const { picked, more } = pickPage(plan, base, lo, hi, plan.filter);
    return pageOf(await toRuns(picked), picked[picked.length - 1], more);
  }

  /** For each index, the runs whose field has a value, in run order. */
  private readonly indexed: { [K in (typeof RUN_INDEXES)[number]]: (value: string) => readonly T[] | undefined } = {
    component: (value) => this.sorted(this.byComponent.get(value)),
    output: (value) => asArray(this.writers.get(value))?.slice().sort(compareRunOrder),
    input: (value) => this.inputList(value),
  };
}

export type { RunPage };
