/**
 * The store's changes as server-sent events, both ends. Browser-safe: no Node built-ins.
 *
 * Each change travels as one event whose data is the StoreChange as JSON:
 *
 *   id: 7
 *   data: {"kind":"runs","ids":["0190…"]}
 *
 * plus comment lines (`: ping`) as heartbeats. `{"kind":"resync"}` means changes were missed
 * (the client fell behind, or reconnected) and whatever it shows should be read again.
 *
 * The client reads the stream with fetch (not EventSource), so it can send the bearer token and
 * runs alike in Node 20 and browsers.
 */
import { PipetraceError } from '../../src/errors.js';
import type { StoreChange } from '../../src/store.js';
import { errorFromResponse } from './protocol.js';

export const EVENT_STREAM_TYPE = 'text/event-stream';

/** How often the server sends a heartbeat comment by default. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

const KINDS = new Set(['runs', 'components', 'pointers', 'resync']);

/** One change as an SSE event. */
export function formatEvent(id: number, change: StoreChange): string {
  return `id: ${id}\ndata: ${JSON.stringify(change)}\n\n`;
}

/** A change from an event's data, or undefined when it is not one (a newer server's event). */
export function parseChange(data: string): StoreChange | undefined {
  try {
    const value = JSON.parse(data) as { kind?: unknown };
    return typeof value === 'object' && value !== null && KINDS.has(value.kind as string)
      ? (value as StoreChange)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits an SSE byte stream into the data of its events (comments and other fields skipped). */
export class EventParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds decoded text; returns the data of every event it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    let at = this.buffer.search(/\r\n|\r|\n/);
    while (at >= 0) {
      const line = this.buffer.slice(0, at);
      const skip = this.buffer.startsWith('\r\n', at) ? 2 : 1;
      this.buffer = this.buffer.slice(at + skip);
      if (line === '') {
        if (this.data.length > 0) out.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      at = this.buffer.search(/\r\n|\r|\n/);
    }
    return out;
  }
}

export interface FollowOptions {
  /** The full URL of the events route. */
  url: string;
  fetch: typeof fetch;
  /** Headers for each connection (read again on reconnect, so a new token is used). */
  headers(): Record<string, string>;
  onChange(change: StoreChange): void;
  /** Hears whether the stream is open; a refused stream (4xx) reports its error and stops. */
  onStatus?(open: boolean, error?: PipetraceError): void;
  /** The wait before reconnect attempt n (from 0). */
  delay(attempt: number): number;
  /** With no byte (heartbeats included) for this long, the connection is taken as dead. */
  idleMs: number;
}

export interface Following {
  /** Settles once the first connection is open, or the first attempt failed. */
  readonly ready: Promise<void>;
  stop(): void;
}

/**
 * Follows the events route: reconnects with backoff whenever the stream ends or stalls, and
 * after each reconnect tells `onChange` `{ kind: 'resync' }`, since what happened in between is
 * unknown. Stops on stop(), or when the server refuses the stream (401, 403, 404).
 */
export function followEvents(options: FollowOptions): Following {
  const stopper = new AbortController();
  let settle: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const loop = async () => {
    let opened = false;
    for (let attempt = 0; !stopper.signal.aborted; attempt++) {
      try {
        await connect(options, stopper.signal, () => {
          if (opened) options.onChange({ kind: 'resync' });
          opened = true;
          attempt = 0;
          settle();
          options.onStatus?.(true);
        });
      } catch (error) {
        settle();
        if (stopper.signal.aborted) return;
        const status = (error as PipetraceError).status ?? 0;
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          options.onStatus?.(false, error as PipetraceError);
          return;
        }
      }
      if (stopper.signal.aborted) return;
      options.onStatus?.(false);
      await sleep(options.delay(attempt), stopper.signal);
    }
  };
  void loop();
  return {
    ready,
    stop: () => {
      settle();
      stopper.abort();
    },
  };
}

/** One connection, until it ends (resolves), stalls or fails (throws). */
async function connect(options: FollowOptions, stop: AbortSignal, onOpen: () => void): Promise<void> {
  const attempt = new AbortController();
  const cancel = () => attempt.abort();
  stop.addEventListener('abort', cancel, { once: true });
  let idle: ReturnType<typeof setTimeout> | undefined;
  const awake = () => {
    clearTimeout(idle);
    idle = setTimeout(cancel, options.idleMs);
  };
  try {
    awake();
    const response = await options.fetch(options.url, {
      headers: { accept: EVENT_STREAM_TYPE, ...options.headers() },
      signal: attempt.signal,
      cache: 'no-store',
    });
    if (!response.ok) {
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = undefined;
      }
      throw errorFromResponse(response.status, body);
    }
    if (response.body === null) throw new PipetraceError('unavailable', 'the event stream has no body');
    onOpen();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new EventParser();
    for (;;) {
      awake();
      const { done, value } = await reader.read();
      if (done) return;
      for (const data of parser.push(decoder.decode(value, { stream: true }))) {
        const change = parseChange(data);
        if (change !== undefined) options.onChange(change);
      }
    }
  } finally {
    clearTimeout(idle);
    stop.removeEventListener('abort', cancel);
    attempt.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
