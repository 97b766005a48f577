import type { Component, JsonValue, Run } from '../model.js';
import { assertionsFacet } from './assertions.js';
import { customFacet, KEPT_FACETS_PARAM, type KeptFacets, keptFacetsOf, standardFacet } from './facets.js';
import { componentToJob, pointerToDataset } from './naming.js';
import { validFacets } from './schema.js';
import {
  type Facets,
  type NamingOptions,
  type OLInputDataset,
  type OLOutputDataset,
  PIPETRACE_PRODUCER,
  type RowLineageSummary,
  RUN_EVENT_SCHEMA_URL,
  type RunEvent,
} from './types.js';
import { runIdToUuid } from './uuid.js';

/** How runs become OpenLineage events. Ingest must be given the same naming options. */
export interface ExportOptions extends NamingOptions {
  /** The `producer` URI of events and facets. Default: pipetrace's. */
  producer?: string;
  /** A parent run for every exported run (e.g. the pipeline run or DAG run that spawned them). */
  parent?: { runId: string; job: { namespace: string; name: string } };
  /**
   * The repository the code lives in. With it, runs that carry a git commit get a
   * `sourceCodeLocation` job facet (the spec requires a URL); without it the commit travels
   * in the `tags` run facet (`git.commit`, `git.branch`, `git.dirty`, `git.tag`) only.
   */
  repository?: { url: string; type?: string; path?: string };
  /** The `language` of the `sourceCode` job facet made from run snapshots. Default 'javascript'. */
  snapshotLanguage?: string;
}

/** What runToEvents needs beyond the run itself. */
export interface RunContext {
  /** The run's component record (description, owner and tags become job facets). */
  component?: Component;
  /** Row lineage summaries of this run, one per (output, input) pair. */
  rowLineage?: readonly RowLineageSummary[];
  /** Kept facets when the run's params point to a blob (see KeptFacets.blob), already loaded. */
  kept?: KeptFacets;
}

const iso = (ms: number) => new Date(ms).toISOString();

function runFacets(run: Run, terminal: boolean, producer: string, options: ExportOptions): Facets {
  const facets: Facets = {};
  facets.nominalTime = standardFacet(
    'nominalTime',
    producer,
    terminal
      ? { nominalStartTime: iso(run.startedAt), nominalEndTime: iso(run.endedAt) }
      : { nominalStartTime: iso(run.startedAt) },
  );
  if (options.parent !== undefined) {
    facets.parent = standardFacet('parent', producer, {
      run: { runId: options.parent.runId },
      job: { namespace: options.parent.job.namespace, name: options.parent.job.name },
    });
  }
  const code = run.code;
  if (code !== undefined) {
    const tags: { key: string; value: string; source: string }[] = [];
    if (code.commit !== undefined) tags.push({ key: 'git.commit', value: code.commit, source: 'pipetrace' });
    if (code.branch !== undefined) tags.push({ key: 'git.branch', value: code.branch, source: 'pipetrace' });
    if (code.dirty !== undefined) tags.push({ key: 'git.dirty', value: String(code.dirty), source: 'pipetrace' });
    for (const tag of code.tags ?? []) tags.push({ key: 'git.tag', value: tag, source: 'pipetrace' });
    if (tags.length > 0) facets.tags = standardFacet('tags', producer, { tags });
  }
  if (terminal && run.status === 'failed') {
    const error = run.error ?? { name: 'Error', message: 'failed' };
    facets.errorMessage = standardFacet('errorMessage', producer, {
      message: error.message,
      programmingLanguage: 'JavaScript',
      ...(error.stack === undefined ? {} : { stackTrace: error.stack }),
    });
  }
  const params: Record<string, JsonValue> = {};
  for (const key of Object.keys(run.params)) if (key !== KEPT_FACETS_PARAM) params[key] = run.params[key]!;
  facets.pipetrace_run = customFacet(
    'pipetrace_run',
    producer,
    terminal
      ? {
          id: run.id,
          status: run.status,
          ...(run.error === undefined ? {} : { error: { ...run.error } }),
          ...(run.code === undefined ? {} : { code: { ...run.code } }),
          params,
          metrics: { ...run.metrics },
          notes: run.notes.map((n) => ({ at: iso(n.at), text: n.text })),
          ...(run.checks === undefined ? {} : { checks: run.checks.map((c) => ({ ...c })) }),
        }
      : { id: run.id },
  );
  return facets;
}

