/**
 * The route table: what a route is, and how a request finds one. Route modules (the store
 * routes, the query routes, OpenLineage ingest, ...) each export a `Route[]`, and the server
 * takes any extra ones through its `routes` option, so a part can add endpoints from its own
 * file without touching the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalid, PipetraceError } from '../../src/errors.js';
import type { Pipetrace } from '../../src/pipetrace.js';
import type { Store } from '../../src/store.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route. 'write' always needs the server's write token; 'read' needs a token
 * only when the server requires tokens for reads; 'public' never does (health checks).
 */
export type Access = 'public' | 'read' | 'write';

/** What the server passes to a route's handler. */
export interface RouteContext {
  /** Path parameters by name (`:id` in the path), already percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (body 'json'); undefined for GET and body 'none'. */
  body: unknown;
  /** The raw body (body 'binary'). */
  bytes: Uint8Array;
  /** The store the server wraps. */
  store: Store;
  /** The query API over that store (created once per handler, on first use). */
  api(): Promise<Pipetrace>;
  /** Whether this request could use a route of `access`: 'yes', 'token' (it needs a valid token) or 'no' (never). */
  allowed?(access: Access): 'yes' | 'token' | 'no';
}

/** A handler's answer: JSON (the default), bytes, nothing (204), or a stream it writes itself. */
export interface Reply {
  status?: number;
  json?: unknown;
  binary?: Uint8Array;
  headers?: Record<string, string>;
  /** Takes over the response (server-sent events): writes its head and body, and ends it. */
  stream?: (ctx: StreamContext) => void;
}

/** What a streaming reply gets. */
export interface StreamContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Headers the server adds to every answer (CORS), to put in the head. */
  headers: Record<string, string>;
  /** Aborted when the server closes: the stream should end. */
  closing: AbortSignal;
}

export interface Route {
  method: Method;
  /** A path such as `/api/v1/runs/:id`; `:name` segments match one percent-encoded segment. */
  path: string;
  access: Access;
  /** How the body is read: JSON (application/json), raw bytes (application/octet-stream), or not at all. */
  body?: 'json' | 'binary' | 'none';
  /** One line for the route list. */
  summary?: string;
  handle(ctx: RouteContext): Promise<Reply>;
}

interface Compiled {
  route: Route;
  parts: { literal?: string; param?: string }[];
  params: number;
}

export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'no_path' }
  | { kind: 'no_method'; allow: Method[] };

/** Method and path shape (parameter names ignored): two routes with the same key would clash. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  const shape = route.path
    .split('/')
    .map((s) => (s.startsWith(':') ? ':' : s))
    .join('/');
  return `${route.method} ${shape}`;
}

function compile(route: Route): Compiled {
  if (!route.path.startsWith('/')) throw new TypeError(`route path must start with /: ${route.path}`);
  const parts = route.path
    .slice(1)
    .split('/')
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
  return { route, parts, params: parts.filter((p) => p.param !== undefined).length };
}

/**
 * Splits a raw path into decoded segments. Segments are decoded one by one, so a name with a
 * `/` in it travels as `%2F` and stays one segment; nothing is normalised (`..` is data).
 */
export function pathSegments(rawPath: string): string[] {
  return rawPath
    .slice(1)
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw invalid('path', 'has a malformed percent-encoding');
      }
    });
}

/** Matches requests to routes; literal segments win over parameters, then earlier routes win. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map(compile);
    const seen = new Set<string>();
    for (const c of this.compiled) {
      const key = routeKey(c.route);
      if (seen.has(key)) throw new TypeError(`two routes for ${c.route.method} ${c.route.path}`);
      seen.add(key);
    }
  }

  get routes(): Route[] {
    return this.compiled.map((c) => c.route);
  }

  match(method: string, segments: readonly string[]): Match {
    let best: { c: Compiled; params: Record<string, string> } | undefined;
    const allow = new Set<Method>();
    for (const c of this.compiled) {
      const params = matchParts(c, segments);
      if (params === undefined) continue;
      if (c.route.method !== method) {
        allow.add(c.route.method);
        continue;
      }
      if (best === undefined || c.params < best.c.params) best = { c, params };
    }
    if (best !== undefined) return { kind: 'found', route: best.c.route, params: best.params };
    return allow.size > 0 ? { kind: 'no_method', allow: [...allow] } : { kind: 'no_path' };
  }
}

function matchParts(c: Compiled, segments: readonly string[]): Record<string, string> | undefined {
  if (c.parts.length !== segments.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < segments.length; i++) {
    const part = c.parts[i];
    const seg = segments[i] as string;
    if (part?.param !== undefined) {
      if (seg.length === 0) return undefined;
      params[part.param] = seg;
    } else if (part?.literal !== seg) return undefined;
  }
  return params;
}

/** A JSON reply. */
export function json(value: unknown, status = 200): Reply {
  return { status, json: value };
}

/** The body as a plain object, or invalid_input. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** An error for a route that needs an API the server was not given. */
export function unsupported(what: string): PipetraceError {
  return new PipetraceError('not_found', `this server does not offer ${what}`);
}
