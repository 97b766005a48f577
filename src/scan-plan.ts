/**
 * One plan for every run scan: the query checked once, the index to walk, the (startedAt, id)
 * bounds from since, until and the cursor, and the filters the index leaves over. Adapters map
 * the plan onto their own structures (sorted arrays, typed columns, IndexedDB key ranges) and
 * never read a RunScan's fields themselves.
 *
 * A new filter field: its type in RunFilters (store.ts), its entry in RUN_FILTERS below, its case
 * in SCAN_FIELD_CASES (testing.ts) and its slot test in RunTable; the compiler asks for each.
 * Whether to keep an index on it is each adapter's choice (its list of indexed fields).
 */
import { decodeCursor, encodeCursor, type ScanPosition } from './cursor.js';
import { invalid } from './errors.js';
import type { Run } from './model.js';
import { firstIndex } from './sorted-lists.js';
import { DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, type RunFilters, type RunScan } from './store.js';
import { checkIdentifier, checkPointer, checkText, checkTime, describe } from './validate.js';

/** The fields of a run (or of an adapter's reference to one) that the filters read. */
export type FilterableRun = Pick<Run, 'component' | 'inputs' | 'outputs'>;

export type RunFilterField = keyof RunFilters;

interface RunFilter {
  /** The value as a caller sent it, checked; throws a PipetraceError naming the field. */
  check(field: string, value: unknown): string;
  /** The run has this value. */
  matches(run: FilterableRun, value: string): boolean;
}

/**
 * The filter fields, in the order an index on them is preferred (most selective first). A new
 * field is its type in RunFilters plus an entry here; an adapter without an index on it tests
 * it on each run through the plan's `filter`.
 */
export const RUN_FILTERS: { readonly [K in RunFilterField]-?: RunFilter } = {
  component: { check: checkIdentifier, matches: (run, value) => run.component === value },
  output: { check: checkPointer, matches: (run, value) => run.outputs.includes(value) },
  input: { check: checkPointer, matches: (run, value) => run.inputs.includes(value) },
};

export const RUN_FILTER_FIELDS = Object.keys(RUN_FILTERS) as readonly RunFilterField[];

/** A filter of the query: keep the runs whose `field` is (or holds) `value`. */
export interface ScanCondition<F extends RunFilterField = RunFilterField> {
  field: F;
  value: string;
}

/** A bound in (startedAt, id) order; without an id it sorts before every id of its startedAt. */
export interface ScanBound {
  startedAt: number;
  id?: string;
  /** The bound itself is excluded. */
  open: boolean;
}

/** A planned scan; `I` are the fields the adapter has indexes on. */
export interface RunScanPlan<I extends RunFilterField = RunFilterField> {
  /** The query, checked: what a server passes on to its store. */
  readonly scan: RunScan;
  /** The filter whose index to walk; undefined walks every run in (startedAt, id) order. */
  readonly index: ScanCondition<I> | undefined;
  /** The filters the index does not apply. */
  readonly rest: readonly ScanCondition[];
  /** `rest` as a test of a run or reference; undefined when `rest` is empty. */
  readonly filter: ((run: FilterableRun) => boolean) | undefined;
  readonly lower: ScanBound | undefined;
  readonly upper: ScanBound | undefined;
  /** The bounds hold no run at all. */
  readonly empty: boolean;
  readonly desc: boolean;
  /** The page size, checked and capped at MAX_SCAN_LIMIT. */
  readonly limit: number;
}

/** Compares a (startedAt, id) position with a bound: negative, zero or positive. */
function compareToBound(startedAt: number, id: string | undefined, bound: ScanBound): number {
  if (startedAt !== bound.startedAt) return startedAt < bound.startedAt ? -1 : 1;
  if (id === bound.id) return 0;
  if (id === undefined) return -1;
  if (bound.id === undefined) return 1;
  return id < bound.id ? -1 : 1;
}

function checkLimit(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw invalid('limit', 'must be a positive integer');
  return value as number;
}

/** The query checked field by field, and the cursor's position. */
function read(value: unknown): { scan: RunScan; after: ScanPosition | undefined } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('scan', `must be an object, got ${describe(value)}`);
  }
  const q = value as Record<string, unknown>;
  const scan: RunScan = {};
  for (const field of RUN_FILTER_FIELDS) {
    if (q[field] !== undefined) scan[field] = RUN_FILTERS[field].check(field, q[field]);
  }
  if (q.since !== undefined) scan.since = checkTime('since', q.since);
  if (q.until !== undefined) scan.until = checkTime('until', q.until);
  if (q.order !== undefined) {
    if (q.order !== 'asc' && q.order !== 'desc')
      throw invalid('order', `must be asc or desc, got ${describe(q.order)}`);
    scan.order = q.order;
  }
  if (q.limit !== undefined) scan.limit = checkLimit(q.limit);
  let after: ScanPosition | undefined;
  if (q.cursor !== undefined) {
    scan.cursor = checkText('cursor', q.cursor, 1024);
    after = decodeCursor(scan.cursor);
  }
  return { scan, after };
}

