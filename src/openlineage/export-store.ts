import type { Run } from '../model.js';
import { chunkKeysOf, decodeManifest, manifestKey } from '../rows/format/codec.js';
import type { RunScan, Store } from '../store.js';
import { type ExportOptions, runToEvents } from './export.js';
import { type KeptFacets, keptFacetsOf } from './facets.js';
import type { RowLineageSummary, RunEvent } from './types.js';
import { digest64 } from './uuid.js';

/** What to export from a store, and how. */
export interface ExportEventsOptions extends ExportOptions {
  /** Only runs of this component. */
  component?: string;
  /** Only runs that started at or after this time (epoch ms). */
  since?: number;
  /** Only runs that started before this time (epoch ms). */
  until?: number;
  /** Add the `pipetrace_rowLineage` facet (reads the row-lineage chunks to digest them). Default true. */
  rowLineage?: boolean;
  /** Runs read per store scan. Default 500. */
  pageSize?: number;
}

/** Anything holding a store: a Pipetrace or the store itself. */
export type StoreSource = Store | { store: Store };

export function storeOf(source: StoreSource): Store {
  return 'putRuns' in source ? source : source.store;
}

async function rowLineageOf(store: Store, runs: readonly Run[]): Promise<Map<string, RowLineageSummary[]>> {
  const out = new Map<string, RowLineageSummary[]>();
  const manifests = await store.getBlobs(runs.map((r) => manifestKey(r.id)));
  const wanted: { run: string; output: string; input: string; kind: string; rows: number; keys: string[] }[] = [];
  runs.forEach((run, i) => {
    const manifest = decodeManifest(manifests[i], run.id);
    for (const pair of manifest?.pairs ?? []) {
      const keys = chunkKeysOf(run.id, pair);
      wanted.push({ run: run.id, output: pair.output, input: pair.input, kind: pair.kind, rows: pair.rows, keys });
    }
  });
  if (wanted.length === 0) return out;
  const chunks = await store.getBlobs(wanted.flatMap((w) => w.keys));
  let at = 0;
  for (const w of wanted) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < w.keys.length; i++) {
      const data = chunks[at++];
      if (data !== undefined) parts.push(data);
    }
    let list = out.get(w.run);
    if (list === undefined) out.set(w.run, (list = []));
    list.push({
      output: w.output,
      input: w.input,
      kind: w.kind,
      rows: w.rows,
      bytes: parts.reduce((n, p) => n + p.length, 0),
      digest: digest64(parts),
    });
  }
  return out;
}

async function keptBlobs(store: Store, runs: readonly Run[]): Promise<Map<string, KeptFacets>> {
  const refs = runs
    .map((r) => [r.id, keptFacetsOf(r.params)?.blob] as const)
    .filter(([, key]) => typeof key === 'string');
  const out = new Map<string, KeptFacets>();
  if (refs.length === 0) return out;
  const data = await store.getBlobs(refs.map(([, key]) => key as string));
  const decoder = new TextDecoder();
  refs.forEach(([id], i) => {
    const bytes = data[i];
    if (bytes !== undefined && bytes.length > 0) out.set(id, JSON.parse(decoder.decode(bytes)) as KeptFacets);
  });
  return out;
}

/**
 * The events of the given runs, two per run (START, then COMPLETE or FAIL), reading what they
 * need from the store in a few batch calls: components, row-lineage manifests and chunks, and
 * facets ingest kept in blobs.
 */
export async function runsToEvents(
  source: StoreSource,
  runs: readonly Run[],
  options: ExportEventsOptions = {},
): Promise<RunEvent[]> {
  if (runs.length === 0) return [];
  const store = storeOf(source);
  const names = [...new Set(runs.map((r) => r.component))];
  const [components, rows, kept] = await Promise.all([
    store.getComponents(names),
    options.rowLineage === false ? new Map<string, RowLineageSummary[]>() : rowLineageOf(store, runs),
    keptBlobs(store, runs),
  ]);
  const byName = new Map(names.map((n, i) => [n, components[i]] as const));
  const events: RunEvent[] = [];
  for (const run of runs) {
    const component = byName.get(run.component);
    const keptFacets = kept.get(run.id);
    const rowLineage = rows.get(run.id);
    const pair = runToEvents(
      run,
      {
        ...(component === undefined ? {} : { component }),
        ...(keptFacets === undefined ? {} : { kept: keptFacets }),
        ...(rowLineage === undefined ? {} : { rowLineage }),
      },
      options,
    );
    events.push(pair[0], pair[1]);
  }
  return events;
}

/**
 * Every run in the store (or those the filters select) as OpenLineage events, oldest first,
 * page by page, so a large store streams in bounded memory.
 */
export async function* exportEvents(source: StoreSource, options: ExportEventsOptions = {}): AsyncGenerator<RunEvent> {
  const store = storeOf(source);
  const scan: RunScan = { order: 'asc', limit: options.pageSize ?? 500 };
  if (options.component !== undefined) scan.component = options.component;
  if (options.since !== undefined) scan.since = options.since;
  if (options.until !== undefined) scan.until = options.until;
  for (;;) {
    const page = await store.scanRuns(scan);
    for (const event of await runsToEvents(store, page.runs, options)) yield event;
    if (page.cursor === undefined) return;
    scan.cursor = page.cursor;
  }
}
