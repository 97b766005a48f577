/**
 * Ingest: OpenLineage events into pipetrace runs, components and pointers.
 *
 * - RunEvents are grouped by runId and folded (fold.ts) into one run each. Events may arrive
 *   over several calls: a run without a terminal event yet is **pending**, its events kept in
 *   the blob `openlineage/pending/<runId>` until COMPLETE, FAIL or ABORT arrives (or, with
 *   `pending: 'fail'`, it is logged at once as a failed run with an `Incomplete` error).
 *   Events for a run already stored (an OTHER after COMPLETE) fold into it and replace it.
 * - Jobs become components (documentation, ownership and tags facets fill description, owner
 *   and tags); datasets become pointers (naming.ts).
 * - Facets pipetrace has no field for are kept verbatim in the run param `openlineage.facets`
 *   (or, when too large or deep for params, in the blob `openlineage/facets/<runId>`), and
 *   exported again. JobEvent and DatasetEvent facets are kept in the blobs
 *   `openlineage/jobs/<hash>` and `openlineage/datasets/<hash>`.
 * - Dependencies are never taken from events: the runs are logged in time order in one
 *   `logRuns` call, which infers them.
 *
 * Every event is checked before anything is written, against its structure and the OpenLineage
 * JSON Schemas (schema.ts): a malformed event throws invalid_input naming the path of the first
 * error (`events[2].run.facets.errorMessage.stackTrace: must be string`) and nothing of the
 * batch is applied. `validation: 'lenient'` drops invalid facets instead and reports each.
 */
import { invalid, PipetraceError } from '../errors.js';
import type { Component, JsonValue, Run } from '../model.js';
import { type RunInput, runFromInput } from '../run-input.js';
import type { BlobRecord, Store } from '../store.js';
import { checkIdentifier, checkNameList, checkText } from '../validate.js';
import { checkEvent, isJobEvent, isRunEvent, parseEventTime } from './check-event.js';
import { runToEvents } from './export.js';
import { KEPT_FACETS_PARAM, type KeptFacets, keptFacetsOf, keptFacets as keptOfPlace } from './facets.js';
import { type FoldedRun, foldedToRunInput, foldRun, type PendingPolicy } from './fold.js';
import { datasetToPointer, jobToComponent } from './naming.js';
import { checkEventSchema, type DroppedFacet, type ValidationMode } from './schema.js';
import type { DatasetEvent, Facets, JobEvent, LineageEvent, NamingOptions, RunEvent } from './types.js';
import { runIdToUuid } from './uuid.js';

/** What ingest needs of a Pipetrace: its store and `logRuns`. */
export interface IngestTarget {
  readonly store: Store;
  logRuns(inputs: RunInput[]): Promise<Run[]>;
}

export interface IngestOptions extends NamingOptions {
  /** Runs without a terminal event: 'keep' them pending (default) or log them as failed now. */
  pending?: PendingPolicy;
  /** The clock for component timestamps. Default Date.now. */
  now?: () => number;
  /**
   * 'strict' (default): an event or facet that fails its JSON Schema rejects the batch, naming
   * the path of the first error. 'lenient': invalid facets are dropped, each reported in
   * `result.dropped`; an event invalid without them still rejects the batch.
   */
  validation?: ValidationMode;
}

export interface IngestResult {
  /** Events accepted. */
  events: number;
  /** Runs logged (new or replaced), in time order. */
  runs: Run[];
  /** OpenLineage runIds still waiting for a terminal event. */
  pending: string[];
  /** Components of the runs and jobs ingested, sorted. */
  components: string[];
  /** DatasetEvents whose facets were kept. */
  datasets: number;
  /** Facets lenient validation dropped, with why (always empty in strict mode). */
  dropped: DroppedFacet[];
}

export const PENDING_PREFIX = 'openlineage/pending/';
export const FACETS_PREFIX = 'openlineage/facets/';
const JOBS_PREFIX = 'openlineage/jobs/';
/** Events a pending run may hold before its terminal event. */
export const MAX_PENDING_EVENTS = 10_000;
const DATASETS_PREFIX = 'openlineage/datasets/';
// Kept facets go to a blob beyond these, so run params stay within their limits.
const MAX_KEPT_PARAM_CHARS = 128 * 1024;
const MAX_KEPT_PARAM_DEPTH = 24;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const toBytes = (value: unknown) => encoder.encode(JSON.stringify(value));
const EMPTY = new Uint8Array(0);