function jobFacets(run: Run, context: RunContext, producer: string, options: ExportOptions): Facets {
  const facets: Facets = {
    jobType: standardFacet('jobType', producer, { processingType: 'BATCH', integration: 'PIPETRACE', jobType: 'TASK' }),
  };
  const component = context.component;
  if (component !== undefined) {
    if (component.description !== '')
      facets.documentation = standardFacet('documentation', producer, { description: component.description });
    if (component.owner !== '')
      facets.ownership = standardFacet('ownership', producer, { owners: [{ name: component.owner }] });
    if (component.tags.length > 0) {
      facets.tags = standardFacet('jobTags', producer, {
        tags: component.tags.map((tag) => ({ key: tag, value: 'true', source: 'pipetrace' })),
      });
    }
  }
  if (run.snapshot !== undefined) {
    facets.sourceCode = standardFacet('sourceCode', producer, {
      language: options.snapshotLanguage ?? 'javascript',
      sourceCode: run.snapshot,
    });
  }
  const commit = run.code?.commit;
  if (options.repository !== undefined && commit !== undefined) {
    const repo = options.repository;
    facets.sourceCodeLocation = standardFacet('sourceCodeLocation', producer, {
      type: repo.type ?? 'git',
      url: repo.url,
      repoUrl: repo.url,
      version: commit,
      ...(repo.path === undefined ? {} : { path: repo.path }),
      ...(run.code?.branch === undefined ? {} : { branch: run.code.branch }),
      ...(run.code?.tags?.[0] === undefined ? {} : { tag: run.code.tags[0] }),
    });
  }
  return facets;
}

function dataset(
  pointer: string,
  producer: string,
  options: ExportOptions,
): { namespace: string; name: string; facets?: Facets } {
  const named = pointerToDataset(pointer, options);
  if (named.exact) return { namespace: named.namespace, name: named.name };
  return {
    namespace: named.namespace,
    name: named.name,
    facets: { pipetrace_pointer: customFacet('pipetrace_pointer', producer, { pointer }) },
  };
}

const merge = (a: Facets | undefined, b: Facets | undefined): Facets | undefined =>
  a === undefined ? b : b === undefined ? a : { ...a, ...b };

function withFacets<T extends object>(target: T, key: string, facets: Facets | undefined): T {
  if (facets !== undefined && Object.keys(facets).length > 0) (target as Record<string, unknown>)[key] = facets;
  return target;
}

function withoutKey(facets: Facets | undefined, key: string): Facets | undefined {
  if (facets === undefined || !(key in facets)) return facets;
  const { [key]: _, ...rest } = facets;
  return rest;
}

type DatasetKept = { facets?: Facets; inputFacets?: Facets; outputFacets?: Facets };

function validDatasets<T extends DatasetKept>(
  side: Record<string, T> | undefined,
  extra: 'inputFacets' | 'outputFacets',
): Record<string, T> | undefined {
  if (side === undefined) return undefined;
  const out: Record<string, T> = {};
  for (const [pointer, d] of Object.entries(side)) {
    const kept = { ...d } as T;
    const facets = validFacets('dataset', d.facets);
    const more = validFacets(extra === 'inputFacets' ? 'inputDataset' : 'outputDataset', d[extra]);
    if (facets === undefined) delete kept.facets;
    else kept.facets = facets;
    if (more === undefined) delete kept[extra];
    else kept[extra] = more;
    out[pointer] = kept;
  }
  return out;
}

