/** pt.checks(): check results over time, from the runs that carry them. */
import type { CheckOutcome, CheckResult, Millis, RunStatus } from '../model.js';
import type { Store } from '../store.js';
import { checkIdentifier, checkOptions, checkPositiveInt, checkTime } from '../validate.js';
import { checkCheckName, checkOutcome } from './record.js';

export interface ChecksQuery {
  /** Only runs of this component. */
  component?: string;
  /** Only runs started at or after this time. */
  since?: Date | number | string;
  /** Only runs started before this time. */
  until?: Date | number | string;
  /** Only results with this outcome. */
  outcome?: CheckOutcome;
  /** Only results of the check with this name. */
  name?: string;
  /** At most this many results, the newest (default 500). */
  limit?: number;
}

/** One check result with the run it belongs to. */
export interface CheckEntry extends CheckResult {
  run: string;
  component: string;
  /** When the run started. */
  at: Millis;
  status: Exclude<RunStatus, 'running'>;
}

export interface CheckHistory {
  /** Oldest first, so a strip of them reads left to right. */
  results: CheckEntry[];
  /** True when older results matched and were left out by `limit`. */
  truncated: boolean;
}

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 10_000;
const PAGE = 1000;

export function checkChecksQuery(query: unknown): ChecksQuery {
  const q = checkOptions<ChecksQuery>('query', query, ['component', 'since', 'until', 'outcome', 'name', 'limit']);
  if (q.component !== undefined) checkIdentifier('component', q.component);
  if (q.since !== undefined) checkTime('since', q.since);
  if (q.until !== undefined) checkTime('until', q.until);
  if (q.outcome !== undefined) checkOutcome('outcome', q.outcome);
  if (q.name !== undefined) checkCheckName('name', q.name);
  if (q.limit !== undefined) checkPositiveInt('limit', q.limit, MAX_LIMIT);
  return q;
}

export async function checkHistory(store: Store, query: ChecksQuery = {}): Promise<CheckHistory> {
  const q = checkChecksQuery(query);
  const limit = q.limit ?? DEFAULT_LIMIT;
  const newest: CheckEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({
      component: q.component,
      since: q.since === undefined ? undefined : checkTime('since', q.since),
      until: q.until === undefined ? undefined : checkTime('until', q.until),
      order: 'desc',
      limit: PAGE,
      cursor,
    });
    for (const run of page.runs) {
      if (run.checks === undefined) continue;
      // A run's own results in the order they ran; runs newest first (reversed at the end).
      for (let i = run.checks.length - 1; i >= 0; i--) {
        const c = run.checks[i] as CheckResult;
        if ((q.outcome !== undefined && c.outcome !== q.outcome) || (q.name !== undefined && c.name !== q.name))
          continue;
        if (newest.length === limit) return { results: newest.reverse(), truncated: true };
        newest.push({ ...c, run: run.id, component: run.component, at: run.startedAt, status: run.status });
      }
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { results: newest.reverse(), truncated: false };
}
