/**
 * The in-memory side of the fs-json run index: light references (times, component, pointers and
 * where the run's line lives), never the runs themselves.
 *
 * The runs the index file covers stay on disk as typed columns, read piece by piece as queries
 * need them (run-columns.ts): no object per run, and opening costs the same at any size. Runs
 * taken in since the index file was written live in a small RunIndex beside the columns (the
 * overlay), hiding the column rows they replace. Comparing a new reference with the column row
 * of its id needs reads, so references wait in `unsettled` until the next query settles them.
 */
import { RUN_INDEXES, RunIndex, type RunIndexPlan } from '../../src/run-index.js';
import { pageOf, planRange, planRunScan } from '../../src/scan-plan.js';
import { compareRunOrder, compareWriteKeys, type RunScan, type WriterQuery, type WriterRef } from '../../src/store.js';
import { compareVersions, type Version } from './format.js';
import { PagedBytes } from './paged-bytes.js';
import { type RowList, RunColumns } from './run-columns.js';
import { mergeColumns } from './run-columns-merge.js';
import type { RunRef } from './run-ref.js';

export type { RunRef } from './run-ref.js';

/** The most rows a scan reads in one step (it starts at one page and grows; big steps read the whole block). */
const MAX_STEP = 16_384;

/** A probe the search has not read yet (see boundsOf). */
const MISS = Symbol('not read yet');

/**
 * planRange over rows read from disk. planRange is synchronous, so each probe it makes that is
 * not known yet is read and the search run again: a binary search makes a few dozen at most.
 */
async function boundsOf(
  plan: RunIndexPlan,
  n: number,
  position: (i: number) => Promise<{ startedAt: number; id: string }>,
): Promise<{ lo: number; hi: number }> {
  if (plan.lower === undefined && plan.upper === undefined) return { lo: 0, hi: n };
  const known = new Map<number, { startedAt: number; id: string }>();
  for (;;) {
    let missing = -1;
    const at = (i: number) => {
      const p = known.get(i);
      if (p !== undefined) return p;
      missing = i;
      throw MISS;
    };
    try {
      return planRange(
        plan,
        n,
        (i) => at(i).startedAt,
        (i) => at(i).id,
      );
    } catch (error) {
      if (error !== MISS) throw error;
      known.set(missing, await position(missing));
    }
  }
}

export class RunRefs {
  private readonly overlay = new RunIndex<RunRef>();
  /** Column rows an overlay reference replaced. */
  private readonly hidden = new Set<number>();
  /** References taken in but not yet compared with the column rows of their ids. */
  private unsettled: RunRef[] = [];
  private settling: Promise<void> | undefined;
  /** Queries under way: settling waits for them, so that none sees the index half changed. */
  private readers = 0;
  private drained: (() => void) | undefined;

  /**
   * @param cols the runs of the index file (empty without one); their `seg` numbers are this
   *   process's, since the index file's segments are registered first
   */
  constructor(
    private readonly cols: RunColumns,
    private readonly segName: (seg: number) => string,
  ) {}

  private version(v: { at: number; seg: number; off: number }): Version {
    return { at: v.at, seg: this.segName(v.seg), off: v.off };
  }

  /** Adds a run reference read from a segment; an older write of the same id loses. */
  apply(ref: RunRef): void {
    this.unsettled.push(ref);
  }

  /**
   * The references of a batch that win over what the overlay and the index hold for their ids,
   * hiding the column rows they replace; put into the overlay together (see RunIndex.putAll).
   */
  private winners(batch: readonly RunRef[], olds: readonly { row: number; at: number; seg: number; off: number }[]) {
    const won = new Map<string, RunRef>();
    for (const [i, ref] of batch.entries()) {
      const recent = won.get(ref.id) ?? this.overlay.get(ref.id);
      if (recent !== undefined) {
        if (compareVersions(this.version(ref), this.version(recent)) > 0) won.set(ref.id, ref);
        continue;
      }
      const old = olds[i] as (typeof olds)[number];
      if (old.row >= 0 && !this.hidden.has(old.row)) {
        if (compareVersions(this.version(ref), this.version(old)) <= 0) continue;
        this.hidden.add(old.row);
      }
      won.set(ref.id, ref);
    }
    return [...won.values()];
  }

