import { type FilterableRun, planRunScan, type RunFilterField, type ScanBound } from '../../src/scan-plan.js';
import type { RunScan, WriterQuery } from '../../src/store.js';
import { BY_COMPONENT, BY_INPUT, BY_OUTPUT, BY_START } from './schema.js';

/** Where a scan reads: an index, a key range on it, a direction, a page size and any filter left over. */
export interface ScanPlan {
  index: string;
  lower: IDBValidKey[];
  upper: IDBValidKey[];
  lowerOpen: boolean;
  upperOpen: boolean;
  desc: boolean;
  limit: number;
  /** Filters the chosen index cannot apply; undefined when it applies them all. */
  filter?: (run: FilterableRun) => boolean;
  /** The range holds no keys (IDBKeyRange.bound would throw). */
  empty: boolean;
}

/** The runs store's index for each filter it has one on; keys are [value, startedAt, id]. */
const FILTER_INDEX = {
  component: BY_COMPONENT,
  output: BY_OUTPUT,
  input: BY_INPUT,
} as const satisfies Partial<Record<RunFilterField, string>>;
const INDEXED = Object.keys(FILTER_INDEX) as (keyof typeof FILTER_INDEX)[];

/**
 * Maps the shared scan plan (src/scan-plan.ts) onto the run indexes, whose keys are
 * [...prefix, startedAt, id]: the plan's index and value give the index and prefix, its bounds
 * the key range.
 */
export function planScan(scan: RunScan): ScanPlan {
  const plan = planRunScan(scan, INDEXED);
  const index = plan.index === undefined ? BY_START : FILTER_INDEX[plan.index.field];
  const prefix: IDBValidKey[] = plan.index === undefined ? [] : [plan.index.value];
  // A bound without an id sorts before every id of its time: the bare [..., startedAt] does too.
  const key = (b: ScanBound) => (b.id === undefined ? [...prefix, b.startedAt] : [...prefix, b.startedAt, b.id]);
  const { lower, upper } = plan;
  return {
    index,
    // An array sorts after every number, so [...prefix, []] closes the prefix from above.
    lower: lower === undefined ? prefix : key(lower),
    upper: upper === undefined ? [...prefix, []] : key(upper),
    lowerOpen: lower?.open ?? false,
    upperOpen: upper?.open ?? false,
    desc: plan.desc,
    limit: plan.limit,
    ...(plan.filter === undefined ? {} : { filter: plan.filter }),
    empty: plan.empty,
  };
}

/** The key range on the 'writes' index holding the writers a query may return. */
export function writerRange(query: WriterQuery): { lower: IDBValidKey[]; upper: IDBValidKey[] } {
  const { pointer, before } = query;
  return {
    lower: [pointer],
    // Keys are [pointer, endedAt, startedAt, id, component]; the 4-part bound excludes `before` itself.
    upper: before === undefined ? [pointer, []] : [pointer, before.endedAt, before.startedAt, before.id],
  };
}
