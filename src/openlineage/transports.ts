/**
 * Where events go. A transport is one method, `emit(events)`; events of one run are passed in
 * order (START before COMPLETE) and a transport must keep that order.
 */
import { PipetraceError } from '../errors.js';
import type { LineageEvent } from './types.js';

export interface Transport {
  /** Sends the events, in order. Resolves when they are accepted; rejects when they cannot be. */
  emit(events: readonly LineageEvent[]): Promise<void>;
  /** Releases files or connections. */
  close?(): Promise<void>;
}

export interface HttpTransportOptions {
  /** The server's base URL, e.g. 'http://localhost:5000'; events go to `{url}/api/v1/lineage`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** POST each event alone (Marquez, default) or arrays of up to this many (pipetrace's server accepts arrays). */
  batchSize?: number;
  /** Attempts after the first on network errors, 408, 429 and 5xx. Default 5. */
  retries?: number;
  /** First backoff; doubles each retry, with jitter, capped at maxBackoffMs. Default 200. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** The fetch to use; default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Called before each retry (logging, metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Posts events to `{url}/api/v1/lineage` as Marquez and other OpenLineage servers accept them. */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.url.replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(base)) {
    throw new PipetraceError('invalid_input', `url: must be an http(s) URL, got ${JSON.stringify(options.url)}`, {
      field: 'url',
    });
  }
  const endpoint = `${base}/api/v1/lineage`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 5;
  const backoff = options.backoffMs ?? 200;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  const timeout = options.timeoutMs ?? 10_000;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1));
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;

  async function post(body: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let error: unknown;
      let retryAfter: number | undefined;
      try {
        const response = await doFetch(endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeout),
        });
        if (response.ok) {
          await response.body?.cancel();
          return;
        }
        const text = await response.text().catch(() => '');
        error = new PipetraceError(
          response.status === 401 || response.status === 403
            ? 'unauthorized'
            : response.status >= 500
              ? 'unavailable'
              : 'invalid_input',
          `POST ${endpoint} answered HTTP ${response.status}${text ? `: ${text.slice(0, 500)}` : ''}`,
          { status: response.status },
        );
        if (!RETRY_STATUS.has(response.status)) throw error;
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header > 0) retryAfter = Math.min(header * 1000, maxBackoff);
      } catch (e) {
        if (e instanceof PipetraceError && e === error) throw e;
        error ??= e;
      }
      if (attempt >= retries) {
        throw new PipetraceError(
          'unavailable',
          `POST ${endpoint} failed after ${attempt + 1} attempts: ${String((error as Error)?.message ?? error)}`,
          {
            cause: error,
          },
        );
      }
      const delayMs = retryAfter ?? Math.min(maxBackoff, backoff * 2 ** attempt) * (0.5 + Math.random() / 2);
      options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await sleep(delayMs);
    }
  }

  return {
    async emit(events) {
      if (batchSize === 1) {
        for (const event of events) await post(JSON.stringify(event));
        return;
      }
      for (let i = 0; i < events.length; i += batchSize) await post(JSON.stringify(events.slice(i, i + batchSize)));
    },
  };
}

/** Prints each event as one JSON line (to console.log unless `write` is given). */
export function consoleTransport(options: { write?: (line: string) => void; pretty?: boolean } = {}): Transport {
  const write = options.write ?? ((line: string) => console.log(line));
  return {
    async emit(events) {
      for (const event of events) write(options.pretty ? JSON.stringify(event, null, 2) : JSON.stringify(event));
    },
  };
}
