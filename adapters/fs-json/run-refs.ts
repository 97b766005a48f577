/**
 * The in-memory index of runs for the fs-json store: light references (times, component,
 * pointers and where the run's line lives), never the runs themselves.
 *
 * Opening a large store must be fast, so the index starts as a *window*: the newest runs in
 * (startedAt, id) order, read from the index file. It is an exact suffix of the full order, so
 * `recent()` and paging near the top are answered from it alone. The first query the window
 * cannot answer (a filter, latestWriters, an old page, an id outside the window) loads the full
 * index once and from then on everything goes through a RunIndex.
 */
import { type IndexedRun, lowerBound, RUN_INDEXES, RunIndex, type RunIndexPlan } from '../../src/run-index.js';
import { pageOf, pickPage, planRangeOf, planRunScan } from '../../src/scan-plan.js';
import { compareRunOrder, type RunScan, type WriterQuery, type WriterRef } from '../../src/store.js';
import { compareVersions } from './format.js';

/** Where a run's line is, and the fields that order and filter it. */
export interface RunRef extends IndexedRun {
  /** Segment number in this process's segment table. */
  seg: number;
  off: number;
  len: number;
  line: number;
  /** Commit time of the batch that wrote it: decides between two writes of one id. */
  at: number;
}

export class RunRefs {
  private full: RunIndex<RunRef> | undefined;
  private window: RunRef[];
  private readonly windowById = new Map<string, RunRef>();
  /** First key of the window when it is not the whole store. */
  private readonly windowStart: RunRef | undefined;
  /** Refs applied since open, replayed into the full index when it loads. */
  private pending: RunRef[] = [];
  /** The full index while it loads, shared by every query that waits for it. */
  private loading: Promise<RunIndex<RunRef>> | undefined;

  /**
   * @param window the newest runs from the index file, sorted
   * @param complete true when the window holds every run the index file knows
   * @param loadRest reads every run of the index file (called once, again only if it failed)
   */
  constructor(
    window: RunRef[],
    complete: boolean,
    private readonly segName: (seg: number) => string,
    private loadRest: (() => Promise<RunRef[]>) | undefined,
  ) {
    this.window = window;
    for (const ref of window) this.windowById.set(ref.id, ref);
    this.windowStart = complete ? undefined : window[0];
    if (complete || window.length === 0) this.loadRest = undefined;
    if (this.loadRest === undefined) this.makeFull([]);
  }

  get loaded(): boolean {
    return this.full !== undefined;
  }

  private newer(a: RunRef, b: RunRef): boolean {
    return (
      compareVersions(
        { at: a.at, seg: this.segName(a.seg), off: a.off },
        { at: b.at, seg: this.segName(b.seg), off: b.off },
      ) > 0
    );
  }

  private putFull(index: RunIndex<RunRef>, ref: RunRef): void {
    const old = index.get(ref.id);
    if (old === undefined || this.newer(ref, old)) index.put(ref);
  }

  private makeFull(rest: RunRef[]): RunIndex<RunRef> {
    const index = new RunIndex<RunRef>();
    for (const ref of rest) this.putFull(index, ref);
    for (const ref of this.window) if (index.get(ref.id) === undefined) index.put(ref);
    for (const ref of this.pending) this.putFull(index, ref);
    this.full = index;
    this.window = [];
    this.windowById.clear();
    this.pending = [];
    return index;
  }

  /** The full index, loading it on first use. */
  async ensureFull(): Promise<RunIndex<RunRef>> {
    if (this.full !== undefined) return this.full;
    this.loading ??= this.loadFull();
    return this.loading;
  }

  private async loadFull(): Promise<RunIndex<RunRef>> {
    try {
      // Refs applied while it reads wait in `pending`, replayed by makeFull.
      const rest = this.loadRest === undefined ? [] : await this.loadRest();
      this.loadRest = undefined;
      return this.full ?? this.makeFull(rest);
    } finally {
      this.loading = undefined;
    }
  }

  /** Adds a run reference read from a segment; an older write of the same id loses. */
  apply(ref: RunRef): void {
    if (this.full !== undefined) {
      this.putFull(this.full, ref);
      return;
    }
    this.pending.push(ref);
    const old = this.windowById.get(ref.id);
    if (old !== undefined) {
      if (!this.newer(ref, old)) return;
      const at = lowerBound(this.window, old, compareRunOrder);
      if (this.window[at] === old) this.window.splice(at, 1);
      this.windowById.delete(ref.id);
    }
    if (this.windowStart === undefined || compareRunOrder(ref, this.windowStart) >= 0) {
      this.window.splice(lowerBound(this.window, ref, compareRunOrder), 0, ref);
      this.windowById.set(ref.id, ref);
    }
  }

  async get(id: string): Promise<RunRef | undefined> {
    return this.windowById.get(id) ?? (await this.ensureFull()).get(id);
  }

  async latestWriter(query: WriterQuery): Promise<WriterRef | undefined> {
    return (await this.ensureFull()).latestWriter(query);
  }

  async all(): Promise<RunRef[]> {
    return [...(await this.ensureFull()).values()].sort(compareRunOrder);
  }

  async scan<R>(scan: RunScan, toRuns: (refs: RunRef[]) => R[]): Promise<{ runs: R[]; cursor?: string }> {
    const plan = planRunScan(scan, RUN_INDEXES);
    // The window is in run order only: it answers scans without filters.
    if (this.full === undefined && plan.index === undefined && plan.filter === undefined) {
      const picked = this.scanWindow(plan);
      if (picked !== undefined)
        return pageOf(toRuns(picked.picked), picked.picked[picked.picked.length - 1], picked.more);
    }
    return (await this.ensureFull()).page(plan, toRuns);
  }

  /** An unfiltered page from the window, or undefined when it may need runs below the window. */
  private scanWindow(plan: RunIndexPlan): { picked: RunRef[]; more: boolean } | undefined {
    if (plan.empty) return { picked: [], more: false };
    const base = this.window;
    const { lo, hi } = planRangeOf(plan, base);
    // The range reaches below the window unless it starts inside it.
    const reachesBelow = this.windowStart !== undefined && lo === 0;
    if (reachesBelow && !plan.desc) return undefined;
    const page = pickPage(plan, base, lo, hi, undefined);
    return reachesBelow && !page.more ? undefined : page;
  }
}
