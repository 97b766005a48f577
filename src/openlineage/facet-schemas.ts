import { OPENLINEAGE_SPEC_URL, PIPETRACE_FACETS_URL } from './types.js';

/**
 * The JSON Schema (2020-12) of pipetrace's custom facets, the document their `_schemaURL`s
 * point into. Each facet extends the spec's base facet for its place, as custom facets must.
 */
export const PIPETRACE_FACET_SCHEMAS = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: PIPETRACE_FACETS_URL,
  $defs: {
    PipetraceRunFacet: {
      allOf: [
        { $ref: `${OPENLINEAGE_SPEC_URL}#/$defs/RunFacet` },
        {
          type: 'object',
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 256, description: 'The pipetrace run id.' },
            status: { enum: ['succeeded', 'failed'] },
            error: {
              type: 'object',
              properties: { name: { type: 'string' }, message: { type: 'string' }, stack: { type: 'string' } },
              required: ['name', 'message'],
            },
            code: {
              type: 'object',
              properties: {
                commit: { type: 'string' },
                branch: { type: 'string' },
                tags: { type: 'array', items: { type: 'string' } },
                dirty: { type: 'boolean' },
              },
            },
            params: { type: 'object' },
            metrics: { type: 'object', additionalProperties: { type: 'number' } },
            notes: {
              type: 'array',
              items: {
                type: 'object',
                properties: { at: { type: 'string', format: 'date-time' }, text: { type: 'string' } },
                required: ['at', 'text'],
              },
            },
            checks: {
              description: 'Results of the checks that ran before and after the step.',
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string', minLength: 1 },
                  phase: { enum: ['before', 'after'] },
                  outcome: { enum: ['pass', 'fail', 'error'] },
                  message: { type: 'string' },
                  durationMs: { type: 'number', minimum: 0 },
                  pointer: { type: 'string' },
                  column: { type: 'string' },
                },
                required: ['name', 'phase', 'outcome'],
              },
            },
          },
          required: ['id'],
        },
      ],
      type: 'object',
    },
    PipetraceRowLineageOutputDatasetFacet: {
      allOf: [
        { $ref: `${OPENLINEAGE_SPEC_URL}#/$defs/OutputDatasetFacet` },
        {
          type: 'object',
          properties: {
            inputs: {
              description: 'Row lineage from each input dataset to this output, as counts and a digest.',
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  namespace: { type: 'string' },
                  name: { type: 'string' },
                  kind: { enum: ['map', 'keep', 'many', 'pass'] },
                  rows: { type: 'integer', minimum: 0 },
                  bytes: { type: 'integer', minimum: 0 },
                  digest: { type: 'string', pattern: '^[0-9a-f]{16}$' },
                },
                required: ['namespace', 'name', 'kind', 'rows', 'bytes', 'digest'],
              },
            },
          },
          required: ['inputs'],
        },
      ],
      type: 'object',
    },
    PipetracePointerDatasetFacet: {
      allOf: [
        { $ref: `${OPENLINEAGE_SPEC_URL}#/$defs/DatasetFacet` },
        {
          type: 'object',
          properties: { pointer: { type: 'string', minLength: 1, description: 'The pipetrace pointer name.' } },
          required: ['pointer'],
        },
      ],
      type: 'object',
    },
  },
} as const;
