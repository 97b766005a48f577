import postgres, { type Sql } from 'postgres';
import { invalid, PipetraceError } from '../../src/errors.js';
import { ARRAY_TYPES } from './array-types.js';

/** Where the store connects: a connection URL, or a client the caller made (and closes). */
export type PostgresTarget = { url: string } | { sql: Sql };

/** The client, where it points (no password) and the secret to keep out of every message. */
export interface Connection {
  sql: Sql;
  /** host:port/database, for messages and the store's kind. */
  where: string;
  /** True when the store made the client, and so ends it on close. */
  owned: boolean;
  /** Removes the password from a text. */
  redact(text: string): string;
}

export interface ConnectOptions {
  /** Most connections the store's own client opens (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
}

function redactor(password: string | undefined): (text: string) => string {
  if (password === undefined || password === '') return (text) => text;
  const forms = [...new Set([password, encodeURIComponent(password)])];
  return (text) => forms.reduce((t, form) => t.split(form).join('***'), text);
}

function describe(hosts: readonly string[], ports: readonly number[], database: string): string {
  const at = hosts.map((h, i) => `${h.includes(':') ? `[${h}]` : h}:${ports[i] ?? ports[0] ?? 5432}`).join(',');
  return `${at}/${database}`;
}

/** Pool size and timeouts: the options given, else the URL's (?max=20&connect_timeout=5), else ours. */
function clientSettings(url: string, options: ConnectOptions): Record<string, number> {
  const defaults = { max: 10, connect_timeout: 10, idle_timeout: 60 };
  const query = new URLSearchParams(url.split('?')[1]?.split('#')[0] ?? '');
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(defaults)) if (!query.has(key)) out[key] = value;
  if (options.max !== undefined) out.max = options.max;
  if (options.connectTimeout !== undefined) out.connect_timeout = options.connectTimeout;
  return out;
}

/** Opens (or adopts) the client. A URL that is not a PostgreSQL URL is refused without echoing it. */
export function connect(target: PostgresTarget, options: ConnectOptions = {}): Connection {
  if (typeof target !== 'object' || target === null) throw invalid('target', 'must be { url } or { sql }');
  if ('sql' in target && target.sql !== undefined) {
    const sql = target.sql;
    if (typeof sql !== 'function' || typeof sql.begin !== 'function') {
      throw invalid('sql', 'must be a client made by postgres() (the porsager/postgres package)');
    }
    const o = sql.options;
    const secret = (o as unknown as { pass?: unknown }).pass;
    const pass = typeof secret === 'string' ? secret : undefined;
    return { sql, where: describe(o.host, o.port, o.database), owned: false, redact: redactor(pass) };
  }
  const url = (target as { url?: unknown }).url;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//i.test(url)) {
    throw invalid('url', 'must be a postgres:// or postgresql:// URL');
  }
  let sql: Sql;
  try {
    // The client parses every form of URL it supports (several hosts, a socket folder, options).
    sql = postgres(url, {
      ...clientSettings(url, options),
      // The array types it needs are declared, so no connection asks for the type catalogue.
      fetch_types: false,
      types: ARRAY_TYPES,
      onnotice: () => {},
      connection: { application_name: 'pipetrace' },
    });
  } catch {
    throw invalid('url', 'is not a valid URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  // The password as parsed, and as written in the URL (percent-encoded, or as ?password=…).
  const parsed = (sql.options as unknown as { pass?: unknown }).pass;
  const written = /^[^:]+:\/\/[^:@/]*:([^@/]*)@/.exec(url)?.[1];
  const query = /[?&]password=([^&#]*)/.exec(url)?.[1];
  const secrets = [typeof parsed === 'string' ? parsed : undefined, written, query].map(redactor);
  const redact = (text: string): string => secrets.reduce((t, hide) => hide(t), text);
  return { sql, where: describe(sql.options.host, sql.options.port, sql.options.database), owned: true, redact };
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** PostgreSQL error codes meaning "the server, not the request": class 08, shutdown, overload, no database. */
function serverUnavailable(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '3D000'].includes(code);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

/** Worth another try: the connection failed or the transaction lost a race (all writes here are idempotent). */
export function retryable(error: unknown): boolean {
  const code = codeOf(error);
  if (code === '3D000') return false;
  return NETWORK.has(code) || serverUnavailable(code) || code === '40P01' || code === '40001';
}

/**
 * A client or server error as a PipetraceError naming the server, never the password. The cause
 * kept is a plain copy of the code and the redacted message, not the client's error object
 * (which may carry the connection options).
 */
export function toPipetraceError(error: unknown, connection: Connection, doing: string): PipetraceError {
  if (error instanceof PipetraceError) return error;
  const code = codeOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  const message = connection.redact(raw);
  const cause = { code, message };
  const options = { cause, details: { where: connection.where, code } };
  if (NETWORK.has(code) || serverUnavailable(code)) {
    return new PipetraceError(
      'unavailable',
      `PostgreSQL at ${connection.where} is unavailable while ${doing}: ${message}`,
      options,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new PipetraceError(
      'unauthorized',
      `PostgreSQL at ${connection.where} refused the login while ${doing}: ${message}`,
      options,
    );
  }
  if (code === '54000' || code === '54001') {
    return new PipetraceError('too_large', `PostgreSQL at ${connection.where}: ${message} (${doing})`, options);
  }
  return new PipetraceError(
    'storage',
    `PostgreSQL at ${connection.where} failed while ${doing}: ${message}${code ? ` (${code})` : ''}`,
    options,
  );
}

const BACKOFF_MS = [100, 400, 1600];

/** Runs `op`, retrying connection failures and lost races with backoff, and maps its errors. */
export async function attempt<T>(connection: Connection, doing: string, op: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await op();
    } catch (error) {
      if (tries >= BACKOFF_MS.length || !retryable(error)) throw toPipetraceError(error, connection, doing);
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[tries]));
    }
  }
}
