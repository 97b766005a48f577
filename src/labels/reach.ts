/**
 * What a label reached, computed from lineage at query time: a forward walk from every labelled
 * pointer version at once, through the readers of each version (run-level lineage) and, where a
 * reader recorded row lineage from that input, through its pairs (row lineage). A label added
 * after the fact therefore reaches everything already derived.
 */
import type { Run } from '../model.js';
import { readRowManifest } from '../rows/chunk-cache.js';
import { lookupPair } from '../rows/lookup.js';
import { Frontier, RowSet, readersOf } from '../rows/walk.js';
import type { Store } from '../store.js';
import { knownKeys, type LabelRecord, readLabels } from './records.js';

/** Where a walk fell back to whole outputs: the step without row lineage, or a whole label. */
export type Fallback = { step: { run: string; component: string }; input: string } | { wholeLabel: string };

/** One pointer version on the walk. */
export interface ReachNode {
  pointer: string;
  /** The run that wrote this version; undefined for raw data. */
  run?: Run | undefined;
  /** The labelled or derived rows; undefined for the whole output. */
  rows?: RowSet | undefined;
  /** Why the rows are undefined. */
  fallback?: Fallback | undefined;
  /** Reached from another labelled version (not only a label's own target). */
  derived: boolean;
}

export interface Reach {
  /** The label records the walk started from. */
  sources: LabelRecord[];
  /** Every version derived from labelled data, in pipeline order (the order the walk met them). */
  reached: ReachNode[];
}

/** Walks forward from every record of `label`. Versions reached along several paths are merged. */
export async function reachOf(store: Store, label: string): Promise<Reach> {
  const sources = await readLabels(store, label);
  const runIds = [...new Set(sources.flatMap((s) => (s.run === undefined ? [] : [s.run])))];
  const runs = new Map((await store.getRuns(runIds)).flatMap((r) => (r === undefined ? [] : [[r.id, r] as const])));
  const pending = new Frontier<ReachNode>('oldest');
  for (const source of sources) {
    const run = source.run === undefined ? undefined : runs.get(source.run);
    // A labelled version whose run is gone has nothing left to reach.
    if (source.run !== undefined && run === undefined) continue;
    const rows = source.whole ? undefined : new RowSet();
    rows?.addPacked(source.hashes, knownKeys(source.keys));
    const fallback: Fallback | undefined = source.whole ? { wholeLabel: source.pointer } : undefined;
    merge(pending, { pointer: source.pointer, run, rows, fallback, derived: false });
  }
  const reached: ReachNode[] = [];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.derived) reached.push(node);
    for (const reader of await readersOf(store, node.pointer, node.run)) {
      const manifest = await readRowManifest(store, reader.id);
      const pairs = (manifest?.pairs ?? []).filter((p) => p.input === node.pointer);
      const outputs = [...new Set([...reader.outputs, ...pairs.map((p) => p.output)])];
      for (const output of outputs) {
        const pair = node.rows === undefined ? undefined : pairs.find((p) => p.output === output);
        if (pair === undefined || node.rows === undefined) {
          const fallback: Fallback = node.fallback ?? {
            step: { run: reader.id, component: reader.component },
            input: node.pointer,
          };
          merge(pending, { pointer: output, run: reader, rows: undefined, fallback, derived: true });
          continue;
        }
        const m = await lookupPair(store, reader.id, pair, node.rows.packed(), 'forward');
        // The labelled rows were dropped here (a filter): this path reaches nothing.
        if (m.count === 0) continue;
        const rows = new RowSet();
        rows.addPacked(m.hash, m.key);
        merge(pending, { pointer: output, run: reader, rows, derived: true });
      }
    }
  }
  return { sources, reached };
}

/** Adds a node, or merges it into the one pending for the same version (whole wins over rows). */
function merge(pending: Frontier<ReachNode>, node: ReachNode): void {
  const existing = pending.get(node.run, node.pointer);
  if (existing === undefined) {
    pending.add(node);
    return;
  }
  existing.derived ||= node.derived;
  if (existing.rows === undefined) return;
  if (node.rows === undefined) {
    existing.rows = undefined;
    existing.fallback = node.fallback;
  } else existing.rows.addAll(node.rows);
}

/** "whole output (no row lineage at step X)": why a version counts whole, in words. */
export function fallbackNote(fallback: Fallback | undefined): string | undefined {
  if (fallback === undefined) return undefined;
  if ('wholeLabel' in fallback)
    return `whole output (the label covers the whole of ${JSON.stringify(fallback.wholeLabel)})`;
  return `whole output (no row lineage at step ${fallback.step.component}, run ${fallback.step.run}, from ${JSON.stringify(fallback.input)})`;
}