/** The kept facets that satisfy their schemas (those stored before ingest checked them may not). */
function validKept(kept: KeptFacets | undefined): KeptFacets | undefined {
  if (kept === undefined) return undefined;
  const out: KeptFacets = { ...kept };
  const run = validFacets('run', kept.run);
  const job = validFacets('job', kept.job);
  const inputs = validDatasets(kept.inputs, 'inputFacets');
  const outputs = validDatasets(kept.outputs, 'outputFacets');
  if (run === undefined) delete out.run;
  else out.run = run;
  if (job === undefined) delete out.job;
  else out.job = job;
  if (inputs === undefined) delete out.inputs;
  else out.inputs = inputs;
  if (outputs === undefined) delete out.outputs;
  else out.outputs = outputs;
  return out;
}

/**
 * The OpenLineage RunEvents of one finished run: START at its start time, then COMPLETE (or
 * FAIL, with an `errorMessage` facet) at its end. Facets ingest kept from other producers are
 * sent again unchanged when they satisfy their schemas, so pipetrace passes through what it
 * does not understand and never emits an invalid event; an `errorMessage` goes on the end only.
 */
export function runToEvents(run: Run, context: RunContext = {}, options: ExportOptions = {}): [RunEvent, RunEvent] {
  const producer = options.producer ?? PIPETRACE_PRODUCER;
  // Facets kept from other producers go out again only when they satisfy their schemas.
  const kept = validKept(context.kept ?? keptFacetsOf(run.params));
  const runId = runIdToUuid(run.id);
  const job = componentToJob(run.component, options);
  const jobFacetMap = merge(jobFacets(run, context, producer, options), kept?.job);
  const lineageByOutput = new Map<string, Record<string, unknown>[]>();
  for (const summary of context.rowLineage ?? []) {
    const input = pointerToDataset(summary.input, options);
    let list = lineageByOutput.get(summary.output);
    if (list === undefined) lineageByOutput.set(summary.output, (list = []));
    list.push({
      namespace: input.namespace,
      name: input.name,
      kind: summary.kind,
      rows: summary.rows,
      bytes: summary.bytes,
      digest: summary.digest,
    });
  }
  const inputs = (terminal: boolean): OLInputDataset[] =>
    run.inputs.map((p) => {
      const d = dataset(p, producer, options);
      const k = kept?.inputs?.[p];
      // Check results are news of the terminal event, like the rest of how the run went.
      const checks = terminal && run.checks !== undefined ? assertionsFacet(run.checks, p, producer) : undefined;
      return withFacets(
        withFacets({ namespace: d.namespace, name: d.name }, 'facets', merge(d.facets, k?.facets)),
        'inputFacets',
        merge(checks, k?.inputFacets),
      );
    });
  const outputs = (terminal: boolean): OLOutputDataset[] =>
    run.outputs.map((p) => {
      const d = dataset(p, producer, options);
      const k = kept?.outputs?.[p];
      const rows = terminal ? lineageByOutput.get(p) : undefined;
      const own: Facets | undefined =
        rows === undefined
          ? undefined
          : { pipetrace_rowLineage: customFacet('pipetrace_rowLineage', producer, { inputs: rows }) };
      return withFacets(
        withFacets({ namespace: d.namespace, name: d.name }, 'facets', merge(d.facets, k?.facets)),
        'outputFacets',
        merge(own, k?.outputFacets),
      );
    });
  // How the run ended is news of the terminal event only.
  const keptAtStart = withoutKey(kept?.run, 'errorMessage');
  const event = (terminal: boolean): RunEvent => ({
    eventType: terminal ? (run.status === 'failed' ? 'FAIL' : 'COMPLETE') : 'START',
    eventTime: iso(terminal ? run.endedAt : run.startedAt),
    producer,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId, facets: merge(runFacets(run, terminal, producer, options), terminal ? kept?.run : keptAtStart)! },
    job: withFacets({ namespace: job.namespace, name: job.name }, 'facets', jobFacetMap),
    inputs: inputs(terminal),
    outputs: outputs(terminal),
  });
  return [event(false), event(true)];
}
