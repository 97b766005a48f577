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

/**
 * The run that wrote the version of `pointer` current at `at`: the newest writer that started
 * before it (not_found when none did).
 */
export async function writerAt(store: Store, pointer: string, at: number): Promise<Run> {
  checkPointer('pointer', pointer);
  const [run] = (await store.scanRuns({ output: pointer, until: at, order: 'desc', limit: 1 })).runs;
  if (run === undefined) throw notFound(`version of pointer before ${new Date(at).toISOString()}`, pointer);
  return run;
}

/**
 * A version time as a person types it: epoch ms, an ISO time, or a UTC day (`2026-12-02`: the
 * version current at the end of that day). Undefined when it is none of these.
 */
export function versionTime(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(day ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) return undefined;
  return day ? ms + 86_400_000 : ms;
}

/** `POINTER@DATE` (when what follows the last @ starts with a UTC day) or POINTER with `at` given apart. */
export function splitAt(given: string, at: string | undefined): { target: string; at?: string } {
  const i = given.lastIndexOf('@');
  const tail = i < 0 ? '' : given.slice(i + 1);
  if (at === undefined && i > 0 && /^\d{4}-\d{2}-\d{2}/.test(tail) && versionTime(tail) !== undefined)
    return { target: given.slice(0, i), at: tail };
  return at === undefined ? { target: given } : { target: given, at };
}
