import { isPipetraceError, PipetraceError } from '../../src/errors.js';

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;
}

/** The DOMException underneath, looking through Dexie's wrappers (inner, failures, cause). */
function rootError(error: unknown, depth = 0): unknown {
  if (depth > 5 || typeof error !== 'object' || error === null) return error;
  const e = error as { inner?: unknown; failures?: unknown[]; cause?: unknown };
  if (e.inner != null) return rootError(e.inner, depth + 1);
  if (Array.isArray(e.failures) && e.failures[0] != null) return rootError(e.failures[0], depth + 1);
  if (e.cause != null && !(error instanceof PipetraceError)) return rootError(e.cause, depth + 1);
  return error;
}

/**
 * Turns whatever IndexedDB (or Dexie) threw into a PipetraceError a caller can branch on.
 * A failed write has aborted its transaction, so nothing of the batch was stored.
 */
export function indexedDbError(error: unknown, kind: string, action: string): PipetraceError {
  if (isPipetraceError(error)) return error;
  const root = rootError(error);
  const name = errorName(root) ?? errorName(error);
  const detail =
    root instanceof Error || (typeof root === 'object' && root !== null && 'message' in root)
      ? String((root as { message: unknown }).message)
      : String(root);
  const options = { cause: error, details: { kind, action, name } };
  const why = detail === '' ? '' : ` (${detail})`;
  switch (name) {
    case 'QuotaExceededError':
      return new PipetraceError(
        'quota',
        `${kind}: ${action} failed: the browser's storage quota is exhausted; nothing of this batch was stored${why}`,
        options,
      );
    case 'DataError':
    case 'DataCloneError':
      return new PipetraceError('invalid_input', `${kind}: ${action} failed: a value cannot be stored${why}`, options);
    case 'VersionError':
      return new PipetraceError(
        'unavailable',
        `${kind}: the database was upgraded by a newer pipetrace (another tab?); reload the page to use it`,
        options,
      );
    case 'AbortError':
      return new PipetraceError('aborted', `${kind}: ${action} was aborted; nothing of this batch was stored`, options);
    default:
      return new PipetraceError('storage', `${kind}: ${action} failed: ${name ?? 'Error'}${why}`, options);
  }
}
