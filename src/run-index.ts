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

function removeFrom<T>(map: Map<string, List<T>>, key: string, item: T, compare: (a: T, b: T) => number): void {
  const cur = map.get(key);
  if (cur !== undefined && withoutItem(cur, item, compare) === undefined) map.delete(key);
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
    const old = this.byId.get(run.id);
    if (old !== undefined) this.remove(old);
    this.byId.set(run.id, run);
    // Runs mostly arrive in time order; an import of old history sorts once, when first scanned.
    if (!appendInOrder(this.all, run)) this.unsorted.add(this.all);
    let list = this.byComponent.get(run.component);
    if (list === undefined) this.byComponent.set(run.component, (list = []));
    if (!appendInOrder(list, run)) this.unsorted.add(list);
    if (run.inputs.length > 0) this.unindexedInputs.push(run);
    for (const p of run.outputs) addTo(this.writers, p, run, compareWriteKeys);
  }

  private remove(run: T): void {
    this.byId.delete(run.id);
    removeSorted(this.sorted(this.all), run, compareRunOrder);
    removeSorted(this.sorted(this.byComponent.get(run.component) ?? []), run, compareRunOrder);
    this.indexInputs();
    for (const p of run.inputs) removeFrom(this.byInput, p, run, compareRunOrder);
    for (const p of run.outputs) removeFrom(this.writers, p, run, compareWriteKeys);
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
