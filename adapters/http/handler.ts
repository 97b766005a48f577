/**
 * The request handler: CORS, routing, auth, body limits and parsing, and JSON errors with the
 * right status and never a stack trace. Node only; usable with node:http directly:
 *
 *   http.createServer(createRouteHandler({ store: memoryStore(), token, baseRoutes: defaultRoutes() }))
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type ErrorCode, isPipetraceError, PipetraceError } from '../../src/errors.js';
import { createPipetrace, type Pipetrace } from '../../src/pipetrace.js';
import type { Store } from '../../src/store.js';
import { BINARY_TYPE, type ErrorBody, JSON_TYPE, statusOf } from './protocol.js';
import {
  type Access,
  type Method,
  pathSegments,
  type Reply,
  type Route,
  type RouteContext,
  Router,
  routeKey,
} from './router.js';
import { type AuthOptions, corsHeaders, createAuthorizer, PREFLIGHT_HEADERS } from './security.js';

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
/** Read routes (open by default) take small bodies: parsing one must never stall the server. */
export const DEFAULT_READ_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

export interface HandlerOptions extends AuthOptions {
  /** The store to serve. The handler never closes it. */
  store: Store;
  /** Largest request body in bytes; larger ones get 413. Default 16 MiB. */
  bodyLimit?: number;
  /** Largest body of a read or public route (queries, store reads); larger ones get 413. Default 1 MiB. */
  readBodyLimit?: number;
  /** A body must arrive in full within this many ms of its headers, else 408 and the connection closes. Default 30 000. */
  bodyTimeoutMs?: number;
  /** Origins allowed to call from a browser (exact, or '*'). Default: none. */
  cors?: string[];
  /** Routes in addition to the built-in ones; one with a built-in route's method and path replaces it. */
  routes?: Route[];
  /** The built-in routes; replace to serve a subset. */
  baseRoutes?: Route[];
  /** The query API the query routes call; default createPipetrace({ store }). */
  pipetrace?: Pipetrace;
  /** Where internal errors are reported (never to the client). Default: stderr. */
  log?: (message: string) => void;
  /** Environment for PIPETRACE_TOKEN; default process.env. */
  env?: Record<string, string | undefined>;
  /** Aborted when the server closes: streaming answers (events) end. createServer sets it. */
  closing?: AbortSignal;
}

const EMPTY: Uint8Array = new Uint8Array(0);

class BodyTooLarge extends PipetraceError {
  constructor(limit: number) {
    super('too_large', `the request body is larger than the limit of ${limit} bytes`);
  }
}

class BodyTimeout extends PipetraceError {
  constructor(ms: number) {
    super('aborted', `the request body did not arrive within ${ms} ms`, { status: 408 });
  }
}

/** The client went away mid-request: nobody to answer, nothing to log. */
class ClientGone extends Error {}

function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      req.pause();
      reject(error);
    };
    // A slow body holds a connection and its buffers: bound it like slow headers.
    const timer = setTimeout(() => stop(new BodyTimeout(timeoutMs)), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', () => stop(new ClientGone()));
    req.on('close', () => {
      if (!req.complete) stop(new ClientGone());
    });
  });
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new PipetraceError('invalid_input', 'body: is not valid JSON', { field: 'body' });
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Uint8Array): void {
  res.writeHead(status, {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
    ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
  });
  res.end(body);
}

/** Status and body for any thrown value: our errors as they are, anything else as a bare 500. */
function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (isPipetraceError(error)) {
    const status = statusOf(error);
    const e: ErrorBody['error'] = { code: error.code, message: error.message };
    if (error.field !== undefined) e.field = error.field;
    return { status, body: { error: e } };
  }
  return { status: 500, body: { error: { code: 'storage' as ErrorCode, message: 'internal server error' } } };
}

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PipetraceError('invalid_input', `${field}: must be a positive integer`, { field });
  }
  return value;
}

