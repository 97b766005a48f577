/**
 * Labels that follow data through lineage, and their retraction: attach a label to an output or
 * rows of it, ask what it reached (computed from lineage when asked), retract it. Browser-safe.
 */
export type { LabelOptions, LabelSummary } from './attach.js';
export type { Labelled, LabelledOptions, LabelledOutput, LabelSource } from './labelled.js';
export type { RebuildStep, Retraction, RetractionItem, RetractionItemKind, RetractionReport } from './retract.js';
export type { RetractionViolation } from './violations.js';
