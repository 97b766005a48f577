/**
 * The run-level review's population: every latest output of the producing components, the
 * runs behind them (Ancestry), their versions and groups, and for every run and group the
 * outputs that reach it, flagged or not. None of it depends on which outputs are flagged, so
 * a store with columns keeps it until its runs change: a review then walks up from the
 * flagged producers only, and the unflagged counts are the totals less the flagged ones.
 */
import type { RunColumns } from '../run-columns.js';
import { RunTable } from '../run-table.js';
import type { Store } from '../store.js';
import { Ancestry } from './ancestry.js';
import { type Counts, type RunGroups, runSpectra } from './run-spectra.js';
import { type Versions, versionGroups } from './versions.js';

export interface Population {
  graph: Ancestry;
  /** latest[p]: the number of pointer p's latest writer among the producing runs, -1 for none. */
  latest: Int32Array;
  /** Latest outputs in all (flagged or not). */
  outputs: number;
  versions: Versions;
  /** Component name to its group number (after the versions). */
  componentIndex: Map<string, number>;
  /** Runs of each component in the graph. */
  runsOf: Map<string, number>;
  groups: RunGroups;
  aggregating: Uint8Array;
  /** Every latest output counted as flagged: its allF and directF are the totals. */
  totals: { runs: Counts; groups: Counts };
}

const PAGE = 10_000;

/** The last population per store's columns, while their generation stays the same. */
const kept = new WeakMap<RunColumns, { generation: number; key: string; population: Population }>();

export async function populationOf(store: Store, producingComponents: readonly string[]): Promise<Population> {
  const columns = store.columns;
  if (columns === undefined) return build(await readRuns(store, producingComponents), producingComponents, store);
  const key = producingComponents.join('\u0000');
  const hit = kept.get(columns);
  if (hit !== undefined && hit.generation === columns.generation && hit.key === key) return hit.population;
  // Drop the old one first, so that two never live at once.
  kept.delete(columns);
  const generation = columns.generation;
  const population = await build(columns, producingComponents);
  if (columns.generation === generation) kept.set(columns, { generation, key, population });
  return population;
}

/** A table of every run of the producing components, for a store without columns. */
async function readRuns(store: Store, producingComponents: readonly string[]): Promise<RunTable> {
  const table = new RunTable();
  for (const component of producingComponents) {
    let cursor: string | undefined;
    do {
      const page = await store.scanRuns({ component, limit: PAGE, cursor, order: 'asc' });
      for (const run of page.runs) table.put(run);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  return table;
}

/** `from`: the store to read missing upstream runs from into `columns` (then a table of our own). */
async function build(columns: RunColumns, producingComponents: readonly string[], from?: Store): Promise<Population> {
  const graph = new Ancestry(
    columns,
    from === undefined || !(columns instanceof RunTable) ? undefined : { store: from, table: columns },
  );
  const latest = new Int32Array(columns.pointerCount).fill(-1);
  const written: number[] = [];
  for (const component of producingComponents) {
    for (const slot of columns.slotsOf(component) ?? []) {
      const i = graph.add(slot);
      const links = columns.links();
      const first = columns.firstOutput(slot);
      for (let o = first, to = first + columns.outputCount(slot); o < to; o++) {
        const p = links[o] as number;
        const cur = latest[p] as number;
        if (cur < 0) written.push(p);
        if (cur < 0 || columns.compareWrites(slot, graph.slot(cur)) > 0) latest[p] = i;
      }
    }
  }
  const produced = new Float64Array(graph.size);
  for (const p of written) {
    const i = latest[p] as number;
    produced[i] = (produced[i] as number) + 1;
  }
  const producers: number[] = [];
  for (let i = 0; i < produced.length; i++) if (produced[i] !== 0) producers.push(i);
  await graph.complete(producers);
  const n = graph.size;

  // Groups met in the walk: versions first, then one per component.
  const versions = versionGroups(graph);
  const componentIndex = new Map<string, number>();
  const runsOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = graph.component(i);
    if (!componentIndex.has(c)) componentIndex.set(c, versions.groups.length + componentIndex.size);
    runsOf.set(c, (runsOf.get(c) ?? 0) + 1);
  }
  const offsets = new Int32Array(n + 1);
  const targets = new Int32Array(versions.targets.length + n);
  for (let i = 0, at = 0; i < n; i++) {
    for (let e = versions.offsets[i] as number; e < (versions.offsets[i + 1] as number); e++)
      targets[at++] = versions.targets[e] as number;
    targets[at++] = componentIndex.get(graph.component(i)) as number;
    offsets[i + 1] = at;
  }
  const groups = { size: versions.groups.length + componentIndex.size, offsets, targets };
  const aggregating = graph.aggregating();
  const totals = runSpectra(graph, aggregating, producers, produced, new Float64Array(n), groups);
  return {
    graph,
    latest,
    outputs: written.length,
    versions,
    componentIndex,
    runsOf,
    groups,
    aggregating,
    totals,
  };
}
