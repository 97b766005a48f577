/**
 * OpenLineage event types (spec 2-0-2) as pipetrace reads and writes them. Facets are open
 * records: every facet carries `_producer` and `_schemaURL`, the rest is facet-specific.
 */

export const OPENLINEAGE_SPEC_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
export const RUN_EVENT_SCHEMA_URL = `${OPENLINEAGE_SPEC_URL}#/$defs/RunEvent`;
export const FACETS_URL = 'https://openlineage.io/spec/facets';
/** The `producer` of events and facets pipetrace makes. */
export const PIPETRACE_PRODUCER = 'https://github.com/pipetrace/pipetrace/tree/0.1.0';
/** Where pipetrace's custom facet schemas live (the `_schemaURL` of `pipetrace_*` facets). */
export const PIPETRACE_FACETS_URL = 'https://github.com/pipetrace/pipetrace/blob/main/spec/openlineage-facets.json';

export type EventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
export const EVENT_TYPES: readonly EventType[] = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'];

/** Any facet: the two base fields, then facet-specific fields. */
export interface Facet {
  _producer: string;
  _schemaURL: string;
  [field: string]: unknown;
}

export type Facets = Record<string, Facet>;

export interface OLDataset {
  namespace: string;
  name: string;
  facets?: Facets;
}

export interface OLInputDataset extends OLDataset {
  inputFacets?: Facets;
}

export interface OLOutputDataset extends OLDataset {
  outputFacets?: Facets;
}

export interface OLJob {
  namespace: string;
  name: string;
  facets?: Facets;
}

export interface OLRun {
  /** A UUID. */
  runId: string;
  facets?: Facets;
}

export interface BaseEvent {
  /** ISO 8601 date-time. */
  eventTime: string;
  producer: string;
  schemaURL: string;
}

export interface RunEvent extends BaseEvent {
  eventType?: EventType;
  run: OLRun;
  job: OLJob;
  inputs?: OLInputDataset[];
  outputs?: OLOutputDataset[];
}

export interface JobEvent extends BaseEvent {
  job: OLJob;
  inputs?: OLInputDataset[];
  outputs?: OLOutputDataset[];
}

export interface DatasetEvent extends BaseEvent {
  dataset: OLDataset;
}

export type LineageEvent = RunEvent | JobEvent | DatasetEvent;

/** How pipetrace names jobs and datasets; export and ingest must agree on it. */
export interface NamingOptions {
  /** Job namespace for components. Default 'pipetrace'. */
  jobNamespace?: string;
  /** Dataset namespace for pointers that are neither paths nor URIs. Default 'pipetrace'. */
  datasetNamespace?: string;
}

/** One (output, input) pair of a run's row lineage, summarised for the `pipetrace_rowLineage` facet. */
export interface RowLineageSummary {
  output: string;
  input: string;
  /** How output rows relate to input rows: 'map', 'keep', 'many' or 'pass'. */
  kind: string;
  /** Mappings stored (map, many) or rows kept (keep); 0 for pass. */
  rows: number;
  /** Bytes of the stored row-lineage chunks of this pair. */
  bytes: number;
  /** 64-bit digest (16 hex digits) of those chunks: equal digests mean equal row lineage. */
  digest: string;
}
