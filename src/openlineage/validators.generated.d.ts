/** Types of validators.generated.js (see scripts/openlineage-validators.ts). */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** One validator per schema definition, by its name (RunEvent, ErrorMessageRunFacet, PipetraceRunFacet, …). */
declare const validators: Record<string, CompiledValidator | undefined>;
export default validators;
