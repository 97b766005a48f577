import { decodeCursor } from '../../src/cursor.js';
import type { Run } from '../../src/model.js';
import type { RunScan, WriterQuery } from '../../src/store.js';
import { BY_COMPONENT, BY_INPUT, BY_OUTPUT, BY_START } from './schema.js';

/** Where a scan reads: an index, a key range on it, a direction and any filter left over. */
export interface ScanPlan {
  index: string;
  lower: IDBValidKey[];
  upper: IDBValidKey[];
  lowerOpen: boolean;
  upperOpen: boolean;
  desc: boolean;
  /** Filters the chosen index cannot apply; undefined when it applies them all. */
  filter?: (run: Run) => boolean;
  /** The range holds no keys (IDBKeyRange.bound would throw). */
  empty: boolean;
}

// A bound inside one index prefix: (startedAt, id), where a missing id sorts before every id.
type Bound = { s: number; id?: string; open: boolean };

function compareBound(a: Bound, b: Bound): number {
  if (a.s !== b.s) return a.s < b.s ? -1 : 1;
  if (a.id === b.id) return 0;
  if (a.id === undefined) return -1;
  if (b.id === undefined) return 1;
  return a.id < b.id ? -1 : 1;
}

/**
 * Plans a scan over the run indexes, whose keys are [...prefix, startedAt, id]. The most
 * selective filter picks the index (component, then output, then input, as RunIndex does);
 * a cursor from a previous page tightens the bound on the side the scan moves towards.
 */
export function planScan(scan: RunScan): ScanPlan {
  const desc = (scan.order ?? 'desc') === 'desc';
  let index = BY_START;
  let prefix: IDBValidKey[] = [];
  if (scan.component !== undefined) [index, prefix] = [BY_COMPONENT, [scan.component]];
  else if (scan.output !== undefined) [index, prefix] = [BY_OUTPUT, [scan.output]];
  else if (scan.input !== undefined) [index, prefix] = [BY_INPUT, [scan.input]];

  let lower: Bound | undefined = scan.since === undefined ? undefined : { s: scan.since, open: false };
  // startedAt < until: the bare [..., until] sorts before every [..., until, id].
  let upper: Bound | undefined = scan.until === undefined ? undefined : { s: scan.until, open: true };
  if (scan.cursor !== undefined) {
    const pos = decodeCursor(scan.cursor);
    const at: Bound = { s: pos.startedAt, id: pos.id, open: true };
    if (desc) upper = upper === undefined || compareBound(at, upper) < 0 ? at : upper;
    else lower = lower === undefined || compareBound(at, lower) > 0 ? at : lower;
  }
  const key = (b: Bound) => (b.id === undefined ? [...prefix, b.s] : [...prefix, b.s, b.id]);
  let empty = false;
  if (lower !== undefined && upper !== undefined) {
    const c = compareBound(lower, upper);
    empty = c > 0 || (c === 0 && (lower.open || upper.open));
  }

  const checks: ((run: Run) => boolean)[] = [];
  if (index !== BY_OUTPUT && scan.output !== undefined) {
    const output = scan.output;
    checks.push((r) => r.outputs.includes(output));
  }
  if (index !== BY_INPUT && scan.input !== undefined) {
    const input = scan.input;
    checks.push((r) => r.inputs.includes(input));
  }
  return {
    index,
    // An array sorts after every number, so [...prefix, []] closes the prefix from above.
    lower: lower === undefined ? prefix : key(lower),
    upper: upper === undefined ? [...prefix, []] : key(upper),
    lowerOpen: lower?.open ?? false,
    upperOpen: upper?.open ?? false,
    desc,
    ...(checks.length === 0 ? {} : { filter: (run: Run) => checks.every((check) => check(run)) }),
    empty,
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
