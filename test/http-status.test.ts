import { describe, expect, it } from 'vitest';
import { errorFromResponse, statusOf } from '../adapters/http/protocol.js';
import { type ErrorCode, PipetraceError } from '../src/errors.js';

const CODES: ErrorCode[] = [
  'invalid_input',
  'not_found',
  'conflict',
  'storage',
  'unavailable',
  'quota',
  'aborted',
  'unauthorized',
  'too_large',
  'method_not_allowed',
];

describe('HTTP status of errors', () => {
  it('gives an error its own status when set, else the one its code implies', () => {
    expect(statusOf(new PipetraceError('unauthorized', 'no', { status: 403 }))).toBe(403);
    expect(statusOf(new PipetraceError('unauthorized', 'no'))).toBe(401);
    expect(statusOf(new PipetraceError('method_not_allowed', 'no'))).toBe(405);
    expect(statusOf('invalid_input')).toBe(400);
  });

  it('lets the client read back the code and status the server sent, for every code', () => {
    for (const code of CODES) {
      for (const sent of [new PipetraceError(code, 'x'), new PipetraceError(code, 'x', { status: 418 })]) {
        const status = statusOf(sent);
        const got = errorFromResponse(status, { error: sent.toJSON() });
        expect({ code: got.code, status: got.status, statusOf: statusOf(got) }).toEqual({
          code,
          status,
          statusOf: status,
        });
      }
    }
  });

  it('names a bodiless 405 method_not_allowed', () => {
    const got = errorFromResponse(405, 'Method Not Allowed');
    expect(got.code).toBe('method_not_allowed');
    expect(got.status).toBe(405);
  });
});
