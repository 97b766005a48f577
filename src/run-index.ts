import { decodeCursor, encodeCursor, scanLimit } from './cursor.js';
import type { Run } from './model.js';
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
export type IndexedRun = Pick<Run, 'id' | 'component' | 'startedAt' | 'endedAt' | 'inputs' | 'outputs'>;

/** Appends; false when the item belongs earlier (the list is then out of order). */
function appendInOrder<T extends { startedAt: number; id: string }>(items: T[], item: T): boolean {
  const n = items.length;
  items.push(item);
  return n === 0 || compareRunOrder(items[n - 1] as T, item) <= 0;
}

export { firstIndex, lowerBound };

/**
 * The index range [lo, hi) of a sequence of n runs in (startedAt, id) order that a scan's time
 * range and cursor allow, and its direction. `startAt` and `idAt` read entry i, so one
 * implementation serves arrays of records and columnar tables alike.
 */
export function scanRange(
  n: number,
  startAt: (i: number) => number,
  idAt: (i: number) => string,
  scan: RunScan,
): { lo: number; hi: number; desc: boolean } {
  const desc = (scan.order ?? 'desc') === 'desc';
  const { since, until } = scan;
  let lo = since === undefined ? 0 : firstIndex(n, (i) => startAt(i) < since);
  let hi = until === undefined ? n : firstIndex(n, (i) => startAt(i) < until);
  if (scan.cursor !== undefined) {
    const pos = decodeCursor(scan.cursor);
    const before = (i: number) => {
      const s = startAt(i);
      return s < pos.startedAt || (s === pos.startedAt && idAt(i) < pos.id);
    };
    const at = firstIndex(n, before);
    if (desc) hi = Math.min(hi, at);
    else {
      const same = at < n && startAt(at) === pos.startedAt && idAt(at) === pos.id;
      lo = Math.max(lo, same ? at + 1 : at);
    }
  }
  return { lo, hi, desc };
}

/** scanRange over an array of runs (or references to them) in (startedAt, id) order. */
export function scanBounds<T extends { startedAt: number; id: string }>(
  sorted: readonly T[],
  scan: RunScan,
): { lo: number; hi: number; desc: boolean } {
  return scanRange(
    sorted.length,
    (i) => (sorted[i] as T).startedAt,
    (i) => (sorted[i] as T).id,
    scan,
  );
}

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

  /** One page of a scan, as the store contract defines it; `toRun` maps entries to results. */
  async scanPage<R extends { id: string; startedAt: number }>(
    scan: RunScan,
    toRuns: (entries: T[]) => R[] | Promise<R[]>,
  ): Promise<{ runs: R[]; cursor?: string }> {
    const limit = scanLimit(scan);
    const base: readonly T[] | undefined =
      scan.component !== undefined
        ? this.sorted(this.byComponent.get(scan.component))
        : scan.output !== undefined
          ? asArray(this.writers.get(scan.output))?.slice().sort(compareRunOrder)
          : scan.input !== undefined
            ? this.inputList(scan.input)
            : this.sorted(this.all);
    if (base === undefined) return { runs: [] };
    const { lo, hi, desc } = scanBounds(base, scan);
    const picked: T[] = [];
    let more = false;
    const match = (r: T) =>
      (scan.component === undefined || r.component === scan.component) &&
      (scan.output === undefined || r.outputs.includes(scan.output)) &&
      (scan.input === undefined || r.inputs.includes(scan.input));
    const step = desc ? -1 : 1;
    for (let i = desc ? hi - 1 : lo; desc ? i >= lo : i < hi; i += step) {
      const r = base[i] as T;
      if (!match(r)) continue;
      if (picked.length === limit) {
        more = true;
        break;
      }
      picked.push(r);
    }
    const runs = await toRuns(picked);
    const last = picked[picked.length - 1];
    return more && last !== undefined ? { runs, cursor: encodeCursor(last) } : { runs };
  }
}

export type { RunPage };
