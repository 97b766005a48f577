/**
 * pipetrace/openlineage: runs to OpenLineage RunEvents (spec 2-0-2) and back, transports
 * (HTTP to Marquez or any OpenLineage endpoint, console, or your own), live emission through a
 * wrapper store, and the Marquez lineage graph. Browser-safe; the NDJSON file transport is in
 * `pipetrace/node`.
 */
export { checkEvent, parseEventTime } from './check-event.js';
export type { DeadLetter, EmitReport, EmitterOptions } from './emitter.js';
export { type EmittingStore, type EmittingStoreOptions, emitOnLog, emittingStore } from './emitting-store.js';
export { type ExportOptions, type RunContext, runToEvents } from './export.js';
export { type ExportEventsOptions, exportEvents, runsToEvents, type StoreSource } from './export-store.js';
export { PIPETRACE_FACET_SCHEMAS } from './facet-schemas.js';
export { KEPT_FACETS_PARAM, type KeptFacets } from './facets.js';
export { INCOMPLETE_ERROR, type PendingPolicy } from './fold.js';
export {
  checkEvents,
  type IngestOptions,
  type IngestResult,
  type IngestTarget,
  ingestEvents,
  MAX_PENDING_EVENTS,
  pendingRuns,
} from './ingest.js';
export {
  type MarquezEdge,
  type MarquezGraph,
  type MarquezLineageOptions,
  type MarquezNode,
  marquezLineage,
} from './marquez.js';
export {
  componentToJob,
  type DatasetName,
  DEFAULT_NAMESPACE,
  datasetNodeId,
  datasetToPointer,
  jobNodeId,
  jobToComponent,
  pointerToDataset,
} from './naming.js';
export type { DroppedFacet, ValidationMode } from './schema.js';
export {
  consoleTransport,
  type HttpTransportOptions,
  httpTransport,
  type Transport,
} from './transports.js';
export * from './types.js';
export { isUuid, runIdToUuid } from './uuid.js';
