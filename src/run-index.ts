import { decodeCursor, encodeCursor, scanLimit } from './cursor.js';
import type { Run } from './model.js';
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

/** Index of the first element of a sorted array that is not less than `key`. */
export function lowerBound<T, K>(items: readonly T[], key: K, compare: (item: T, key: K) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(items[mid] as T, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted<T>(items: T[], item: T, compare: (a: T, b: T) => number): void {
  const n = items.length;
  // Runs mostly arrive in time order: appending is the common case.
  if (n === 0 || compare(items[n - 1] as T, item) <= 0) items.push(item);
  else items.splice(lowerBound(items, item, compare), 0, item);
}

function removeSorted<T>(items: T[], item: T, compare: (a: T, b: T) => number): void {
  const at = lowerBound(items, item, compare);
  for (let i = at; i < items.length && compare(items[i] as T, item) === 0; i++) {
    if (items[i] === item) {
      items.splice(i, 1);
      return;
    }
  }
}

function push<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
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
  private readonly byInput = new Map<string, T[]>();
  private readonly byOutput = new Map<string, T[]>();
  private readonly writers = new Map<string, WriterRef[]>();

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
    insertSorted(this.all, run, compareRunOrder);
    insertSorted(push(this.byComponent, run.component), run, compareRunOrder);
    for (const p of run.inputs) insertSorted(push(this.byInput, p), run, compareRunOrder);
    const ref: WriterRef = { id: run.id, component: run.component, startedAt: run.startedAt, endedAt: run.endedAt };
    for (const p of run.outputs) {
      insertSorted(push(this.writers, p), ref, compareWriteKeys);
      insertSorted(push(this.byOutput, p), run, compareRunOrder);
    }
  }

  private remove(run: T): void {
    this.byId.delete(run.id);
    removeSorted(this.all, run, compareRunOrder);
    removeSorted(this.byComponent.get(run.component) ?? [], run, compareRunOrder);
    for (const p of run.inputs) removeSorted(this.byInput.get(p) ?? [], run, compareRunOrder);
    for (const p of run.outputs) {
      removeSorted(this.byOutput.get(p) ?? [], run, compareRunOrder);
      const list = this.writers.get(p) ?? [];
      const at = list.findIndex((w) => w.id === run.id);
      if (at >= 0) list.splice(at, 1);
    }
  }

  latestWriter(query: WriterQuery): WriterRef | undefined {
    const list = this.writers.get(query.pointer);
    if (list === undefined || list.length === 0) return undefined;
    const before: WriteKey | undefined = query.before;
    const at = before === undefined ? list.length : lowerBound(list, before, compareWriteKeys);
    const found = at > 0 ? list[at - 1] : undefined;
    return found === undefined ? undefined : { ...found };
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
    const base =
      scan.component !== undefined
        ? this.byComponent.get(scan.component)
        : scan.output !== undefined
          ? this.byOutput.get(scan.output)
          : scan.input !== undefined
            ? this.byInput.get(scan.input)
            : this.all;
    if (base === undefined) return { runs: [] };
    const desc = (scan.order ?? 'desc') === 'desc';
    const byStart = (item: T, start: number) => (item.startedAt < start ? -1 : item.startedAt > start ? 1 : 0);
    let lo = scan.since === undefined ? 0 : lowerBound(base, scan.since, byStart);
    let hi = scan.until === undefined ? base.length : lowerBound(base, scan.until, byStart);
    if (scan.cursor !== undefined) {
      const pos = decodeCursor(scan.cursor);
      const at = lowerBound(base, pos, compareRunOrder);
      if (desc) hi = Math.min(hi, at);
      else {
        const same = at < base.length && compareRunOrder(base[at] as T, pos) === 0;
        lo = Math.max(lo, same ? at + 1 : at);
      }
    }
    const picked: T[] = [];
    let more = false;
    const match = (r: T) =>
      (scan.component === undefined || r.component === scan.component) &&
      (scan.output === undefined || r.outputs.includes(scan.output)) &&
      (scan.input === undefined || r.inputs.includes(scan.input));
    if (desc) {
      for (let i = hi - 1; i >= lo; i--) {
        const r = base[i] as T;
        if (!match(r)) continue;
        if (picked.length === limit) {
          more = true;
          break;
        }
        picked.push(r);
      }
    } else {
      for (let i = lo; i < hi; i++) {
        const r = base[i] as T;
        if (!match(r)) continue;
        if (picked.length === limit) {
          more = true;
          break;
        }
        picked.push(r);
      }
    }
    const runs = await toRuns(picked);
    const last = picked[picked.length - 1];
    return more && last !== undefined ? { runs, cursor: encodeCursor(last) } : { runs };
  }
}

export type { RunPage };
