/** Where a query starts: one rule, shared by trace, staleness and the row walks. */
import { invalid, notFound } from './errors.js';
import type { Run } from './model.js';
import { findRun } from './run-prefix.js';
import type { Store } from './store.js';
import { checkPointer, checkRunId, isPlainObject } from './validate.js';

/**
 * A target for trace and staleness: a pointer name or run id (tried in that order), or explicit.
 * A run id may be abbreviated as a unique prefix, git-style (src/run-prefix.ts).
 */
export type Target = string | { pointer: string } | { run: string };

/** A target once resolved: what it named, and the run it stands for. */
export interface ResolvedTarget {
  target: { pointer: string } | { run: string };
  run: Run;
}

/**
 * The run that wrote `pointer`: the given run (which must exist, as not_found, and must have
 * written the pointer, as invalid_input), or else the latest writer, or undefined when no run wrote it.
 */
export async function writerOf(store: Store, pointer: string, runId?: string): Promise<Run | undefined> {
  checkPointer('pointer', pointer);
  if (runId !== undefined) {
    checkRunId('run', runId);
    const run = await findRun(store, runId);
    if (run === undefined) throw notFound('run', runId);
    if (!run.outputs.includes(pointer))
      throw invalid('run', `run ${JSON.stringify(run.id)} did not write ${JSON.stringify(pointer)}`);
    return run;
  }
  const [writer] = await store.latestWriters([{ pointer }]);
  if (writer === undefined) return undefined;
  const [run] = await store.getRuns([writer.id]);
  return run;
}

/** Checks a target as a caller gives it: a pointer name or run id, { pointer } or { run }. */
export function checkTarget(target: unknown): Target {
  if (typeof target === 'string') return checkPointer('target', target);
  const t: Record<string, unknown> = isPlainObject(target) ? target : {};
  if (typeof t.pointer === 'string') return { pointer: checkPointer('target.pointer', t.pointer) };
  if (typeof t.run === 'string') return { run: checkRunId('target.run', t.run) };
  throw invalid('target', 'must be a pointer name, a run id, { pointer } or { run }');
}

/** The run a target stands for: the latest writer of a pointer, or the run with that id. */
export async function resolveTarget(store: Store, target: Target): Promise<ResolvedTarget> {
  const checked = checkTarget(target);
  let runId: string | undefined;
  const pointer = typeof checked === 'string' ? checked : 'pointer' in checked ? checked.pointer : undefined;
  if (pointer !== undefined) {
    const run = await writerOf(store, pointer);
    if (run !== undefined) return { target: { pointer }, run };
    // A bare string that no run wrote may be a run id.
    if (typeof checked !== 'string') throw notFound('pointer (no run wrote it)', pointer);
    runId = pointer;
  } else runId = (checked as { run: string }).run;
  const run = await findRun(store, runId);
  if (run === undefined) throw notFound(typeof checked === 'string' ? 'pointer or run' : 'run', runId);
  return { target: { run: run.id }, run };
}
