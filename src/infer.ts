import type { Run } from './model.js';
import { compareWriteKeys, dependencyBound, type Store, type WriteKey, type WriterRef } from './store.js';

/**
 * Fills in `dependencies` for runs about to be stored: for each input, the writer with the
 * greatest WriteKey (endedAt, startedAt, id) below the run's dependency bound, looked for both
 * in the store and among the other runs of the same batch. One store call for the batch.
 * Ties of time are broken by run id, never by insertion order; a run never depends on itself
 * or on a run that started after it, so the graph stays acyclic.
 */
export async function inferDependencies(store: Store, runs: Run[]): Promise<void> {
  const queries: { pointer: string; before: WriteKey }[] = [];
  for (const run of runs) {
    const before = dependencyBound(run);
    for (const pointer of run.inputs) queries.push({ pointer, before });
  }
  const fromStore = queries.length === 0 ? [] : await store.latestWriters(queries);
  const batchWriters = runs.length > 1 ? writersInBatch(runs) : undefined;
  let q = 0;
  for (const run of runs) {
    const before = dependencyBound(run);
    const deps: string[] = [];
    for (const pointer of run.inputs) {
      let best: WriteKey | undefined = fromStore[q++];
      const local = batchWriters?.get(pointer);
      if (local !== undefined) {
        const candidate = latestBelow(local, before);
        if (candidate !== undefined && (best === undefined || compareWriteKeys(candidate, best) > 0)) best = candidate;
      }
      if (best !== undefined && best.id !== run.id && !deps.includes(best.id)) deps.push(best.id);
    }
    run.dependencies = deps;
  }
}

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