  private settle(): Promise<void> {
    this.settling ??= this.settleAll().finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private async settleAll(): Promise<void> {
    while (this.unsettled.length > 0) {
      const batch = this.unsettled;
      this.unsettled = [];
      let olds: Awaited<ReturnType<RunColumns['versions']>>;
      try {
        olds = await this.cols.versions(batch.map((ref) => ref.id));
      } catch (error) {
        // Kept for the next query to settle: a read that failed once may succeed then.
        this.unsettled = [...batch, ...this.unsettled];
        throw error;
      }
      while (this.readers > 0) {
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
      }
      this.overlay.putAll(this.winners(batch, olds));
    }
  }

  /** Runs a query on a settled index that no settling changes until it is done. */
  private async read<T>(job: () => Promise<T>): Promise<T> {
    while (this.unsettled.length > 0 || this.settling !== undefined) await this.settle();
    this.readers += 1;
    try {
      return await job();
    } finally {
      this.readers -= 1;
      if (this.readers === 0) {
        const drained = this.drained;
        this.drained = undefined;
        drained?.();
      }
    }
  }

  get(id: string): Promise<RunRef | undefined> {
    return this.read(async () => {
      const ref = this.overlay.get(id);
      if (ref !== undefined) return ref;
      const row = await this.cols.find(id);
      return row < 0 || this.hidden.has(row) ? undefined : this.cols.ref(row);
    });
  }

  latestWriter(query: WriterQuery): Promise<WriterRef | undefined> {
    return this.read(async () => {
      const recent = this.overlay.latestWriter(query);
      const row = await this.cols.latestWriter(query.pointer, query.before, (r) => this.hidden.has(r));
      if (row < 0) return recent;
      const { id, component, startedAt, endedAt } = await this.cols.ref(row);
      const indexed = { id, component, startedAt, endedAt };
      return recent === undefined || compareWriteKeys(indexed, recent) > 0 ? indexed : recent;
    });
  }

  /**
   * What the index file needs of the runs (see snapshot.ts): their number, the newest `window`
   * in run order, the column block and the bytes of their lines. The block is the old one merged
   * with the overlay (run-columns-merge.ts): no reference is built per indexed run.
   */
  forIndex(window: number): Promise<{ count: number; window: RunRef[]; columns: Uint8Array; liveBytes: number }> {
    return this.read(async () => {
      const extra = [...this.overlay.values()].sort(compareRunOrder);
      const old = await this.cols.whole();
      const columns = mergeColumns(old, this.hidden, extra, (seg) => seg);
      const merged = await RunColumns.open(PagedBytes.of(columns));
      const c = (await merged.whole()).cols;
      let liveBytes = 0;
      for (const len of c.len) liveBytes += len;
      const rows = Array.from(
        { length: Math.min(window, merged.n) },
        (_, k) => merged.n - Math.min(window, merged.n) + k,
      );
      return { count: merged.n, window: rows.map((row) => merged.refFrom(c, row)), columns, liveBytes };
    });
  }

  scan<R>(scan: RunScan, toRuns: (refs: RunRef[]) => R[]): Promise<{ runs: R[]; cursor?: string }> {
    const plan = planRunScan(scan, RUN_INDEXES);
    return this.read(async () => {
      if (plan.empty) return { runs: [] };
      // A page from each side, merged: each holds its first `limit` matches, so the merge does too.
      const recent = await this.overlay.page(plan, (refs) => refs);
      const indexed = await this.scanColumns(plan);
      const merged = [...recent.runs, ...indexed.picked].sort(compareRunOrder);
      if (plan.desc) merged.reverse();
      const more = recent.cursor !== undefined || indexed.more || merged.length > plan.limit;
      const page = merged.slice(0, plan.limit);
      return pageOf(toRuns(page), page[page.length - 1], more);
    });
  }

  /**
   * A page of the column rows (those no overlay reference hides), as references. Rows are read
   * in steps from the plan's start: one page's worth first, more when filters reject rows.
   */
  private async scanColumns(plan: RunIndexPlan): Promise<{ picked: RunRef[]; more: boolean }> {
    const rows: RowList = await this.cols.rows(plan.index);
    const rowAt = async (i: number) => (await rows.slice(i, i + 1))[0] as number;
    const { lo, hi } = await boundsOf(plan, rows.length, async (i) => {
      const row = await rowAt(i);
      const [startedAt, id] = await Promise.all([this.cols.startedAt(row), this.cols.id(row)]);
      return { startedAt, id };
    });
    const picked: RunRef[] = [];
    let step = plan.limit + 1;
    let next = plan.desc ? hi : lo;
    while (plan.desc ? next > lo : next < hi) {
      const [a, b] = plan.desc ? [Math.max(lo, next - step), next] : [next, Math.min(hi, next + step)];
      next = plan.desc ? a : b;
      const batch = Array.from(await rows.slice(a, b)).filter((row) => !this.hidden.has(row));
      if (plan.desc) batch.reverse();
      for (const ref of await this.cols.refs(batch)) {
        if (plan.filter !== undefined && !plan.filter(ref)) continue;
        if (picked.length === plan.limit) return { picked, more: true };
        picked.push(ref);
      }
      step = Math.max(step, Math.min(step * 4, MAX_STEP));
    }
    return { picked, more: false };
  }
}
