/** What a component has done lately: its runs, newest first, a page at a time. */
import { notFound } from '../errors.js';
import type { Run } from '../model.js';
import type { RunPage, Store } from '../store.js';
import { checkIdentifier, checkOptions, checkPositiveInt, checkText, checkTime } from '../validate.js';

export interface HistoryOptions {
  since?: Date | number | string;
  until?: Date | number | string;
  limit?: number;
  cursor?: string;
}

const MAX_LIMIT = 10_000;

/** Checks history options as given by a caller (invalid_input naming the option). */
export function checkHistoryOptions(options: unknown): HistoryOptions {
  const o = checkOptions<HistoryOptions>('options', options, ['since', 'until', 'limit', 'cursor']);
  if (o.since !== undefined) checkTime('since', o.since);
  if (o.until !== undefined) checkTime('until', o.until);
  if (o.limit !== undefined) checkPositiveInt('limit', o.limit, MAX_LIMIT);
  if (o.cursor !== undefined) checkText('cursor', o.cursor, 512);
  return o;
}

/** Checks the `limit` of recent(). */
export function checkRecentLimit(limit: unknown): number {
  return checkPositiveInt('limit', limit, MAX_LIMIT);
}

/** A component's runs, newest first; not_found when no such component exists. */
export async function historyOf(store: Store, component: string, options: HistoryOptions = {}): Promise<RunPage> {
  checkIdentifier('component', component);
  const o = checkHistoryOptions(options);
  const [found] = await store.getComponents([component]);
  if (found === undefined) throw notFound('component', component);
  return store.scanRuns({
    component,
    since: o.since === undefined ? undefined : checkTime('since', o.since),
    until: o.until === undefined ? undefined : checkTime('until', o.until),
    limit: o.limit ?? 20,
    cursor: o.cursor,
  });
}

/** The latest runs of all components, newest first. */
export async function recentRuns(store: Store, limit = 10): Promise<Run[]> {
  return (await store.scanRuns({ limit: checkRecentLimit(limit) })).runs;
}
