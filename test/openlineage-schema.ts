/**
 * Test helper: validates OpenLineage events against the JSON Schemas in
 * test/fixtures/openlineage/spec (the event schema and each standard facet's own schema, copied
 * from the OpenLineage project under its Apache 2.0 licence; OPENLINEAGE_SPEC_DIR points
 * elsewhere, e.g. at a newer spec). Missing schemas fail the tests loudly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PIPETRACE_FACET_SCHEMAS } from '../src/openlineage/index.js';

export const SPEC_DIR =
  process.env.OPENLINEAGE_SPEC_DIR ?? fileURLToPath(new URL('./fixtures/openlineage', import.meta.url));

type Place = 'run' | 'job' | 'dataset' | 'input' | 'output';

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const main = JSON.parse(readFileSync(join(SPEC_DIR, 'spec/OpenLineage.json'), 'utf8'));
ajv.addSchema(main);
const facetSchemas = new Map<string, string>();
for (const file of readdirSync(join(SPEC_DIR, 'spec/facets'))) {
  const schema = JSON.parse(readFileSync(join(SPEC_DIR, 'spec/facets', file), 'utf8'));
  ajv.addSchema(schema);
  const place: Place = file.endsWith('InputDatasetFacet.json')
    ? 'input'
    : file.endsWith('OutputDatasetFacet.json')
      ? 'output'
      : file.endsWith('RunFacet.json')
        ? 'run'
        : file.endsWith('JobFacet.json')
          ? 'job'
          : 'dataset';
  for (const key of Object.keys(schema.properties ?? {})) facetSchemas.set(`${place}:${key}`, schema.$id);
}
ajv.addSchema(PIPETRACE_FACET_SCHEMAS as unknown as Record<string, unknown>);
const validateMain = ajv.getSchema(main.$id)!;
const CUSTOM: Record<string, string> = {
  'run:pipetrace_run': 'PipetraceRunFacet',
  'output:pipetrace_rowLineage': 'PipetraceRowLineageOutputDatasetFacet',
  'dataset:pipetrace_pointer': 'PipetracePointerDatasetFacet',
};

/** Every schema error of an event: the event schema, then each standard or pipetrace facet against its own schema. */
export function schemaErrors(event: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (!validateMain(event))
    errors.push(...(validateMain.errors ?? []).map((e) => `event${e.instancePath} ${e.message}`));
  const check = (place: Place, path: string, facets: Record<string, unknown> | undefined) => {
    for (const [name, facet] of Object.entries(facets ?? {})) {
      const custom = CUSTOM[`${place}:${name}`];
      if (custom !== undefined) {
        const own = ajv.getSchema(`${PIPETRACE_FACET_SCHEMAS.$id}#/$defs/${custom}`)!;
        if (!own(facet)) errors.push(...(own.errors ?? []).map((e) => `${path}.${name}${e.instancePath} ${e.message}`));
        continue;
      }
      const id = facetSchemas.get(`${place}:${name}`);
      if (id === undefined) continue;
      const validate = ajv.getSchema(id)!;
      if (!validate({ [name]: facet }))
        errors.push(...(validate.errors ?? []).map((e) => `${path}${e.instancePath} ${e.message}`));
    }
  };
  const run = event.run as { facets?: Record<string, unknown> } | undefined;
  const job = event.job as { facets?: Record<string, unknown> } | undefined;
  check('run', 'run.facets', run?.facets);
  check('job', 'job.facets', job?.facets);
  for (const side of ['inputs', 'outputs'] as const) {
    for (const [i, d] of ((event[side] as Record<string, Record<string, unknown>>[] | undefined) ?? []).entries()) {
      check('dataset', `${side}[${i}].facets`, d.facets as Record<string, unknown>);
      if (side === 'inputs') check('input', `inputs[${i}].inputFacets`, d.inputFacets as Record<string, unknown>);
      else check('output', `outputs[${i}].outputFacets`, d.outputFacets as Record<string, unknown>);
    }
  }
  return errors;
}

/** The example events shipped with the spec, by file name. */
export function exampleEvents(): { file: string; event: Record<string, unknown> }[] {
  const dir = join(SPEC_DIR, 'examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, event: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

/** A COMPLETE event from the Python client whose errorMessage facet has a `null` stackTrace (the schema wants a string). */
export function eventWithNullStackTrace(runId: string, eventTime: string): Record<string, unknown> {
  const producer = 'https://github.com/OpenLineage/OpenLineage/tree/1.30.0/client/python';
  return {
    eventType: 'COMPLETE',
    eventTime,
    producer,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: {
      runId,
      facets: {
        errorMessage: {
          _producer: producer,
          _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
          message: 'boom',
          programmingLanguage: 'python',
          stackTrace: null,
        },
      },
    },
    job: { namespace: 'airflow', name: 'nightly' },
  };
}
