/**
 * Folding the events of one OpenLineage run into one pipetrace run. Events apply in time
 * order (ties in the order received): facets accumulate and a later facet of the same name
 * replaces an earlier one; datasets accumulate; the latest terminal event (COMPLETE, FAIL,
 * ABORT) decides the status. START sets the start time; without one, the first event does.
 */
import { invalid } from '../errors.js';
import type { CheckResult, CodeVersion, JsonValue, Note } from '../model.js';
import type { RunInput } from '../run-input.js';
import { describe, isPlainObject } from '../validate.js';
import { checksFromAssertions } from './assertions.js';
import { parseEventTime } from './check-event.js';
import { isDerived, type KeptFacets, keptFacets } from './facets.js';
import { datasetToPointer, jobToComponent } from './naming.js';
import type { EventType, Facets, NamingOptions, OLDataset, RunEvent } from './types.js';

type DatasetState = { namespace: string; name: string; facets?: Facets; extra?: Facets };

/** The accumulated state of one run's events. */
export interface FoldedRun {
  /** The OpenLineage runId (lower case). */
  runId: string;
  job: { namespace: string; name: string; facets?: Facets };
  facets: Facets;
  inputs: Map<string, DatasetState>;
  outputs: Map<string, DatasetState>;
  startedAt?: number;
  firstAt: number;
  lastAt: number;
  terminal?: { type: Extract<EventType, 'COMPLETE' | 'FAIL' | 'ABORT'>; at: number };
}

const mergeFacets = (a: Facets | undefined, b: Facets | undefined): Facets | undefined =>
  b === undefined ? a : a === undefined ? { ...b } : { ...a, ...b };

function addDatasets(into: Map<string, DatasetState>, list: OLDataset[] | undefined, extraKey: string): void {
  for (const d of list ?? []) {
    // Two pointers may share a dataset name (`/x` and `file:///x`): pipetrace's own facet keeps them apart.
    const own = d.facets?.pipetrace_pointer?.pointer;
    const key = typeof own === 'string' ? `\u0001${own}` : `${d.namespace}\u0000${d.name}`;
    const old = into.get(key) ?? { namespace: d.namespace, name: d.name };
    const extra = (d as unknown as Record<string, Facets | undefined>)[extraKey];
    const next: DatasetState = { namespace: d.namespace, name: d.name };
    const f = mergeFacets(old.facets, d.facets);
    if (f !== undefined) next.facets = f;
    const x = mergeFacets(old.extra, extra);
    if (x !== undefined) next.extra = x;
    into.set(key, next);
  }
}

/** Folds events that share a runId, in time order; `times` are their parsed eventTimes. */
export function foldRun(events: readonly RunEvent[], times: readonly number[]): FoldedRun {
  const order = events.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const first = events[order[0]!]!;
  const state: FoldedRun = {
    runId: first.run.runId.toLowerCase(),
    job: { namespace: first.job.namespace, name: first.job.name },
    facets: {},
    inputs: new Map(),
    outputs: new Map(),
    firstAt: times[order[0]!]!,
    lastAt: times[order[order.length - 1]!]!,
  };
  for (const i of order) {
    const e = events[i]!;
    const at = times[i]!;
    const jobFacets = mergeFacets(state.job.facets, e.job.facets);
    state.job = { namespace: e.job.namespace, name: e.job.name };
    if (jobFacets !== undefined) state.job.facets = jobFacets;
    state.facets = mergeFacets(state.facets, e.run.facets)!;
    addDatasets(state.inputs, e.inputs, 'inputFacets');
    addDatasets(state.outputs, e.outputs, 'outputFacets');
    const type = e.eventType ?? 'OTHER';
    if (type === 'START' && state.startedAt === undefined) state.startedAt = at;
    if (type === 'COMPLETE' || type === 'FAIL' || type === 'ABORT') state.terminal = { type, at };
  }
  return state;
}

/** How a run that never received a terminal event is treated. */
export type PendingPolicy = 'keep' | 'fail';

export const INCOMPLETE_ERROR = {
  name: 'Incomplete',
  message: 'no terminal OpenLineage event (COMPLETE, FAIL or ABORT) was received for this run',
};

function datasetPointer(d: DatasetState, options: NamingOptions): string {
  const own = d.facets?.pipetrace_pointer?.pointer;
  return typeof own === 'string' ? own : datasetToPointer(d, options);
}

function asRecord(field: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  return value;
}

/**
 * The RunInput for a folded run (undefined when it has no terminal event and the policy is
 * 'keep'), and the facets to keep. `field` prefixes error paths.
 */
