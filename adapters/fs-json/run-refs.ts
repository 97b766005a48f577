/**
 * The in-memory index of runs for the fs-json store: light references (times, component,
 * pointers and where the run's line lives), never the runs themselves.
 *
 * Opening a large store must be fast, so the index starts as a *window*: the newest runs in
 * (startedAt, id) order, read from the index file. It is an exact suffix of the full order, so
 * `recent()` and paging near the top are answered from it alone. The first query the window
 * cannot answer (a filter, latestWriters, an old page, an id outside the window) reads the rest
 * of the index file once, as typed columns (run-columns.ts): no object per run, and the indexes
 * a query walks come ready-made. Runs taken in since the index file was written live in a small
 * RunIndex beside the columns (the overlay), hiding the column rows they replace.
 */
import { type IndexedRun, lowerBound, RUN_INDEXES, RunIndex, type RunIndexPlan } from '../../src/run-index.js';
import { pageOf, pickPage, planRange, planRangeOf, planRunScan } from '../../src/scan-plan.js';
import { compareRunOrder, compareWriteKeys, type RunScan, type WriterQuery, type WriterRef } from '../../src/store.js';
import { compareVersions } from './format.js';
import { RunColumns } from './run-columns.js';

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

/** What the rest of the index file gives: its columns, or (rebuilt from segments) every reference. */
export type IndexRest = RunColumns | RunRef[];

interface Full {
  cols: RunColumns;
  overlay: RunIndex<RunRef>;
  /** Column rows an overlay reference replaced. */
  hidden: Set<number>;
}

export class RunRefs {
  private full: Full | undefined;
  private window: RunRef[];
  private readonly windowById = new Map<string, RunRef>();
  /** First key of the window when it is not the whole store. */
  private readonly windowStart: RunRef | undefined;
  /** Refs applied since open, replayed into the full index when it loads. */
  private pending: RunRef[] = [];
  /** The full index while it loads, shared by every query that waits for it. */
  private loading: Promise<Full> | undefined;

  /**
   * @param window the newest runs from the index file, sorted
   * @param complete true when the window holds every run the index file knows
   * @param loadRest reads every run of the index file (called once, again only if it failed)
   */
  constructor(
    window: RunRef[],
    complete: boolean,
    private readonly segName: (seg: number) => string,
    private loadRest: (() => Promise<IndexRest>) | undefined,
  ) {
    this.window = window;
    for (const ref of window) this.windowById.set(ref.id, ref);
    this.windowStart = complete ? undefined : window[0];
    if (complete || window.length === 0) this.loadRest = undefined;
    if (this.loadRest === undefined) this.makeFull([]);
  }

  private newer(a: RunRef, b: RunRef): boolean {
    return (
      compareVersions(
        { at: a.at, seg: this.segName(a.seg), off: a.off },
        { at: b.at, seg: this.segName(b.seg), off: b.off },
      ) > 0
    );
  }

  /** Puts a reference into the overlay unless what the index holds for its id is newer. */
  private putFull(full: Full, ref: RunRef): void {
    const old = full.overlay.get(ref.id);
    if (old !== undefined) {
      if (this.newer(ref, old)) full.overlay.put(ref);
      return;
    }
    const row = full.cols.find(ref.id);
    if (row >= 0 && !full.hidden.has(row)) {
      if (!this.newer(ref, full.cols.ref(row))) return;
      full.hidden.add(row);
    }
    full.overlay.put(ref);
  }

  private makeFull(rest: IndexRest): Full {
    const cols = Array.isArray(rest) ? RunColumns.empty() : rest;
    const full: Full = { cols, overlay: new RunIndex<RunRef>(), hidden: new Set() };
    if (Array.isArray(rest)) for (const ref of rest) this.putFull(full, ref);
    // The window came from the same index file: only runs the rest lacks need adding.
    for (const ref of this.window)
      if (cols.find(ref.id) < 0 && full.overlay.get(ref.id) === undefined) this.putFull(full, ref);
    for (const ref of this.pending) this.putFull(full, ref);
    this.full = full;
    this.window = [];
    this.windowById.clear();
    this.pending = [];
    return full;
  }

