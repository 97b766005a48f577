import type { Run } from './model.js';
import { compareWriteKeys, dependencyBound, type WriteKey, type WriterQuery, type WriterRef } from './store.js';

/*
 * Dependency inference, for runs about to be stored: for each input, the writer with the
 * greatest WriteKey (endedAt, startedAt, id) below the run's dependency bound, looked for both
 * in the store and among the other runs of the same batch. One store call for the batch.
 * Ties of time are broken by run id, never by insertion order; a run never depends on itself
 * or on a run that started after it, so the graph stays acyclic.
 *
 * It comes in two synchronous halves around the one store call (`writerQueries`, then
 * `store.latestWriters`, then `assignDependencies`) so that logging a run costs as few promises
 * as possible.
 */
/** The latestWriters queries for every input of every run, in order. */
export function writerQueries(runs: readonly Run[]): WriterQuery[] {
  if (runs.length === 1) {
    const run = runs[0] as Run;
    if (run.inputs.length === 0) return [];
    const before = dependencyBound(run);
    return run.inputs.map((pointer) => ({ pointer, before }));
  }
  const queries: WriterQuery[] = [];
  for (const run of runs) {
    if (run.inputs.length === 0) continue;
    const before = dependencyBound(run);
    for (const pointer of run.inputs) queries.push({ pointer, before });
  }
  return queries;
}

/** Sets `dependencies` from the store's answers to `writerQueries(runs)` and the batch itself. */
export function assignDependencies(runs: Run[], fromStore: readonly (WriterRef | undefined)[]): void {
  const batchWriters = runs.length > 1 ? writersInBatch(runs) : undefined;
  let q = 0;
  for (const run of runs) {
    if (run.inputs.length === 0) {
      run.dependencies = [];
      continue;
    }
    const before = batchWriters === undefined ? undefined : dependencyBound(run);
    let n = 0;
    for (const pointer of run.inputs) {
      let best: WriteKey | undefined = fromStore[q++];
      const local = before === undefined ? undefined : batchWriters?.get(pointer);
      if (local !== undefined && before !== undefined) {
        const candidate = latestBelow(local, before);
        if (candidate !== undefined && (best === undefined || compareWriteKeys(candidate, best) > 0)) best = candidate;
      }
      if (best !== undefined && best.id !== run.id && (n === 0 || scratch.lastIndexOf(best.id, n - 1) < 0))
        scratch[n++] = best.id;
    }
    // An exact-size copy: most runs have one or two dependencies.
    run.dependencies = scratch.slice(0, n);
  }
}

const scratch: string[] = [];

function writersInBatch(runs: Run[]): Map<string, WriterRef[]> {
  const out = new Map<string, WriterRef[]>();
  for (const run of runs) {
    for (const pointer of run.outputs) {
      let list = out.get(pointer);
      if (list === undefined) out.set(pointer, (list = []));
      list.push({ id: run.id, component: run.component, startedAt: run.startedAt, endedAt: run.endedAt });
    }
  }
  return out;
}

function latestBelow(writers: WriterRef[], bound: WriteKey): WriterRef | undefined {
  let best: WriterRef | undefined;
  for (const w of writers) {
    if (compareWriteKeys(w, bound) < 0 && (best === undefined || compareWriteKeys(w, best) > 0)) best = w;
  }
  return best;
}