export function foldedToRunInput(
  state: FoldedRun,
  options: NamingOptions & { pending?: PendingPolicy },
  field: string,
): { input: RunInput; kept: KeptFacets | undefined } | undefined {
  const terminal = state.terminal;
  if (terminal === undefined && (options.pending ?? 'keep') === 'keep') return undefined;
  const own = asRecord(`${field}.run.facets.pipetrace_run`, state.facets.pipetrace_run);
  const startedAt = state.startedAt ?? state.firstAt;
  const endedAt = Math.max(startedAt, terminal?.at ?? state.lastAt);
  const input: RunInput = {
    id: typeof own?.id === 'string' ? own.id : state.runId,
    component: jobToComponent(state.job, options),
    startedAt,
    endedAt,
    status: terminal?.type === 'COMPLETE' ? 'succeeded' : 'failed',
    inputs: [...state.inputs.values()].map((d) => datasetPointer(d, options)),
    outputs: [...state.outputs.values()].map((d) => datasetPointer(d, options)),
  };
  if (terminal === undefined) input.error = { ...INCOMPLETE_ERROR };
  else if (terminal.type === 'ABORT')
    input.error = { name: 'Aborted', message: 'the run was aborted (OpenLineage ABORT event)' };
  else if (terminal.type === 'FAIL') {
    const facet = asRecord(`${field}.run.facets.errorMessage`, state.facets.errorMessage);
    const ownError = asRecord(`${field}.run.facets.pipetrace_run.error`, own?.error);
    const error: { name: string; message: string; stack?: string } = {
      name: typeof ownError?.name === 'string' ? ownError.name : 'Error',
      message:
        typeof facet?.message === 'string'
          ? facet.message
          : typeof ownError?.message === 'string'
            ? ownError.message
            : 'failed',
    };
    const stack = facet?.stackTrace ?? ownError?.stack;
    if (typeof stack === 'string') error.stack = stack;
    input.error = error;
  }
  if (own !== undefined) {
    if (own.params !== undefined)
      input.params = asRecord(`${field}.run.facets.pipetrace_run.params`, own.params) as Record<string, JsonValue>;
    if (own.metrics !== undefined)
      input.metrics = asRecord(`${field}.run.facets.pipetrace_run.metrics`, own.metrics) as Record<string, number>;
    if (own.code !== undefined)
      input.code = asRecord(`${field}.run.facets.pipetrace_run.code`, own.code) as CodeVersion;
    if (own.notes !== undefined) {
      if (!Array.isArray(own.notes)) throw invalid(`${field}.run.facets.pipetrace_run.notes`, 'must be an array');
      input.notes = own.notes as Note[];
    }
  }
  if (own?.checks !== undefined) input.checks = own.checks as CheckResult[];
  else {
    // Other producers' assertions (dbt tests): checks of the run's inputs.
    const checks = [...state.inputs.values()].flatMap((d) => {
      const facet = d.extra?.dataQualityAssertions;
      return facet === undefined || isDerived('inputDataset', 'dataQualityAssertions', facet)
        ? []
        : checksFromAssertions(facet, datasetPointer(d, options));
    });
    if (checks.length > 0) input.checks = checks;
  }
  const source = state.job.facets?.sourceCode;
  if (source !== undefined && isDerived('job', 'sourceCode', source) && typeof source.sourceCode === 'string') {
    input.snapshot = source.sourceCode;
  }
  return { input, kept: keptOf(state, options) };
}

function keptOf(state: FoldedRun, options: NamingOptions): KeptFacets | undefined {
  const kept: KeptFacets = {};
  const run = keptFacets('run', state.facets);
  if (run !== undefined) kept.run = run;
  const job = keptFacets('job', state.job.facets);
  if (job !== undefined) kept.job = job;
  for (const [side, map] of [['inputs', state.inputs] as const, ['outputs', state.outputs] as const]) {
    for (const d of map.values()) {
      const facets = keptFacets('dataset', d.facets);
      const extra = side === 'inputs' ? keptFacets('inputDataset', d.extra) : d.extra;
      if (facets === undefined && extra === undefined) continue;
      const entry: Record<string, Facets> = {};
      if (facets !== undefined) entry.facets = facets;
      if (extra !== undefined) entry[side === 'inputs' ? 'inputFacets' : 'outputFacets'] = extra;
      const target = (kept[side] ??= {}) as Record<string, Record<string, Facets>>;
      target[datasetPointer(d, options)] = entry;
    }
  }
  return Object.keys(kept).length === 0 ? undefined : kept;
}

export { parseEventTime };