  /** The full index, loading it on first use. */
  async ensureFull(): Promise<Full> {
    if (this.full !== undefined) return this.full;
    this.loading ??= this.loadFull();
    return this.loading;
  }

  private async loadFull(): Promise<Full> {
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
    const near = this.windowById.get(id);
    if (near !== undefined) return near;
    const full = await this.ensureFull();
    const ref = full.overlay.get(id);
    if (ref !== undefined) return ref;
    const row = full.cols.find(id);
    return row < 0 || full.hidden.has(row) ? undefined : full.cols.ref(row);
  }

  async latestWriter(query: WriterQuery): Promise<WriterRef | undefined> {
    const full = await this.ensureFull();
    const recent = full.overlay.latestWriter(query);
    const row = full.cols.latestWriter(query.pointer, query.before, (r) => full.hidden.has(r));
    if (row < 0) return recent;
    const { id, component, startedAt, endedAt } = full.cols.ref(row);
    const indexed = { id, component, startedAt, endedAt };
    return recent === undefined || compareWriteKeys(indexed, recent) > 0 ? indexed : recent;
  }

  /** Every run, sorted (for rewriting the index file). */
  async all(): Promise<RunRef[]> {
    const full = await this.ensureFull();
    const out: RunRef[] = [];
    for (let row = 0; row < full.cols.n; row++) if (!full.hidden.has(row)) out.push(full.cols.ref(row));
    for (const ref of full.overlay.values()) out.push(ref);
    return out.sort(compareRunOrder);
  }

  async scan<R>(scan: RunScan, toRuns: (refs: RunRef[]) => R[]): Promise<{ runs: R[]; cursor?: string }> {
    const plan = planRunScan(scan, RUN_INDEXES);
    // The window is in run order only: it answers scans without filters.
    if (this.full === undefined && plan.index === undefined && plan.filter === undefined) {
      const picked = this.scanWindow(plan);
      if (picked !== undefined)
        return pageOf(toRuns(picked.picked), picked.picked[picked.picked.length - 1], picked.more);
    }
    const full = await this.ensureFull();
    if (plan.empty) return { runs: [] };
    // A page from each side, merged: each holds its first `limit` matches, so the merge does too.
    const recent = await full.overlay.page(plan, (refs) => refs);
    const indexed = this.scanColumns(full, plan);
    const merged = [...recent.runs, ...indexed.picked].sort(compareRunOrder);
    if (plan.desc) merged.reverse();
    const more = recent.cursor !== undefined || indexed.more || merged.length > plan.limit;
    const page = merged.slice(0, plan.limit);
    return pageOf(toRuns(page), page[page.length - 1], more);
  }

  /** A page of the column rows (those no overlay reference hides), as references. */
  private scanColumns(full: Full, plan: RunIndexPlan): { picked: RunRef[]; more: boolean } {
    const { cols, hidden } = full;
    const rows = cols.rows(plan.index);
    const n = rows === undefined ? cols.n : rows.length;
    const rowAt = rows === undefined ? (i: number) => i : (i: number) => rows[i] as number;
    const { lo, hi } = planRange(
      plan,
      n,
      (i) => cols.startedAt(rowAt(i)),
      (i) => cols.id(rowAt(i)),
    );
    const picked: RunRef[] = [];
    const step = plan.desc ? -1 : 1;
    for (let i = plan.desc ? hi - 1 : lo; plan.desc ? i >= lo : i < hi; i += step) {
      const row = rowAt(i);
      if (hidden.has(row)) continue;
      const ref = cols.ref(row);
      if (plan.filter !== undefined && !plan.filter(ref)) continue;
      if (picked.length === plan.limit) return { picked, more: true };
      picked.push(ref);
    }
    return { picked, more: false };
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
