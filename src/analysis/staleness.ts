import { invalid } from '../errors.js';
import { retractedInputs } from '../labels/violations.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { checkOptions, checkPositiveInt, describe } from '../validate.js';

export interface StalenessOptions {
  /** Evaluate as of this time (default: now). */
  now?: number;
  /** A dependency older than this many days makes the run stale. Default 30. */
  maxAgeDays?: number;
  /** This many newer succeeded runs of a dependency's component make the run stale. Default 1. */
  maxFresherRuns?: number;
}

export type StaleReason =
  | {
      kind: 'old_dependency';
      dependency: string;
      component: string;
      ageDays: number;
      maxAgeDays: number;
      message: string;
    }
  | {
      kind: 'fresher_runs';
      dependency: string;
      component: string;
      /** Newer succeeded runs of the component, counted up to FRESHER_COUNT_CAP. */
      fresherRuns: number;
      latest: string;
      message: string;
    }
  | { kind: 'missing_dependency'; dependency: string; message: string }
  /** The run read data derived from a retracted label after the retraction: a violation. */
  | { kind: 'retracted_input'; label: string; inputs: string[]; retractedAt: number; message: string };

export interface Staleness {
  run: string;
  component: string;
  stale: boolean;
  /** Why, in words and as data; empty when fresh. */
  reasons: StaleReason[];
  checkedAt: number;
  maxAgeDays: number;
  maxFresherRuns: number;
}

const DAY = 86_400_000;
export const FRESHER_COUNT_CAP = 1000;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Is `run` stale now: are its direct upstream runs too old, or superseded by fresher runs? */
/** Checks staleness options as given by a caller (invalid_input naming the option). */
export function checkStalenessOptions(options: unknown): StalenessOptions {
  const o = checkOptions<StalenessOptions>('options', options, ['now', 'maxAgeDays', 'maxFresherRuns']);
  if (o.now !== undefined && !(typeof o.now === 'number' && Number.isFinite(o.now)))
    throw invalid('now', `must be epoch milliseconds, got ${describe(o.now)}`);
  if (o.maxAgeDays !== undefined && !(typeof o.maxAgeDays === 'number' && o.maxAgeDays >= 0 && o.maxAgeDays < Infinity))
    throw invalid('maxAgeDays', `must be a number from 0, got ${describe(o.maxAgeDays)}`);
  if (o.maxFresherRuns !== undefined) checkPositiveInt('maxFresherRuns', o.maxFresherRuns);
  return o;
}

export async function stalenessOf(store: Store, run: Run, options: StalenessOptions = {}): Promise<Staleness> {
  const now = options.now ?? Date.now();
  const maxAgeDays = options.maxAgeDays ?? 30;
  const maxFresherRuns = options.maxFresherRuns ?? 1;
  const deps = run.dependencies.length === 0 ? [] : await store.getRuns(run.dependencies);
  const reasons: StaleReason[] = [];
  for (let i = 0; i < deps.length; i++) {
    const dep = deps[i];
    const depId = run.dependencies[i] as string;
    if (dep === undefined) {
      reasons.push({
        kind: 'missing_dependency',
        dependency: depId,
        message: `upstream run ${depId} is not in the store`,
      });
      continue;
    }
    const ageDays = (now - dep.endedAt) / DAY;
    if (ageDays > maxAgeDays) {
      reasons.push({
        kind: 'old_dependency',
        dependency: dep.id,
        component: dep.component,
        ageDays: Math.floor(ageDays * 10) / 10,
        maxAgeDays,
        message: `upstream ${dep.component} run ${dep.id} finished ${Math.floor(ageDays)} days ago (threshold ${maxAgeDays} days)`,
      });
    }
    const fresher = await fresherRuns(store, dep, now);
    if (fresher.count >= maxFresherRuns && fresher.latest !== undefined) {
      reasons.push({
        kind: 'fresher_runs',
        dependency: dep.id,
        component: dep.component,
        fresherRuns: fresher.count,
        latest: fresher.latest,
        message: `${dep.component} has produced ${plural(fresher.count, 'newer run')}${fresher.count >= FRESHER_COUNT_CAP ? ' or more' : ''} since run ${dep.id} (latest ${fresher.latest})`,
      });
    }
  }
  for (const r of await retractedInputs(store, run)) {
    reasons.push({
      kind: 'retracted_input',
      label: r.label,
      inputs: r.inputs,
      retractedAt: r.retractedAt,
      message: `read ${r.inputs.map((p) => JSON.stringify(p)).join(', ')} built from ${JSON.stringify(r.label)}, retracted at ${new Date(r.retractedAt).toISOString()}`,
    });
  }
  return {
    run: run.id,
    component: run.component,
    stale: reasons.length > 0,
    reasons,
    checkedAt: now,
    maxAgeDays,
    maxFresherRuns,
  };
}

/** Succeeded runs of the dependency's component that started after it, up to now. */
async function fresherRuns(store: Store, dep: Run, now: number): Promise<{ count: number; latest?: string }> {
  let count = 0;
  let latest: string | undefined;
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({
      component: dep.component,
      since: dep.startedAt,
      until: now + 1,
      limit: 500,
      cursor,
    });
    for (const r of page.runs) {
      const after = r.startedAt > dep.startedAt || (r.startedAt === dep.startedAt && r.id > dep.id);
      if (!after || r.status !== 'succeeded') continue;
      latest ??= r.id;
      count++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined && count < FRESHER_COUNT_CAP);
  return latest === undefined ? { count } : { count, latest };
}