// One ingest at a time per store, so a START and its COMPLETE arriving together fold correctly.
const queues = new WeakMap<Store, Promise<unknown>>();

function serialize<T>(store: Store, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(store) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const v of Object.values(value)) max = Math.max(max, depthOf(v, depth + 1));
  return max;
}

/**
 * Checks events (one event object, or an array of them): their structure, then their JSON
 * Schemas (see schema.ts); lenient validation drops invalid facets and tells `dropped`.
 */
export function checkEvents(
  events: unknown,
  options: { validation?: ValidationMode; dropped?: (facet: DroppedFacet) => void } = {},
): LineageEvent[] {
  const list = Array.isArray(events) ? events : [events];
  if (list.length > 100_000) throw invalid('events', `has ${list.length} events; the limit is 100000`);
  const mode = options.validation ?? 'strict';
  if (mode !== 'strict' && mode !== 'lenient') throw invalid('validation', "must be 'strict' or 'lenient'");
  const dropped = options.dropped ?? (() => {});
  return list.map((e, i) => {
    const event = checkEvent(`events[${i}]`, e);
    checkEventSchema(`events[${i}]`, event, mode, dropped);
    return event;
  });
}

interface ComponentUpdate {
  description?: string;
  owner?: string;
  tags?: string[];
  at: number;
}

function componentUpdate(field: string, facets: Facets | undefined, at: number): ComponentUpdate | undefined {
  if (facets === undefined) return undefined;
  const update: ComponentUpdate = { at };
  const doc = facets.documentation;
  if (doc !== undefined && typeof doc.description === 'string') {
    update.description = checkText(`${field}.facets.documentation.description`, doc.description, 4096);
  }
  const owners = facets.ownership?.owners;
  if (Array.isArray(owners) && typeof owners[0]?.name === 'string') {
    update.owner = checkText(`${field}.facets.ownership.owners[0].name`, owners[0].name, 256);
  }
  const tags = facets.tags?.tags;
  if (Array.isArray(tags)) {
    const names = tags.map((t: unknown, i) => {
      const tag = t as { key?: unknown; value?: unknown };
      if (typeof tag?.key !== 'string') throw invalid(`${field}.facets.tags.tags[${i}].key`, 'must be a string');
      return tag.value === 'true' || tag.value === '' || tag.value === undefined
        ? tag.key
        : `${tag.key}:${String(tag.value)}`;
    });
    update.tags = checkNameList(`${field}.facets.tags`, names, checkIdentifier);
  }
  return update.description === undefined && update.owner === undefined && update.tags === undefined
    ? undefined
    : update;
}

/**
 * Ingests OpenLineage events (one event or an array; RunEvents, JobEvents and DatasetEvents)
 * into pipetrace. See the module comment for how events become runs.
 */
export async function ingestEvents(
  target: IngestTarget,
  events: unknown,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const dropped: DroppedFacet[] = [];
  const checked = checkEvents(events, { validation: options.validation ?? 'strict', dropped: (d) => dropped.push(d) });
  const result = await serialize(target.store, () => apply(target, checked, options));
  result.dropped = dropped;
  return result;
}

