/**
 * One HTTP exchange with the server over global fetch, and retries with exponential backoff
 * and jitter on network errors and 5xx answers. Browser-safe: no Node built-ins.
 */
import { isPipetraceError, PipetraceError } from '../../src/errors.js';
import { BINARY_TYPE, errorFromResponse, JSON_TYPE } from './protocol.js';

export interface TransportOptions {
  url: string;
  token?: string;
  fetch: typeof fetch;
  /** Per attempt. */
  timeoutMs: number;
  /** Backoff before retry n is about min(maxDelayMs, minDelayMs * 2^n), jittered down by up to half. */
  minDelayMs: number;
  maxDelayMs: number;
  headers?: Record<string, string>;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  /** A JSON body, already serialised (the write queue builds it from parts). */
  json?: string;
  binary?: Uint8Array;
  /** What a 2xx answer carries. */
  expect: 'json' | 'binary' | 'none';
}

/** How long to keep trying: a number of retries, or until a time (ms since epoch). */
export type RetryLimit = { retries: number } | { until: number };

/** Errors worth another attempt: the server could not be reached or failed on its side. */
export function isRetryable(error: unknown): boolean {
  if (!isPipetraceError(error)) return false;
  if ((error.details as { network?: boolean } | undefined)?.network === true) return true;
  const status = error.status ?? 0;
  return status >= 500 || status === 429 || status === 408;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Transport {
  readonly base: string;
  private cancelled: Error | undefined;

  constructor(private readonly options: TransportOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new PipetraceError('invalid_input', `url: not a URL: ${JSON.stringify(options.url)}`, { field: 'url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PipetraceError('invalid_input', 'url: must be http: or https:', { field: 'url' });
    }
    this.base = url.href.replace(/\/+$/, '');
  }

  /** One attempt. Network failures become 'unavailable' errors marked as retryable. */
  async once(spec: RequestSpec, timeoutMs = this.options.timeoutMs): Promise<unknown> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    let body: string | Uint8Array | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = JSON_TYPE;
      body = spec.json;
    } else if (spec.binary !== undefined) {
      headers['content-type'] = BINARY_TYPE;
      body = spec.binary;
    }
    const qs = spec.query === undefined ? '' : `?${new URLSearchParams(spec.query).toString()}`;
    // One controller and timer per attempt, cleared when it ends (AbortSignal.timeout costs more).
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    try {
      return await this.exchange(`${this.base}${spec.path}${qs}`, spec, headers, body, abort.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async exchange(
    url: string,
    spec: RequestSpec,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method: spec.method,
        headers,
        body: body as BodyInit | undefined,
        signal,
      });
    } catch (cause) {
      throw new PipetraceError('unavailable', `cannot reach ${this.base}: ${(cause as Error)?.message ?? cause}`, {
        cause,
        details: { network: true },
      });
    }
    try {
      if (!response.ok) {
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        throw errorFromResponse(response.status, parsed);
      }
      if (spec.expect === 'json') return await response.json();
      if (spec.expect === 'binary') return new Uint8Array(await response.arrayBuffer());
      await response.arrayBuffer();
      return undefined;
    } catch (cause) {
      if (isPipetraceError(cause)) throw cause;
      // The answer broke off or was not what the protocol promises.
      throw new PipetraceError('unavailable', `bad answer from ${this.base}: ${(cause as Error)?.message ?? cause}`, {
        cause,
        details: { network: true },
      });
    }
  }

  /** Attempts until success, a non-retryable error, or the limit. Throws the last error. */
  async send(spec: RequestSpec, limit: RetryLimit): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (this.cancelled !== undefined) throw this.cancelled;
      // An attempt never outlasts the deadline: a hung server cannot stretch it.
      const timeout =
        'until' in limit ? Math.max(1, Math.min(this.options.timeoutMs, limit.until - Date.now())) : undefined;
      try {
        return await this.once(spec, timeout);
      } catch (error) {
        if (!isRetryable(error)) throw error;
        const wait = this.delay(attempt);
        const more = 'retries' in limit ? attempt < limit.retries : Date.now() + wait < limit.until;
        if (!more) throw error;
        await sleep(wait);
      }
    }
  }

  /** Stops every retry loop: their next attempt throws `error` instead. */
  cancel(error: Error): void {
    this.cancelled = error;
  }

  delay(attempt: number): number {
    const { minDelayMs, maxDelayMs } = this.options;
    const full = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(attempt, 30));
    return full * (0.5 + Math.random() * 0.5);
  }
}
