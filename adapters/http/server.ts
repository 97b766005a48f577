/**
 * `pipetrace/server`: serve any store over HTTP. Node only.
 *
 *   const server = createServer({ store: fsJsonStore({ dir: '.pipetrace' }), token: process.env.PIPETRACE_TOKEN });
 *   const { url } = await server.listen(0, '127.0.0.1');
 *   // ... later
 *   await server.close();
 */
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PipetraceError } from '../../src/errors.js';
import { eventRoutes } from './event-routes.js';
import { createRouteHandler, type HandlerOptions } from './handler.js';
import { metricsRoutes } from './metrics-routes.js';
import { openLineageRoutes } from './openlineage-routes.js';
import { queryRoutes } from './query-routes.js';
import type { Route } from './router.js';
import { storeRoutes } from './store-routes.js';

export type { MetricFamilyOptions } from '../../src/monitor/metric-families.js';
export type { TaskFamilyOptions } from '../../src/monitor/task-families.js';
export { type DashboardRouteOptions, dashboardRoutes } from './dashboard-routes.js';
export { type EventRouteOptions, eventRoutes } from './event-routes.js';
export type { HandlerOptions } from './handler.js';
export { DEFAULT_BODY_LIMIT } from './handler.js';
export { METRICS_PATH, metricsRoutes } from './metrics-routes.js';
export { LINEAGE_PATH, type OpenLineageRouteOptions, openLineageRoutes } from './openlineage-routes.js';
export {
  DEFAULT_METRICS_CACHE_MS,
  type PrometheusOptions,
  pipetraceRegistry,
  registerPipetraceMetrics,
} from './prometheus.js';
export { API_PREFIX, EVENTS_PATH, QUERY_PATHS, STORE_PATHS } from './protocol.js';
export { queryRoutes } from './query-routes.js';
export type { Access, Method, Reply, Route, RouteContext, StreamContext } from './router.js';
export { bodyObject, json } from './router.js';
export type { AuthOptions } from './security.js';
export { storeRoutes } from './store-routes.js';

export type ServerOptions = Omit<HandlerOptions, 'baseRoutes'>;

/** The routes every server offers: the store routes, the query routes, OpenLineage ingest, the change events and /metrics. */
export function defaultRoutes(): Route[] {
  return [...storeRoutes(), ...queryRoutes(), ...openLineageRoutes(), ...eventRoutes(), ...metricsRoutes()];
}

/** A node:http request listener serving `store` with the default routes plus `options.routes`. */
export function createHandler(options: ServerOptions): RequestListener {
  return createRouteHandler({ ...options, baseRoutes: defaultRoutes() });
}

export interface PipetraceServer {
  /** Starts listening; port 0 picks a free port. Resolves with where it listens. */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string }>;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs` (default
   * 1000), then ends every connection. Does not close the store.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** The port it listens on (0 before listen). */
  readonly port: number;
  /** http://host:port (empty before listen). */
  readonly url: string;
  /** The underlying node:http server. */
  readonly server: Server;
}

/** An HTTP server for `store`. Writes need the token (option or PIPETRACE_TOKEN). */
export function createServer(options: ServerOptions): PipetraceServer {
  // Ends the event streams on close, which would otherwise hold their connections open.
  const closing = new AbortController();
  const signal = options.closing === undefined ? closing.signal : AbortSignal.any([options.closing, closing.signal]);
  const server = createHttpServer(createHandler({ ...options, closing: signal }));
  // Loopback clients keep connections alive; a longer idle timeout than the client avoids resets.
  server.keepAliveTimeout = 10_000;
  // A slow or stalled client cannot hold a connection open for long.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  let where: { port: number; host: string; url: string } | undefined;
  return {
    server,
    get port() {
      return where?.port ?? 0;
    },
    get url() {
      return where?.url ?? '';
    },
    listen(port = 0, host = '127.0.0.1') {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        return Promise.reject(new PipetraceError('invalid_input', `port: must be 0 to 65535, got ${port}`));
      }
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          where = { port: address.port, host: address.address, url: `http://${shown}:${address.port}` };
          resolve(where);
        });
      });
    },
    close({ graceMs = 1000 } = {}) {
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        closing.abort();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