/** A scan query as a caller or a request sent it, checked: a RunScan, or a PipetraceError naming the field. */
export function checkRunScan(value: unknown): RunScan {
  return read(value).scan;
}

/**
 * Checks a scan and plans it. `indexed` is the adapter's index choice: the filter fields it keeps
 * an index on. The first of them the query uses, in RUN_FILTERS order, is walked; every other
 * filter is left to `filter`.
 */
export function planRunScan<I extends RunFilterField>(query: RunScan, indexed: readonly I[]): RunScanPlan<I> {
  const { scan, after } = read(query);
  let index: ScanCondition<I> | undefined;
  const rest: ScanCondition[] = [];
  for (const field of RUN_FILTER_FIELDS) {
    const value = scan[field];
    if (value === undefined) continue;
    if (index === undefined && (indexed as readonly RunFilterField[]).includes(field))
      index = { field: field as I, value };
    else rest.push({ field, value });
  }
  const desc = (scan.order ?? 'desc') === 'desc';
  let lower: ScanBound | undefined = scan.since === undefined ? undefined : { startedAt: scan.since, open: false };
  // startedAt < until: the bare bound sorts before every run that starts at `until`.
  let upper: ScanBound | undefined = scan.until === undefined ? undefined : { startedAt: scan.until, open: true };
  if (after !== undefined) {
    // The cursor tightens the bound on the side the scan moves towards.
    const at: ScanBound = { startedAt: after.startedAt, id: after.id, open: true };
    if (desc) upper = upper === undefined || compareToBound(at.startedAt, at.id, upper) < 0 ? at : upper;
    else lower = lower === undefined || compareToBound(at.startedAt, at.id, lower) > 0 ? at : lower;
  }
  let empty = false;
  if (lower !== undefined && upper !== undefined) {
    const c = compareToBound(lower.startedAt, lower.id, upper);
    empty = c > 0 || (c === 0 && (lower.open || upper.open));
  }
  return {
    scan,
    index,
    rest,
    filter: filterOf(rest),
    lower,
    upper,
    empty,
    desc,
    limit: Math.min(scan.limit ?? DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT),
  };
}

function filterOf(rest: readonly ScanCondition[]): ((run: FilterableRun) => boolean) | undefined {
  if (rest.length === 0) return undefined;
  const [first] = rest as [ScanCondition];
  if (rest.length === 1) return (run) => RUN_FILTERS[first.field].matches(run, first.value);
  return (run) => rest.every((c) => RUN_FILTERS[c.field].matches(run, c.value));
}

/**
 * The positions [lo, hi) of a sequence of n runs in (startedAt, id) order that lie within the
 * plan's bounds. `startAt` and `idAt` read entry i, so arrays of records and typed columns share it.
 */
export function planRange(
  plan: RunScanPlan,
  n: number,
  startAt: (i: number) => number,
  idAt: (i: number) => string,
): { lo: number; hi: number } {
  const { lower, upper } = plan;
  const at = (i: number, bound: ScanBound) => {
    const s = startAt(i);
    // Compare times first: ids are read only on a tie.
    return s !== bound.startedAt ? (s < bound.startedAt ? -1 : 1) : compareToBound(s, idAt(i), bound);
  };
  const lo =
    lower === undefined
      ? 0
      : firstIndex(n, (i) => {
          const c = at(i, lower);
          return c < 0 || (c === 0 && lower.open);
        });
  const hi =
    upper === undefined
      ? n
      : firstIndex(n, (i) => {
          const c = at(i, upper);
          return c < 0 || (c === 0 && !upper.open);
        });
  return { lo, hi };
}

/** planRange over an array of runs (or references to them) in (startedAt, id) order. */
export function planRangeOf(plan: RunScanPlan, sorted: readonly ScanPosition[]): { lo: number; hi: number } {
  return planRange(
    plan,
    sorted.length,
    (i) => (sorted[i] as ScanPosition).startedAt,
    (i) => (sorted[i] as ScanPosition).id,
  );
}

/**
 * Walks positions [lo, hi) of `sorted` in the plan's direction and keeps the entries `test`
 * accepts, up to the plan's limit; `more` when another accepted entry follows.
 */
export function pickPage<T>(
  plan: RunScanPlan,
  sorted: readonly T[],
  lo: number,
  hi: number,
  test: ((entry: T) => boolean) | undefined,
): { picked: T[]; more: boolean } {
  const picked: T[] = [];
  const { desc, limit } = plan;
  const step = desc ? -1 : 1;
  for (let i = desc ? hi - 1 : lo; desc ? i >= lo : i < hi; i += step) {
    const entry = sorted[i] as T;
    if (test !== undefined && !test(entry)) continue;
    if (picked.length === limit) return { picked, more: true };
    picked.push(entry);
  }
  return { picked, more: false };
}

/** A page of results: with a cursor after `last` when more may follow. */
export function pageOf<R>(runs: R[], last: ScanPosition | undefined, more: boolean): { runs: R[]; cursor?: string } {
  return more && last !== undefined ? { runs, cursor: encodeCursor(last) } : { runs };
}