async function apply(target: IngestTarget, events: LineageEvent[], options: IngestOptions): Promise<IngestResult> {
  const store = target.store;
  const now = options.now ?? Date.now;
  const result: IngestResult = {
    events: events.length,
    runs: [],
    pending: [],
    components: [],
    datasets: 0,
    dropped: [],
  };

  // Group run events by runId; collect job and dataset events.
  const groups = new Map<string, { events: RunEvent[]; times: number[]; indexes: number[] }>();
  const jobEvents: { event: JobEvent; index: number; at: number }[] = [];
  const datasetEvents: { event: DatasetEvent; at: number }[] = [];
  events.forEach((event, index) => {
    const at = parseEventTime(`events[${index}].eventTime`, event.eventTime);
    if (isRunEvent(event)) {
      const runId = event.run.runId.toLowerCase();
      let group = groups.get(runId);
      if (group === undefined) groups.set(runId, (group = { events: [], times: [], indexes: [] }));
      group.events.push(event);
      group.times.push(at);
      group.indexes.push(index);
    } else if (isJobEvent(event)) jobEvents.push({ event, index, at });
    else datasetEvents.push({ event: event as DatasetEvent, at });
  });

  // What the store already holds for these runs: pending events and stored runs.
  const runIds = [...groups.keys()];
  const pendingBlobs = await store.getBlobs(runIds.map((id) => PENDING_PREFIX + id));
  const ownIds = runIds.map((runId) => {
    for (const e of groups.get(runId)!.events) {
      const id = e.run.facets?.pipetrace_run?.id;
      if (typeof id === 'string') return id;
    }
    return runId;
  });
  const stored = await store.getRuns(ownIds);
  const storedBlobKeys = stored.map((run) => (run === undefined ? undefined : keptFacetsOf(run.params)?.blob));
  const wantedKeys = storedBlobKeys.filter((k): k is string => typeof k === 'string');
  const storedBlobData = wantedKeys.length === 0 ? [] : await store.getBlobs(wantedKeys);
  const storedKept = new Map<string, KeptFacets>();
  wantedKeys.forEach((key, i) => {
    const bytes = storedBlobData[i];
    if (bytes !== undefined && bytes.length > 0) storedKept.set(key, JSON.parse(decoder.decode(bytes)) as KeptFacets);
  });

  const inputs: { input: RunInput; kept: KeptFacets | undefined; field: string; runId: string }[] = [];
  const blobs: BlobRecord[] = [];
  const pendingWrites: BlobRecord[] = [];
  const finished: string[] = [];
  const componentUpdates = new Map<string, ComponentUpdate>();
  const touched = new Set<string>();
  const noteComponent = (name: string, update: ComponentUpdate | undefined) => {
    if (update === undefined) return;
    const old = componentUpdates.get(name);
    if (old === undefined || old.at <= update.at) componentUpdates.set(name, { ...old, ...update });
  };

  for (let g = 0; g < runIds.length; g++) {
    const runId = runIds[g]!;
    const group = groups.get(runId)!;
    const field = `events[${group.indexes[group.indexes.length - 1]}]`;
    const prior: RunEvent[] = [];
    const priorTimes: number[] = [];
    const pendingData = pendingBlobs[g];
    if (pendingData !== undefined && pendingData.length > 0) {
      for (const e of JSON.parse(decoder.decode(pendingData)) as RunEvent[]) {
        prior.push(e);
        priorTimes.push(parseEventTime('pending event', e.eventTime));
      }
    }
    const existing = stored[g];
    if (existing !== undefined) {
      const blobKey = storedBlobKeys[g];
      const keptStored = blobKey === undefined ? undefined : storedKept.get(blobKey);
      for (const e of runToEvents(existing, keptStored === undefined ? {} : { kept: keptStored }, options)) {
        prior.push(e);
        priorTimes.push(parseEventTime('stored run', e.eventTime));
      }
    }
    const all = [...prior, ...group.events];
    const folded: FoldedRun = foldRun(all, [...priorTimes, ...group.times]);
    const made = foldedToRunInput(folded, options, field);
    if (made === undefined) {
      const waiting = [...(existing === undefined ? prior : []), ...group.events];
      if (waiting.length > MAX_PENDING_EVENTS) {
        throw new PipetraceError(
          'too_large',
          `${field}: run ${runId} has ${waiting.length} events and no terminal event; the limit is ${MAX_PENDING_EVENTS}`,
          { field },
        );
      }
      pendingWrites.push({ key: PENDING_PREFIX + runId, data: toBytes(waiting) });
      result.pending.push(runId);
      continue;
    }
    if (pendingData !== undefined && pendingData.length > 0) finished.push(PENDING_PREFIX + runId);
    inputs.push({ input: made.input, kept: made.kept, field, runId });
    touched.add(made.input.component);
    noteComponent(made.input.component, componentUpdate(`${field}.job`, folded.job.facets, folded.lastAt));
  }

  // Kept facets: in params when small, else in a blob the param points to.
  for (const item of inputs) {
    if (item.kept === undefined) continue;
    const text = JSON.stringify(item.kept);
    if (text.length <= MAX_KEPT_PARAM_CHARS && depthOf(item.kept) <= MAX_KEPT_PARAM_DEPTH) {
      item.input.params = { ...item.input.params, [KEPT_FACETS_PARAM]: item.kept as unknown as JsonValue };
    } else {
      const key = FACETS_PREFIX + runIdToUuid(String(item.input.id));
      blobs.push({ key, data: encoder.encode(text) });
      item.input.params = { ...item.input.params, [KEPT_FACETS_PARAM]: { blob: key } };
    }
  }

  // Check every run now, naming the event, so a bad one stops the batch before any write.
  const seen = new Map<string, string>();
  for (const item of inputs) {
    const run = runFromInput(item.input, undefined, `${item.field} (run ${item.runId})`);
    const twice = seen.get(run.id);
    if (twice !== undefined)
      throw invalid(item.field, `runs ${twice} and ${item.runId} both carry the pipetrace run id ${run.id}`);
    seen.set(run.id, item.runId);
  }

  for (const { event, index, at } of jobEvents) {
    const component = jobToComponent(event.job, options);
    checkIdentifier(`events[${index}].job`, component);
    noteComponent(component, componentUpdate(`events[${index}].job`, event.job.facets, at) ?? { at });
    touched.add(component);
    const kept = keptOfPlace('job', event.job.facets);
    const lineage = {
      inputs: (event.inputs ?? []).map((d) => datasetToPointer(d, options)),
      outputs: (event.outputs ?? []).map((d) => datasetToPointer(d, options)),
    };
    blobs.push({
      key: JOBS_PREFIX + runIdToUuid(component),
      data: toBytes({ component, facets: kept ?? {}, ...lineage }),
    });
  }
  for (const { event } of datasetEvents) {
    const pointer = datasetToPointer(event.dataset, options);
    blobs.push({
      key: DATASETS_PREFIX + runIdToUuid(pointer),
      data: toBytes({
        pointer,
        namespace: event.dataset.namespace,
        name: event.dataset.name,
        facets: event.dataset.facets ?? {},
      }),
    });
    result.datasets++;
  }
  for (const name of componentUpdates.keys()) checkIdentifier('component', name);

  // Writes: inert blobs first, then the runs in one logRuns, then components and pending state.
  if (blobs.length > 0) await store.putBlobs(blobs);
  inputs.sort((a, b) => Number(a.input.startedAt) - Number(b.input.startedAt));
  if (inputs.length > 0) result.runs = await target.logRuns(inputs.map((i) => i.input));
  if (componentUpdates.size > 0) {
    const names = [...componentUpdates.keys()];
    const found = await store.getComponents(names);
    const t = now();
    const records: Component[] = names.map((name, i) => {
      const update = componentUpdates.get(name)!;
      const old = found[i];
      return {
        name,
        description: update.description ?? old?.description ?? '',
        owner: update.owner ?? old?.owner ?? '',
        tags: update.tags ?? old?.tags ?? [],
        createdAt: old?.createdAt ?? t,
        updatedAt: t,
      };
    });
    await store.putComponents(records);
  }
  if (pendingWrites.length > 0) await store.putBlobs(pendingWrites);
  // A finished run's pending events are no longer needed: deleted where the store can, else emptied.
  if (finished.length > 0) {
    if (store.deleteBlobs !== undefined) await store.deleteBlobs(finished);
    else await store.putBlobs(finished.map((key) => ({ key, data: EMPTY })));
  }
  result.components = [...touched].sort();
  return result;
}

/** The OpenLineage runIds waiting for a terminal event, with their events so far. */
export async function pendingRuns(source: { store: Store } | Store): Promise<{ runId: string; events: RunEvent[] }[]> {
  const store = 'putRuns' in source ? source : source.store;
  const keys = await store.listBlobs(PENDING_PREFIX);
  const data = await store.getBlobs(keys);
  const out: { runId: string; events: RunEvent[] }[] = [];
  keys.forEach((key, i) => {
    const bytes = data[i];
    if (bytes !== undefined && bytes.length > 0) {
      out.push({ runId: key.slice(PENDING_PREFIX.length), events: JSON.parse(decoder.decode(bytes)) as RunEvent[] });
    }
  });
  return out;
}
