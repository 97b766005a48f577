/**
 * Violations: a run that read retracted data after the retraction. Staleness reports them as
 * `retracted_input`; a retraction's report lists them.
 */
import type { Run } from '../model.js';
import { dependencyBound, type Store } from '../store.js';
import { type Reach, reachOf } from './reach.js';
import { readRetractions } from './records.js';

/** A run that read retracted data after the retraction. */
export interface RetractionViolation {
  run: { id: string; component: string; startedAt: number };
  inputs: string[];
}

/** Runs that started at or after the retraction and read a labelled or derived version. */
export async function violationsOf(store: Store, reach: Reach, at: number): Promise<RetractionViolation[]> {
  const tainted = versionsOf(reach);
  const runs = new Map<string, Run>();
  for (const node of reach.reached)
    if (node.run !== undefined && node.run.startedAt >= at) runs.set(node.run.id, node.run);
  const out: RetractionViolation[] = [];
  for (const run of runs.values()) {
    const inputs = await taintedInputs(store, run, tainted);
    if (inputs.length > 0)
      out.push({ run: { id: run.id, component: run.component, startedAt: run.startedAt }, inputs });
  }
  return out;
}

/** Every labelled or derived version, as `runId\0pointer` (raw data: an empty run id). */
export function versionsOf(reach: Reach): Set<string> {
  const set = new Set<string>();
  for (const s of reach.sources) set.add(`${s.run ?? ''}\u0000${s.pointer}`);
  for (const n of reach.reached) set.add(`${n.run?.id ?? ''}\u0000${n.pointer}`);
  return set;
}

/** The inputs of `run` whose version (the writer before the run started) is in `tainted`. */
export async function taintedInputs(store: Store, run: Run, tainted: Set<string>): Promise<string[]> {
  const writers = await store.latestWriters(run.inputs.map((pointer) => ({ pointer, before: dependencyBound(run) })));
  return run.inputs.filter((p, i) => tainted.has(`${writers[i]?.id ?? ''}\u0000${p}`));
}

/** The retracted inputs of `run`: for each retraction before it started, the inputs it read from that label's data. */
export async function retractedInputs(
  store: Store,
  run: Run,
): Promise<{ label: string; retractedAt: number; inputs: string[] }[]> {
  const retractions = (await readRetractions(store)).filter((r) => r.at <= run.startedAt);
  const out: { label: string; retractedAt: number; inputs: string[] }[] = [];
  for (const r of retractions) {
    const inputs = await taintedInputs(store, run, versionsOf(await reachOf(store, r.label)));
    if (inputs.length > 0) out.push({ label: r.label, retractedAt: r.at, inputs });
  }
  return out;
}
