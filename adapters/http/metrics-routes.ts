/**
 * `GET /metrics`: the served store's metrics in the Prometheus text format (prometheus.ts). A
 * read route: open like the other reads, and behind the read token when the server requires
 * tokens for reads (Prometheus sends one with `authorization: { credentials_file: ... }`). Node only.
 */
import type { Registry } from 'prom-client';
import type { Pipetrace } from '../../src/pipetrace.js';
import { type PrometheusOptions, pipetraceRegistry } from './prometheus.js';
import type { Route } from './router.js';

export const METRICS_PATH = '/metrics';

/** The metrics route; createServer has it with the default options (pass one to `routes` to replace it). */
export function metricsRoutes(options: PrometheusOptions = {}): Route[] {
  // One registry per query API, so its cache serves every scrape of that server.
  const registries = new WeakMap<Pipetrace, Registry>();
  const encoder = new TextEncoder();
  return [
    {
      method: 'GET',
      path: METRICS_PATH,
      access: 'read',
      summary: 'Prometheus metrics: runs, failures, staleness, flags and drift per component',
      handle: async ({ api }) => {
        const pt = await api();
        let registry = registries.get(pt);
        if (registry === undefined) {
          registry = pipetraceRegistry(pt, options);
          registries.set(pt, registry);
        }
        const text = await registry.metrics();
        return { binary: encoder.encode(text), headers: { 'content-type': registry.contentType } };
      },
    },
  ];
}
