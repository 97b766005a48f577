import { PipetraceError } from '../errors.js';
import type { Component, PointerRecord, Run } from '../model.js';
import { RunIndex } from '../run-index.js';
import type { RunPage, RunScan, Store, StoreCapabilities, WriterQuery, WriterRef } from '../store.js';
import type { SnapshotRecords } from './snapshot.js';

const readOnly = () => Promise.reject(new PipetraceError('invalid_input', "the worker's snapshot is read-only"));

function freezeRun(run: Run): Run {
  Object.freeze(run.inputs);
  Object.freeze(run.outputs);
  Object.freeze(run.dependencies);
  return Object.freeze(run);
}

/**
 * The worker's copy of a snapshot: a read-only store over frozen records that hands out the
 * records themselves instead of copies (the memory adapter copies every run it returns). Results
 * leave the worker serialised, so sharing is safe, and freezing turns any analysis that tried to
 * mutate a run into a loud TypeError rather than a silently different answer.
 */
export function snapshotStore(records: SnapshotRecords): Store {
  const runs = new RunIndex<Run>();
  for (const run of records.runs) runs.put(freezeRun(run));
  const components = new Map(records.components.map((c) => [c.name, Object.freeze(c)]));
  const pointers = new Map(records.pointers.map((p) => [p.name, Object.freeze(p)]));
  const blobs = new Map(records.blobs.map((b) => [b.key, b.data]));
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : 1);
  const capabilities: StoreCapabilities = { durable: false, concurrent: false, live: false, binary: true };
  return {
    kind: 'snapshot',
    capabilities,
    putRuns: readOnly,
    putComponents: readOnly,
    putPointers: readOnly,
    putBlobs: readOnly,
    deleteBlobs: readOnly,
    getRuns: async (ids: readonly string[]) => ids.map((id) => runs.get(id)),
    scanRuns: (scan: RunScan): Promise<RunPage> => runs.scanPage(scan, (found) => found),
    latestWriters: async (queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> =>
      queries.map((q) => runs.latestWriter(q)),
    getComponents: async (names: readonly string[]): Promise<(Component | undefined)[]> =>
      names.map((n) => components.get(n)),
    scanComponents: async () => [...components.values()].sort(byName),
    getPointers: async (names: readonly string[]): Promise<(PointerRecord | undefined)[]> =>
      names.map((n) => pointers.get(n)),
    scanPointers: async (filter: { flagged?: boolean } = {}) =>
      [...pointers.values()].filter((p) => filter.flagged === undefined || p.flagged === filter.flagged).sort(byName),
    // Copies: a blob is a view into the snapshot's one buffer, which must never be transferred away.
    getBlobs: async (keys: readonly string[]) => keys.map((k) => blobs.get(k)?.slice()),
    listBlobs: async (prefix: string) => [...blobs.keys()].filter((k) => k.startsWith(prefix)).sort(),
    close: async () => {},
  };
}
