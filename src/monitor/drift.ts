import { invalid, notFound } from '../errors.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { resolveTarget, type Target } from '../target.js';
import {
  checkNameList,
  checkOptions,
  checkPointer,
  checkRunId,
  checkTime,
  describe,
  isPlainObject,
} from '../validate.js';
import { decodeProfile, encodeProfile } from './codec.js';
import { type ColumnDrift, type ColumnSummary, type CompareOptions, compareProfiles, summarize } from './compare.js';
import { mergeProfiles, type Profile } from './profile.js';
import { baselineKey, readProfiles } from './profile-store.js';

/**
 * What a run's profile is compared with:
 * - `'auto'` (default): the baseline pinned for the pointer if there is one, else `'previous'`;
 * - `'previous'`: the latest earlier run that wrote the pointer with a profile;
 * - `{ runs: n }`: the n latest earlier runs' profiles, merged (a window);
 * - `{ since, until? }`: the profiles of the runs that wrote the pointer in that time, merged;
 * - `{ run }`: that run's profile of the same pointer;
 * - `{ pointer, run? }`: another pointer's profile (its latest writer's, or the run's), such
 *   as the training data of the model that serves;
 * - `{ baseline: pointer }`: the baseline pinned for that pointer (`pinBaseline`).
 */
export type DriftReference =
  | 'auto'
  | 'previous'
  | { runs: number }
  | { since: number | Date | string; until?: number | Date | string }
  | { run: string }
  | { pointer: string; run?: string }
  | { baseline: string };

export interface DriftOptions extends CompareOptions {
  reference?: DriftReference;
  /** For a run target: only this output (default: every profiled output). */
  output?: string;
  /** Only these columns. */
  columns?: string[];
}

/** A run as results name it. */
export interface RunRef {
  id: string;
  component: string;
  startedAt: number;
}

/** What the current side was compared with. */
export interface ReferenceRef {
  kind: 'previous' | 'window' | 'run' | 'pointer' | 'baseline';
  pointer: string;
  /** The runs whose profiles make the reference, newest first. */
  runs: string[];
  /** When the baseline was pinned. */
  pinnedAt?: number;
  description: string;
}

/** One output compared with its reference. */
export interface OutputDrift {
  pointer: string;
  run: RunRef;
  /** compared; or why not: the run stored no profile of it, or nothing to compare with. */
  status: 'compared' | 'no_profile' | 'no_reference';
  reference?: ReferenceRef;
  drifted: boolean;
  /** Every column compared, in the current profile's order. */
  columns: ColumnDrift[];
  /** The drifted columns' sentences. */
  sentences: string[];
}

export interface DriftReport {
  run: RunRef;
  outputs: OutputDrift[];
  drifted: boolean;
  sentences: string[];
}

const DRIFT_OPTIONS = [
  'reference',
  'output',
  'columns',
  'numeric',
  'categorical',
  'thresholds',
  'missingThreshold',
] as const;
/** At most this many earlier runs are read to find a reference. */
export const MAX_REFERENCE_RUNS = 1000;

export function checkDriftOptions(options: unknown): DriftOptions {
  const o = checkOptions<DriftOptions>('options', options, [...DRIFT_OPTIONS]);
  if (o.reference !== undefined) checkReference(o.reference);
  if (o.output !== undefined) checkPointer('options.output', o.output);
  if (o.columns !== undefined)
    checkNameList('options.columns', o.columns, (field, v) => {
      if (typeof v !== 'string' || v.length === 0) throw invalid(field, `must be a column name, got ${describe(v)}`);
      return v;
    });
  if (o.numeric !== undefined && !['wasserstein', 'psi', 'ks'].includes(o.numeric))
    throw invalid('options.numeric', `must be wasserstein, psi or ks, got ${describe(o.numeric)}`);
  if (o.categorical !== undefined && !['jensen_shannon', 'psi'].includes(o.categorical))
    throw invalid('options.categorical', `must be jensen_shannon or psi, got ${describe(o.categorical)}`);
  if (o.thresholds !== undefined) {
    if (!isPlainObject(o.thresholds)) throw invalid('options.thresholds', 'must be { column: number }');
    for (const [k, v] of Object.entries(o.thresholds))
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
        throw invalid(`options.thresholds.${k}`, `must be a number >= 0, got ${describe(v)}`);
  }
  if (o.missingThreshold !== undefined && (typeof o.missingThreshold !== 'number' || !(o.missingThreshold >= 0)))
    throw invalid('options.missingThreshold', `must be a number >= 0, got ${describe(o.missingThreshold)}`);
  return o;
}