/** A node:http request listener serving `options.baseRoutes` and `options.routes` over `store` (createHandler adds the default routes). */
export function createRouteHandler(options: HandlerOptions): RequestListener {
  const authorize = createAuthorizer(options, options.env ?? process.env);
  const writesOff = (options.token ?? ((options.env ?? process.env).PIPETRACE_TOKEN || undefined)) === undefined;
  const limit = positive('bodyLimit', options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  const readLimit = positive('readBodyLimit', options.readBodyLimit ?? Math.min(limit, DEFAULT_READ_BODY_LIMIT));
  const bodyTimeout = positive('bodyTimeoutMs', options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  const allow = options.cors ?? [];
  const extra = options.routes ?? [];
  const replaced = new Set(extra.map(routeKey));
  const router = new Router([...extra, ...(options.baseRoutes ?? []).filter((r) => !replaced.has(routeKey(r)))]);
  const log = options.log ?? ((m: string) => process.stderr.write(`pipetrace server: ${m}\n`));
  const closing = options.closing ?? new AbortController().signal;
  let api: Pipetrace | undefined = options.pipetrace;
  const getApi = async (): Promise<Pipetrace> => {
    api ??= createPipetrace({ store: options.store });
    return api;
  };

  return (req, res) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = corsHeaders(allow, origin) ?? {};
    const fail = (error: unknown) => {
      if (error instanceof ClientGone) {
        res.destroy();
        return;
      }
      const { status, body } = describeError(error);
      if (status >= 500 && !isPipetraceError(error))
        log(`${req.method} ${req.url}: ${(error as Error)?.stack ?? error}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const headers: Record<string, string> = { ...cors, 'content-type': JSON_TYPE };
      if (status === 401) headers['www-authenticate'] = 'Bearer';
      const allowed = isPipetraceError(error) ? error.details?.allow : undefined;
      if (Array.isArray(allowed)) headers.allow = allowed.join(', ');
      // An unread oversized body is not worth draining: answer and close the connection.
      if (error instanceof BodyTooLarge || error instanceof BodyTimeout) headers.connection = 'close';
      send(res, status, headers, JSON.stringify(body));
    };

    const handle = async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const segments = pathSegments(q < 0 ? url : url.slice(0, q));
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const method = req.method ?? 'GET';

      if (method === 'OPTIONS') {
        if (origin === undefined || Object.keys(cors).length === 0) {
          throw new PipetraceError('unauthorized', `origin ${JSON.stringify(origin ?? '')} is not allowed`, {
            status: 403,
          });
        }
        send(res, 204, { ...cors, ...PREFLIGHT_HEADERS });
        return;
      }
      const match = router.match(method, segments);
      if (match.kind === 'no_path')
        throw new PipetraceError('not_found', `no route for ${method} ${url.slice(0, 200)}`);
      if (match.kind === 'no_method') {
        throw new PipetraceError('method_not_allowed', `${method} is not allowed here; use ${match.allow.join(', ')}`, {
          details: { allow: match.allow },
        });
      }
      const { route, params } = match;
      authorize(route.access, req.headers.authorization);

      let body: unknown;
      let bytes = EMPTY;
      const kind = route.body ?? 'none';
      if (kind !== 'none') {
        const want = kind === 'json' ? JSON_TYPE : BINARY_TYPE;
        if (mediaType(req) !== want) {
          throw new PipetraceError('invalid_input', `content-type: must be ${want}`, {
            field: 'content-type',
            status: 415,
          });
        }
        bytes = await readBody(req, route.access === 'write' ? limit : readLimit, bodyTimeout);
        if (kind === 'json') body = parseJson(bytes);
      }
      const allowed = (access: Access) => {
        try {
          authorize(access, req.headers.authorization);
          return 'yes' as const;
        } catch (error) {
          // 403 without a write token configured: writes are off for everyone.
          return isPipetraceError(error) && error.status === 403 && writesOff ? ('no' as const) : ('token' as const);
        }
      };
      const ctx: RouteContext = { params, query, body, bytes, store: options.store, api: getApi, allowed };
      const reply: Reply = await route.handle(ctx);
      const headers = { ...cors, ...reply.headers };
      if (reply.stream !== undefined) {
        reply.stream({ req, res, headers, closing });
        return;
      }
      if (reply.binary !== undefined) {
        send(res, reply.status ?? 200, { 'content-type': BINARY_TYPE, ...headers }, reply.binary);
      } else if (reply.json !== undefined) {
        send(res, reply.status ?? 200, { 'content-type': JSON_TYPE, ...headers }, JSON.stringify(reply.json));
      } else {
        send(res, reply.status ?? 204, headers);
      }
    };

    handle().catch(fail);
  };
}

export type { Method };
