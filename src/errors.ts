/** What went wrong, as a stable code a caller can branch on. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'storage'
  | 'unavailable'
  | 'quota'
  | 'aborted'
  | 'unauthorized'
  | 'too_large'
  /** The HTTP method is not one the path offers (405); `details.allow` lists those it does. */
  | 'method_not_allowed';

const BRAND = Symbol.for('pipetrace.error');

/**
 * The one error type pipetrace throws on purpose. `code` is stable; `message` says what was
 * wrong and where; `field` names the offending input when there is one; `status` is the HTTP
 * status when it is not the one the code implies (set by the HTTP layer, e.g. 403, 415) or
 * when the error came from an HTTP answer.
 */
export class PipetraceError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly details?: Record<string, unknown>;
  readonly status?: number;
  readonly [BRAND] = true;

  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string; details?: Record<string, unknown>; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipetraceError';
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
    if (options.status !== undefined) this.status = options.status;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** True for errors made by any copy of pipetrace (works across bundles and realms). */
export function isPipetraceError(error: unknown, code?: ErrorCode): error is PipetraceError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[BRAND] === true &&
    (code === undefined || (error as PipetraceError).code === code)
  );
}

export function invalid(field: string, message: string): PipetraceError {
  return new PipetraceError('invalid_input', `${field}: ${message}`, { field });
}

export function notFound(what: string, name: string): PipetraceError {
  return new PipetraceError('not_found', `${what} not found: ${JSON.stringify(name)}`, {
    details: { what, name },
  });
}