function checkReference(r: unknown): DriftReference {
  if (r === 'auto' || r === 'previous') return r;
  if (!isPlainObject(r)) throw invalid('options.reference', `must be auto, previous or an object, got ${describe(r)}`);
  const keys = Object.keys(r).sort().join(',');
  if (keys === 'runs') {
    if (!Number.isInteger(r.runs) || (r.runs as number) < 1 || (r.runs as number) > MAX_REFERENCE_RUNS)
      throw invalid('options.reference.runs', `must be a whole number from 1 to ${MAX_REFERENCE_RUNS}`);
  } else if (keys === 'since' || keys === 'since,until') {
    checkTime('options.reference.since', r.since);
    if (r.until !== undefined) checkTime('options.reference.until', r.until);
  } else if (keys === 'run') checkRunId('options.reference.run', r.run);
  else if (keys === 'pointer' || keys === 'pointer,run') {
    checkPointer('options.reference.pointer', r.pointer);
    if (r.run !== undefined) checkRunId('options.reference.run', r.run);
  } else if (keys === 'baseline') checkPointer('options.reference.baseline', r.baseline);
  else throw invalid('options.reference', `has an unknown form {${keys}}`);
  return r as DriftReference;
}

export const runRef = (run: Run): RunRef => ({ id: run.id, component: run.component, startedAt: run.startedAt });

/** Earlier succeeded runs that wrote `pointer` (newest first), page by page, up to `max`. */
async function earlierWriters(
  store: Store,
  pointer: string,
  before: Run | undefined,
  max: number,
  since?: number,
  until?: number,
): Promise<Run[]> {
  const out: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({
      output: pointer,
      order: 'desc',
      limit: Math.min(100, max),
      ...(cursor === undefined ? {} : { cursor }),
      ...(since === undefined ? {} : { since }),
      ...(before !== undefined ? { until: before.startedAt + 1 } : until === undefined ? {} : { until }),
    });
    for (const run of page.runs) {
      if (run.status !== 'succeeded' || run.id === before?.id) continue;
      if (
        before !== undefined &&
        !(run.startedAt < before.startedAt || (run.startedAt === before.startedAt && run.id < before.id))
      )
        continue;
      out.push(run);
    }
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < max);
  return out.slice(0, max);
}

/** Profiles of runs' outputs merged, newest first; a run whose column changed type is left out. */
function mergeWindow(
  pointer: string,
  profiles: { run: Run; profile: Profile }[],
): { profile: Profile; runs: string[] } {
  let merged = profiles[0]?.profile as Profile;
  const runs = [profiles[0]?.run.id as string];
  for (const { run, profile } of profiles.slice(1)) {
    try {
      merged = mergeProfiles(pointer, merged, profile);
      runs.push(run.id);
    } catch {
      // A type change inside the window: the newer type stands (drift between windows reports it).
    }
  }
  return { profile: merged, runs };
}

