/**
 * Strict interchange: every event checked against the OpenLineage JSON Schema (spec 2-0-2) and
 * every facet against the schema its `_schemaURL` names, when the spec (or pipetrace) knows it,
 * with validators compiled ahead of time (validators.generated.js: no Ajv at run time).
 */
import { invalid } from '../errors.js';
import { FACETS_URL, type Facet, type Facets, type LineageEvent, PIPETRACE_FACETS_URL } from './types.js';
import validators, { type CompiledValidator } from './validators.generated.js';

/** How ingest treats invalid facets: reject the batch (strict), or drop each and report it (lenient). */
export type ValidationMode = 'strict' | 'lenient';

/** A facet lenient ingest dropped, with the first schema error in it. */
export interface DroppedFacet {
  /** Where the facet was, e.g. `events[2].run.facets.errorMessage`. */
  field: string;
  reason: string;
}

type Place = 'run' | 'job' | 'dataset' | 'inputDataset' | 'outputDataset';
const BASE: Record<Place, string> = {
  run: 'RunFacet',
  job: 'JobFacet',
  dataset: 'DatasetFacet',
  inputDataset: 'InputDatasetFacet',
  outputDataset: 'OutputDatasetFacet',
};

/** The schema definition a `_schemaURL` names (`…/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`). */
function definitionOf(schemaURL: unknown): CompiledValidator | undefined {
  if (typeof schemaURL !== 'string') return undefined;
  const hash = schemaURL.indexOf('#/$defs/');
  const name = hash >= 0 ? schemaURL.slice(hash + 8) : (/\/([A-Za-z]+)\.json$/.exec(schemaURL)?.[1] ?? '');
  // Only the spec's facets (any version: checked against the shape the spec has now) and pipetrace's.
  if (!schemaURL.startsWith(`${FACETS_URL}/`) && !schemaURL.startsWith(PIPETRACE_FACETS_URL)) return undefined;
  return Object.hasOwn(validators, name) ? validators[name] : undefined;
}

/** Where the first error of a validator points, appended to `base`, and its message. */
function firstError(base: string, validate: CompiledValidator): { field: string; reason: string } {
  const e = validate.errors?.[0];
  const path = (e?.instancePath ?? '')
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))
    .join('');
  let reason = e?.message ?? 'does not match its schema';
  if (e?.keyword === 'enum') reason += `: ${(e.params.allowedValues as unknown[]).join(', ')}`;
  if (e?.keyword === 'additionalProperties') reason += ` (${String(e.params.additionalProperty)})`;
  return { field: base + path, reason };
}

/** The first schema error of one facet at `field`, or undefined when it is valid (or its schema unknown). */
export function facetError(place: Place, field: string, facet: Facet): { field: string; reason: string } | undefined {
  // A facet's own schema extends the base facet of its place (allOf), so it checks both.
  const validate = definitionOf(facet._schemaURL) ?? validators[BASE[place]]!;
  return validate(facet) ? undefined : firstError(field, validate);
}

interface FacetSlot {
  place: Place;
  field: string;
  facets: Facets;
}

/** Every facet map of an event, with its place and path. */
function slots(field: string, event: LineageEvent): FacetSlot[] {
  const out: FacetSlot[] = [];
  const add = (place: Place, at: string, facets: Facets | undefined) => {
    if (facets !== undefined) out.push({ place, field: at, facets });
  };
  const e = event as Partial<Record<'run' | 'job' | 'dataset', { facets?: Facets }>> & {
    inputs?: { facets?: Facets; inputFacets?: Facets }[];
    outputs?: { facets?: Facets; outputFacets?: Facets }[];
  };
  add('run', `${field}.run.facets`, e.run?.facets);
  add('job', `${field}.job.facets`, e.job?.facets);
  add('dataset', `${field}.dataset.facets`, e.dataset?.facets);
  e.inputs?.forEach((d, i) => {
    add('dataset', `${field}.inputs[${i}].facets`, d.facets);
    add('inputDataset', `${field}.inputs[${i}].inputFacets`, d.inputFacets);
  });
  e.outputs?.forEach((d, i) => {
    add('dataset', `${field}.outputs[${i}].facets`, d.facets);
    add('outputDataset', `${field}.outputs[${i}].outputFacets`, d.outputFacets);
  });
  return out;
}

/**
 * Checks a (structurally checked) event against the schemas. Strict: throws invalid_input at
 * the path of the first error. Lenient: removes each invalid facet from `event`, tells `dropped`,
 * then checks the rest strictly.
 */
export function checkEventSchema(
  field: string,
  event: LineageEvent,
  mode: ValidationMode,
  dropped: (facet: DroppedFacet) => void,
): void {
  const kind = 'run' in event ? 'RunEvent' : 'dataset' in event ? 'DatasetEvent' : 'JobEvent';
  const core = validators[kind]!;
  if (mode === 'strict' && !core(event)) {
    const e = firstError(field, core);
    throw invalid(e.field, e.reason);
  }
  for (const slot of slots(field, event)) {
    for (const name of Object.keys(slot.facets)) {
      const error = facetError(slot.place, `${slot.field}.${name}`, slot.facets[name]!);
      if (error === undefined) continue;
      if (mode === 'strict') throw invalid(error.field, error.reason);
      delete slot.facets[name];
      dropped({ field: `${slot.field}.${name}`, reason: `${error.field}: ${error.reason}` });
    }
  }
  if (mode === 'lenient' && !core(event)) {
    const e = firstError(field, core);
    throw invalid(e.field, e.reason);
  }
}

/** The facets of a map that satisfy their schemas (export emits only those). */
export function validFacets(place: Place, facets: Facets | undefined): Facets | undefined {
  if (facets === undefined) return undefined;
  let out: Facets | undefined;
  for (const name of Object.keys(facets)) {
    if (facetError(place, name, facets[name]!) !== undefined) continue;
    (out ??= {})[name] = facets[name]!;
  }
  return out;
}
