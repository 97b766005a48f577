/**
 * Bearer tokens and the CORS allowlist for the server. Node only (node:crypto).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PipetraceError } from '../../src/errors.js';
import type { Access } from './router.js';

export interface AuthOptions {
  /** Grants reads and writes. Defaults to the PIPETRACE_TOKEN environment variable. */
  token?: string;
  /** Grants reads only. Giving one makes every read need a token. */
  readToken?: string;
  /** Reads need a token (the write token or the read token) even without a readToken. */
  requireTokenForReads?: boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Equal-length digests compared in constant time, so timing reveals nothing about the token. */
function same(presented: Buffer, expected: Buffer | undefined): boolean {
  return expected !== undefined && timingSafeEqual(presented, expected);
}

function checkToken(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 8 || /\s/.test(value)) {
    throw new PipetraceError('invalid_input', `${name}: must be a string of at least 8 characters without spaces`, {
      field: name,
    });
  }
  return value;
}

export type Authorizer = (access: Access, authorization: string | undefined) => void;

/** Throws 'unauthorized' (with `status` 401 or 403) unless the request may proceed. */
export function createAuthorizer(options: AuthOptions, env: Record<string, string | undefined>): Authorizer {
  const token = checkToken('token', options.token ?? (env.PIPETRACE_TOKEN || undefined));
  const readToken = checkToken('readToken', options.readToken);
  const writeDigest = token === undefined ? undefined : digest(token);
  const readDigest = readToken === undefined ? undefined : digest(readToken);
  const readsNeedToken = options.requireTokenForReads === true || readToken !== undefined;
  if (readsNeedToken && token === undefined && readToken === undefined) {
    throw new PipetraceError('invalid_input', 'requireTokenForReads: needs a token or a readToken', {
      field: 'requireTokenForReads',
    });
  }

  const deny = (status: 401 | 403, message: string) => new PipetraceError('unauthorized', message, { status });

  return (access, authorization) => {
    if (access === 'public' || (access === 'read' && !readsNeedToken)) return;
    if (access === 'write' && writeDigest === undefined) {
      throw deny(403, 'writes are disabled: this server was started without a token (set PIPETRACE_TOKEN)');
    }
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (match === null) throw deny(401, 'this route needs "Authorization: Bearer <token>"');
    const presented = digest(match[1] as string);
    const isWriter = same(presented, writeDigest);
    const isReader = same(presented, readDigest);
    if (access === 'write' ? isWriter : isWriter || isReader) return;
    if (access === 'write' && isReader) throw deny(403, 'the read token cannot write');
    throw deny(401, 'the token is not valid');
  };
}

/** Exact origins, or '*' for any. The default allows none: no CORS headers at all. */
export function corsHeaders(allow: readonly string[], origin: string | undefined): Record<string, string> | undefined {
  if (origin === undefined || allow.length === 0) return undefined;
  if (!allow.includes('*') && !allow.includes(origin)) return undefined;
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};
