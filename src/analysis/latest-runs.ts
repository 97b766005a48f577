/**
 * The newest run of each component with its staleness, in one answer: what the person on call
 * looks at first (the dashboard's home), without a staleness call per run.
 */
import { invalid, notFound } from '../errors.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { checkIdentifier, checkNameList, checkOptions, checkPositiveInt } from '../validate.js';
import { checkStalenessOptions, type Staleness, type StalenessOptions, stalenessOf } from './staleness.js';

export interface LatestRunsOptions extends StalenessOptions {
  /** Only these components (default: every component). */
  components?: string[];
  /** At most this many components, the first by name. Default 100, at most MAX_LATEST_COMPONENTS. */
  limit?: number;
}

/** A component's newest run (by start time, any status) and whether it is stale now. */
export interface LatestRun {
  component: string;
  run: Run;
  staleness: Staleness;
}

export const DEFAULT_LATEST_COMPONENTS = 100;
export const MAX_LATEST_COMPONENTS = 1000;
/** Components looked at together: a store over HTTP or PostgreSQL answers them side by side. */
const PARALLEL = 16;

/** Checks latestRuns options as given by a caller (invalid_input naming the option). */
export function checkLatestRunsOptions(options: unknown): LatestRunsOptions {
  const o = checkOptions<LatestRunsOptions>('options', options, [
    'components',
    'limit',
    'now',
    'maxAgeDays',
    'maxFresherRuns',
  ]);
  const { components, limit, ...staleness } = o;
  checkStalenessOptions(staleness);
  if (limit !== undefined) checkPositiveInt('limit', limit, MAX_LATEST_COMPONENTS);
  if (components === undefined) return o;
  const names = checkNameList('components', components, checkIdentifier);
  if (names.length === 0) throw invalid('components', 'must name at least one component');
  return { ...o, components: names };
}

/**
 * The newest run of each component (the first `limit` by name) with its staleness, by component
 * name; a component without runs has no entry. A named component that does not exist is not_found.
 */
export async function latestRuns(store: Store, options: LatestRunsOptions = {}): Promise<LatestRun[]> {
  const { components, limit, ...staleness } = checkLatestRunsOptions(options);
  let names: string[];
  if (components === undefined) names = (await store.scanComponents()).map((c) => c.name);
  else {
    names = components;
    const found = await store.getComponents(names);
    const missing = names.find((_, i) => found[i] === undefined);
    if (missing !== undefined) throw notFound('component', missing);
  }
  names = names.sort().slice(0, limit ?? DEFAULT_LATEST_COMPONENTS);
  const out: (LatestRun | undefined)[] = [];
  for (let i = 0; i < names.length; i += PARALLEL) {
    const batch = names.slice(i, i + PARALLEL).map(async (component) => {
      const [run] = (await store.scanRuns({ component, limit: 1 })).runs;
      return run === undefined ? undefined : { component, run, staleness: await stalenessOf(store, run, staleness) };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out.filter((r) => r !== undefined);
}
