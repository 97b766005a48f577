/**
 * The wire format shared by the HTTP client and server. Browser-safe: no Node built-ins.
 *
 * JSON bodies carry records as the store contract defines them; missing results travel as
 * `null` (JSON has no undefined). Blobs travel as one binary body, never base64:
 *
 *   [u32 big-endian: header length][header: UTF-8 JSON { keys, sizes }][the bytes, in order]
 *
 * where `sizes[i]` is the byte length of blob i, or null when it does not exist.
 */
import { type ErrorCode, PipetraceError } from '../../src/errors.js';
import { queryPaths } from '../../src/queries.js';

/** Every route lives under this prefix; a breaking change to the protocol bumps it. */
export const API_PREFIX = '/api/v1';

/** Paths of the store routes (the HTTP form of the Store contract). */
export const STORE_PATHS = {
  info: `${API_PREFIX}/store`,
  runs: `${API_PREFIX}/store/runs`,
  getRuns: `${API_PREFIX}/store/runs/get`,
  scanRuns: `${API_PREFIX}/store/runs/scan`,
  writers: `${API_PREFIX}/store/writers`,
  components: `${API_PREFIX}/store/components`,
  getComponents: `${API_PREFIX}/store/components/get`,
  pointers: `${API_PREFIX}/store/pointers`,
  getPointers: `${API_PREFIX}/store/pointers/get`,
  blobs: `${API_PREFIX}/store/blobs`,
  getBlobs: `${API_PREFIX}/store/blobs/get`,
  deleteBlobs: `${API_PREFIX}/store/blobs/delete`,
} as const;

/** Server-sent events: the store's changes as they happen (see event-stream.ts). */
export const EVENTS_PATH = `${API_PREFIX}/events`;

/** Paths of the query routes (GET; one per query of src/queries.ts). */
export const QUERY_PATHS = queryPaths(API_PREFIX);

export const JSON_TYPE = 'application/json';
export const BINARY_TYPE = 'application/octet-stream';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  ambiguous: 409,
  aborted: 409,
  method_not_allowed: 405,
  too_large: 413,
  storage: 500,
  unavailable: 503,
  quota: 507,
};

/** The HTTP status an error (its own `status`, else its code's) or an error code answers with. */
export function statusOf(error: PipetraceError | ErrorCode): number {
  if (typeof error === 'string') return STATUS[error] ?? 500;
  return error.status ?? STATUS[error.code] ?? 500;
}

const CODES = new Set(Object.keys(STATUS));

/**
 * The error a response stands for, or a generic one when the body is not an ErrorBody. Its
 * `status` is the response's.
 */
export function errorFromResponse(status: number, body: unknown): PipetraceError {
  const e = (body as Partial<ErrorBody> | null)?.error;
  if (e !== undefined && typeof e === 'object' && e !== null && typeof e.message === 'string') {
    const code = (CODES.has(e.code) ? e.code : status >= 500 ? 'storage' : 'invalid_input') as ErrorCode;
    return new PipetraceError(code, e.message, {
      ...(typeof e.field === 'string' ? { field: e.field } : {}),
      status,
    });
  }
  const code: ErrorCode =
    status === 401 || status === 403
      ? 'unauthorized'
      : status === 404
        ? 'not_found'
        : status === 405
          ? 'method_not_allowed'
          : status === 413
            ? 'too_large'
            : status >= 500
              ? 'unavailable'
              : 'invalid_input';
  return new PipetraceError(code, `the server answered HTTP ${status}`, { status });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Frames blobs (or missing blobs, as undefined) into one binary body. */
export function encodeBlobs(keys: readonly string[], data: readonly (Uint8Array | undefined)[]): Uint8Array {
  const sizes = data.map((d) => (d === undefined ? null : d.byteLength));
  const header = encoder.encode(JSON.stringify({ keys, sizes }));
  let total = 4 + header.byteLength;
  for (const d of data) total += d?.byteLength ?? 0;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.byteLength);
  out.set(header, 4);
  let at = 4 + header.byteLength;
  for (const d of data) {
    if (d === undefined) continue;
    out.set(d, at);
    at += d.byteLength;
  }
  return out;
}

function bad(message: string): PipetraceError {
  return new PipetraceError('invalid_input', `body: ${message}`, { field: 'body' });
}

/** Reads a framed body back. Throws invalid_input when it is not well formed. */
export function decodeBlobs(body: Uint8Array): { keys: unknown[]; data: (Uint8Array | undefined)[] } {
  if (body.byteLength < 4) throw bad('too short for a blob frame');
  const headerLength = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
  if (4 + headerLength > body.byteLength) throw bad('the blob frame header runs past the end');
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(body.subarray(4, 4 + headerLength)));
  } catch {
    throw bad('the blob frame header is not UTF-8 JSON');
  }
  const { keys, sizes } = (header ?? {}) as { keys?: unknown; sizes?: unknown };
  if (!Array.isArray(keys) || !Array.isArray(sizes) || keys.length !== sizes.length) {
    throw bad('the blob frame header needs keys and sizes of equal length');
  }
  const data: (Uint8Array | undefined)[] = [];
  let at = 4 + headerLength;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i];
    if (size === null) {
      data.push(undefined);
      continue;
    }
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || at + size > body.byteLength) {
      throw bad(`blob ${i} has a bad size`);
    }
    // A copy, so the result does not pin the whole request buffer.
    data.push(body.slice(at, at + size));
    at += size;
  }
  if (at !== body.byteLength) throw bad('the blob frame has trailing bytes');
  return { keys, data };
}
