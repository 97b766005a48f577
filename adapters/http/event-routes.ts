/**
 * The events route: relays the served store's change notifications (Store.subscribe) to each
 * client as server-sent events (format in event-stream.ts). Node only.
 *
 * Each client has a bounded buffer: while more than `bufferBytes` wait to be sent to it, its
 * changes are dropped, and once it has caught up it gets one `{"kind":"resync"}`. A client that
 * reconnects with Last-Event-ID gets a resync at once (nothing is replayed).
 */
import { PipetraceError } from '../../src/errors.js';
import type { StoreChange } from '../../src/store.js';
import { DEFAULT_HEARTBEAT_MS, EVENT_STREAM_TYPE, formatEvent } from './event-stream.js';
import { EVENTS_PATH } from './protocol.js';
import type { Route, StreamContext } from './router.js';

export interface EventRouteOptions {
  /** A comment line this often, so proxies and clients see the stream alive. Default 15 000 ms. */
  heartbeatMs?: number;
  /** Bytes that may wait for one client before its changes are dropped. Default 1 MiB. */
  bufferBytes?: number;
  /** The reconnect delay suggested to EventSource clients. Default 2 000 ms. */
  retryMs?: number;
}

export function eventRoutes(options: EventRouteOptions = {}): Route[] {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const bufferBytes = options.bufferBytes ?? 1024 * 1024;
  const retryMs = options.retryMs ?? 2_000;
  return [
    {
      method: 'GET',
      path: EVENTS_PATH,
      access: 'read',
      summary: 'server-sent events: the store changes as they commit (runs, components, pointers, resync)',
      handle: async ({ store }) => {
        const subscribe = store.capabilities.live ? store.subscribe?.bind(store) : undefined;
        if (subscribe === undefined) {
          throw new PipetraceError('not_found', `this server's store (${store.kind}) does not report changes`);
        }
        return { stream: (ctx) => relay(ctx, subscribe, { heartbeatMs, bufferBytes, retryMs }) };
      },
    },
  ];
}

function relay(
  { req, res, headers, closing }: StreamContext,
  subscribe: (listener: (change: StoreChange) => void) => () => void,
  { heartbeatMs, bufferBytes, retryMs }: Required<EventRouteOptions>,
): void {
  res.writeHead(200, {
    ...headers,
    'content-type': `${EVENT_STREAM_TYPE}; charset=utf-8`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Proxies such as nginx would otherwise hold events back in their buffer.
    'x-accel-buffering': 'no',
    // The socket ends with the stream, so a closing server is not held up by it.
    connection: 'close',
  });
  res.write(`retry: ${retryMs}\n: connected\n\n`);
  let id = 0;
  let dropping = false;
  const send = (change: StoreChange) => {
    if (res.writableEnded) return;
    if (dropping || res.writableLength > bufferBytes) {
      dropping = true;
      return;
    }
    res.write(formatEvent(++id, change));
  };
  const caughtUp = () => {
    if (!dropping || res.writableLength > 0) return;
    dropping = false;
    send({ kind: 'resync' });
  };
  if (req.headers['last-event-id'] !== undefined) send({ kind: 'resync' });
  const unsubscribe = subscribe(send);
  const heartbeat = setInterval(() => {
    if (dropping) caughtUp();
    else if (!res.writableEnded) res.write(': ping\n\n');
  }, heartbeatMs);
  heartbeat.unref?.();
  const end = () => res.end();
  closing.addEventListener('abort', end, { once: true });
  res.on('drain', caughtUp);
  res.once('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
    closing.removeEventListener('abort', end);
  });
  if (closing.aborted) end();
}