/** The reference profile for `pointer` as written by `run`, or undefined when there is none. */
export async function referenceProfile(
  store: Store,
  pointer: string,
  run: Run,
  reference: DriftReference,
): Promise<{ profile: Profile; ref: ReferenceRef } | undefined> {
  if (reference === 'auto' || (typeof reference === 'object' && 'baseline' in reference)) {
    const of = reference === 'auto' ? pointer : reference.baseline;
    const key = baselineKey(of);
    const [data] = await store.getBlobs([key]);
    if (data !== undefined && data.length > 0) {
      const profile = decodeProfile(data, key);
      const origin = profile.origin;
      return {
        profile,
        ref: {
          kind: 'baseline',
          pointer: of,
          runs: origin?.runs ?? [],
          ...(origin === undefined ? {} : { pinnedAt: origin.pinnedAt }),
          description: `the baseline pinned for ${of}`,
        },
      };
    }
    if (reference !== 'auto') throw notFound('baseline', of);
  }
  if (reference === 'auto' || reference === 'previous' || 'runs' in reference) {
    const want = typeof reference === 'object' && 'runs' in reference ? reference.runs : 1;
    // Read earlier writers a page at a time until enough have profiles.
    const found: { run: Run; profile: Profile }[] = [];
    const candidates = await earlierWriters(store, pointer, run, MAX_REFERENCE_RUNS);
    for (let i = 0; i < candidates.length && found.length < want; i += 50) {
      const batch = candidates.slice(i, i + 50);
      const profiles = await readProfiles(
        store,
        batch.map((r) => ({ run: r.id, output: pointer })),
      );
      profiles.forEach((profile, j) => {
        if (profile !== undefined && found.length < want) found.push({ run: batch[j] as Run, profile });
      });
    }
    if (found.length === 0) return undefined;
    const { profile, runs } = mergeWindow(pointer, found);
    const kind = want === 1 ? 'previous' : 'window';
    return {
      profile,
      ref: {
        kind,
        pointer,
        runs,
        description:
          kind === 'previous' ? `the previous run of ${pointer}` : `the ${runs.length} previous runs of ${pointer}`,
      },
    };
  }
  if ('since' in reference) {
    const since = checkTime('since', reference.since);
    const until = reference.until === undefined ? run.startedAt : checkTime('until', reference.until);
    const candidates = (await earlierWriters(store, pointer, undefined, MAX_REFERENCE_RUNS, since, until)).filter(
      (r) => r.id !== run.id,
    );
    const profiles = await readProfiles(
      store,
      candidates.map((r) => ({ run: r.id, output: pointer })),
    );
    const found = candidates.flatMap((r, i) =>
      profiles[i] === undefined ? [] : [{ run: r, profile: profiles[i] as Profile }],
    );
    if (found.length === 0) return undefined;
    const { profile, runs } = mergeWindow(pointer, found);
    return {
      profile,
      ref: {
        kind: 'window',
        pointer,
        runs,
        description: `${runs.length} runs of ${pointer} from ${new Date(since).toISOString()} to ${new Date(until).toISOString()}`,
      },
    };
  }
  const refPointer = 'pointer' in reference ? reference.pointer : pointer;
  const refRunId = reference.run;
  let refRun: Run | undefined;
  if (refRunId !== undefined) {
    [refRun] = await store.getRuns([refRunId]);
    if (refRun === undefined) throw notFound('run', refRunId);
  } else refRun = (await resolveTarget(store, { pointer: refPointer })).run;
  const [profile] = await readProfiles(store, [{ run: refRun.id, output: refPointer }]);
  if (profile === undefined) return undefined;
  return {
    profile,
    ref: {
      kind: 'pointer' in reference ? 'pointer' : 'run',
      pointer: refPointer,
      runs: [refRun.id],
      description: `${refPointer} as run ${refRun.id} wrote it`,
    },
  };
}

// Comparisons by profile pair: stored profiles never change and come from one decode cache, so
// a monitor() or a /metrics scrape repeated over the same runs compares each pair once.
const comparisons = new WeakMap<Profile, WeakMap<Profile, Map<string, ColumnDrift[]>>>();

function compared(pointer: string, current: Profile, reference: Profile, options: DriftOptions): ColumnDrift[] {
  const { numeric, categorical, thresholds, missingThreshold, columns } = options;
  const key = JSON.stringify([pointer, numeric, categorical, thresholds, missingThreshold, columns]);
  let byReference = comparisons.get(current);
  if (byReference === undefined) {
    byReference = new WeakMap();
    comparisons.set(current, byReference);
  }
  let byOptions = byReference.get(reference);
  if (byOptions === undefined) {
    byOptions = new Map();
    byReference.set(reference, byOptions);
  }
  let result = byOptions.get(key);
  if (result === undefined) {
    result = compareProfiles(pointer, current, reference, options, columns);
    byOptions.set(key, result);
  }
  return [...result];
}

/** Compares one output of a run (already read) with its reference. */
export async function driftOfOutput(
  store: Store,
  run: Run,
  pointer: string,
  current: Profile | undefined,
  options: DriftOptions,
): Promise<OutputDrift> {
  const base = { pointer, run: runRef(run), drifted: false, columns: [], sentences: [] };
  if (current === undefined) return { ...base, status: 'no_profile' };
  const found = await referenceProfile(store, pointer, run, options.reference ?? 'auto');
  if (found === undefined) return { ...base, status: 'no_reference' };
  const columns = compared(pointer, current, found.profile, options);
  const drifted = columns.filter((c) => c.drifted);
  return {
    ...base,
    status: 'compared',
    reference: found.ref,
    drifted: drifted.length > 0,
    columns,
    sentences: drifted.map((c) => c.sentence),
  };
}

