/**
 * The facets pipetrace writes, and how it tells its own facets from everyone else's.
 *
 * Custom facets follow the spec's rule for custom facets: a producer prefix (`pipetrace_`),
 * `_producer` and a `_schemaURL` pointing at their schema:
 * - `pipetrace_run` (run facet): the pipetrace run id, status, error name, code version,
 *   params, metrics and notes, so an import gives back the same run.
 * - `pipetrace_rowLineage` (output dataset facet): per input, counts and digest of the row
 *   lineage the run recorded for this output.
 * - `pipetrace_pointer` (dataset facet): the pointer name, only where the naming conventions
 *   cannot give it back exactly (see naming.ts).
 */
import type { JsonValue } from '../model.js';
import { FACETS_URL, type Facet, type Facets, PIPETRACE_FACETS_URL, PIPETRACE_PRODUCER } from './types.js';

/** The run param under which ingest keeps facets pipetrace has no field for. */
export const KEPT_FACETS_PARAM = 'openlineage.facets';

/** Standard facet schema versions (from spec/facets/*.json). */
const STANDARD: Record<string, string> = {
  nominalTime: '1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet',
  errorMessage: '1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  parent: '1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
  tags: '1-0-0/TagsRunFacet.json#/$defs/TagsRunFacet',
  jobTags: '1-0-0/TagsJobFacet.json#/$defs/TagsJobFacet',
  documentation: '1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet',
  ownership: '1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet',
  sourceCode: '1-0-1/SourceCodeJobFacet.json#/$defs/SourceCodeJobFacet',
  sourceCodeLocation: '1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet',
  jobType: '2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  dataQualityAssertions: '1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
};

/** A standard facet made by `producer`; `kind` is its key in STANDARD. */
export function standardFacet(kind: keyof typeof STANDARD, producer: string, fields: Record<string, unknown>): Facet {
  return { _producer: producer, _schemaURL: `${FACETS_URL}/${STANDARD[kind]}`, ...fields };
}

export type CustomFacetName = 'pipetrace_run' | 'pipetrace_rowLineage' | 'pipetrace_pointer';

const CUSTOM_DEFS: Record<CustomFacetName, string> = {
  pipetrace_run: 'PipetraceRunFacet',
  pipetrace_rowLineage: 'PipetraceRowLineageOutputDatasetFacet',
  pipetrace_pointer: 'PipetracePointerDatasetFacet',
};

export function customFacet(name: CustomFacetName, producer: string, fields: Record<string, unknown>): Facet {
  return { _producer: producer, _schemaURL: `${PIPETRACE_FACETS_URL}#/$defs/${CUSTOM_DEFS[name]}`, ...fields };
}

/** True when pipetrace (any version) made the facet or event. */
export function isPipetraceProducer(producer: unknown): boolean {
  return (
    typeof producer === 'string' &&
    producer.startsWith(PIPETRACE_PRODUCER.slice(0, PIPETRACE_PRODUCER.indexOf('/tree/')))
  );
}

/**
 * Facets that pipetrace derives from its own model on export. When pipetrace made them they
 * are read back into the model on ingest, not kept; made by anyone else they are kept.
 */
const DERIVED_RUN = new Set(['nominalTime', 'errorMessage', 'tags', 'pipetrace_run']);
const DERIVED_JOB = new Set(['documentation', 'ownership', 'tags', 'sourceCode', 'sourceCodeLocation', 'jobType']);
const DERIVED_DATASET = new Set(['pipetrace_pointer']);
const DERIVED_INPUT = new Set(['dataQualityAssertions']);

export type FacetPlace = 'run' | 'job' | 'dataset' | 'inputDataset';

export function isDerived(place: FacetPlace, name: string, facet: Facet): boolean {
  const set =
    place === 'run'
      ? DERIVED_RUN
      : place === 'job'
        ? DERIVED_JOB
        : place === 'dataset'
          ? DERIVED_DATASET
          : DERIVED_INPUT;
  return set.has(name) && isPipetraceProducer(facet._producer);
}

/** The facets of `facets` that are not derived from the model. */
export function keptFacets(place: FacetPlace, facets: Facets | undefined): Facets | undefined {
  if (facets === undefined) return undefined;
  let out: Facets | undefined;
  for (const name of Object.keys(facets)) {
    const facet = facets[name]!;
    if (isDerived(place, name, facet)) continue;
    out ??= {};
    out[name] = facet;
  }
  return out;
}

/**
 * Facets ingest kept for one run, under KEPT_FACETS_PARAM: run and job facets, and per
 * pointer the dataset, input and output facets. `blob` names a blob holding them instead
 * when they were too large or deep for run params.
 */
export interface KeptFacets {
  run?: Facets;
  job?: Facets;
  inputs?: Record<string, { facets?: Facets; inputFacets?: Facets }>;
  outputs?: Record<string, { facets?: Facets; outputFacets?: Facets }>;
  blob?: string;
}

export function keptFacetsOf(params: Record<string, JsonValue>): KeptFacets | undefined {
  const kept = params[KEPT_FACETS_PARAM];
  return kept !== null && typeof kept === 'object' && !Array.isArray(kept)
    ? (kept as unknown as KeptFacets)
    : undefined;
}