/** drift(): a pointer's latest version, or a run's profiled outputs, against the reference. */
export async function driftOf(store: Store, target: Target, options: DriftOptions): Promise<DriftReport> {
  const resolved = await resolveTarget(store, target);
  const run = resolved.run;
  const outputs =
    'pointer' in resolved.target
      ? [resolved.target.pointer]
      : options.output !== undefined
        ? [options.output]
        : run.outputs;
  if (options.output !== undefined && !run.outputs.includes(options.output))
    throw invalid('options.output', `run ${run.id} did not write ${JSON.stringify(options.output)}`);
  const profiles = await readProfiles(
    store,
    outputs.map((output) => ({ run: run.id, output })),
  );
  const results = await Promise.all(outputs.map((o, i) => driftOfOutput(store, run, o, profiles[i], options)));
  // For a run, outputs it never profiled say nothing.
  const shown = 'pointer' in resolved.target ? results : results.filter((r) => r.status !== 'no_profile');
  return {
    run: runRef(run),
    outputs: shown,
    drifted: shown.some((o) => o.drifted),
    sentences: shown.flatMap((o) => o.sentences),
  };
}

/** Pins a pointer's profile (its latest writer's, a given run's, or the n latest merged) as its baseline. */
export async function pinBaseline(
  store: Store,
  pointer: string,
  options: { run?: string; runs?: number },
  now: number,
): Promise<ReferenceRef> {
  checkPointer('pointer', pointer);
  const o = checkOptions<{ run?: string; runs?: number }>('options', options, ['run', 'runs']);
  if (o.run !== undefined && o.runs !== undefined) throw invalid('options', 'give run or runs, not both');
  if (o.runs !== undefined && (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > MAX_REFERENCE_RUNS))
    throw invalid('options.runs', `must be a whole number from 1 to ${MAX_REFERENCE_RUNS}`);
  let runs: Run[];
  if (o.run !== undefined) {
    checkRunId('options.run', o.run);
    const [run] = await store.getRuns([o.run]);
    if (run === undefined) throw notFound('run', o.run);
    runs = [run];
  } else runs = await earlierWriters(store, pointer, undefined, MAX_REFERENCE_RUNS);
  const profiles = await readProfiles(
    store,
    runs.map((r) => ({ run: r.id, output: pointer })),
  );
  const found = runs
    .flatMap((run, i) => (profiles[i] === undefined ? [] : [{ run, profile: profiles[i] as Profile }]))
    .slice(0, o.runs ?? 1);
  if (found.length === 0) throw notFound('profile of', pointer);
  const { profile, runs: ids } = mergeWindow(pointer, found);
  await store.putBlobs([
    { key: baselineKey(pointer), data: encodeProfile({ ...profile, origin: { pointer, runs: ids, pinnedAt: now } }) },
  ]);
  return { kind: 'baseline', pointer, runs: ids, pinnedAt: now, description: `the baseline pinned for ${pointer}` };
}

/** Removes a pointer's pinned baseline; true when there was one. */
export async function unpinBaseline(store: Store, pointer: string): Promise<boolean> {
  checkPointer('pointer', pointer);
  const key = baselineKey(pointer);
  const [data] = await store.getBlobs([key]);
  if (data === undefined) return false;
  // Stores without deleteBlobs keep an empty blob, which reads as no baseline.
  if (store.deleteBlobs !== undefined) await store.deleteBlobs([key]);
  else await store.putBlobs([{ key, data: new Uint8Array(0) }]);
  return true;
}

/** A stored profile as plain data: what `profile()` answers. */
export interface ProfileSummary {
  pointer: string;
  run: RunRef;
  rows: number;
  columns: ({ name: string } & ColumnSummary)[];
}

/** The profile a run stored for a pointer (the latest writer's by default). */
export async function profileSummary(store: Store, target: Target, output?: string): Promise<ProfileSummary> {
  const resolved = await resolveTarget(store, target);
  const pointer = 'pointer' in resolved.target ? resolved.target.pointer : (output ?? resolved.run.outputs[0] ?? '');
  if (output !== undefined && output !== pointer)
    throw invalid('output', `${JSON.stringify(output)} is not the target's pointer`);
  const [profile] = await readProfiles(store, [{ run: resolved.run.id, output: pointer }]);
  if (profile === undefined) throw notFound(`profile of ${pointer} in run`, resolved.run.id);
  return {
    pointer,
    run: runRef(resolved.run),
    rows: profile.rows,
    columns: [...profile.columns].map(([name, c]) => ({ name, ...summarize(c) })),
  };
}
