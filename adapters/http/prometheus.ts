/**
 * pipetrace's metrics as prom-client metrics: for `GET /metrics` on the server, and for a user's
 * own Node server (`pipetraceRegistry`, `registerPipetraceMetrics` from pipetrace/server). Node
 * only (prom-client); the families themselves are gathered in src/monitor/metric-families.ts.
 *
 *   const registry = pipetraceRegistry(pt);
 *   res.setHeader('content-type', registry.contentType);
 *   res.end(await registry.metrics());
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { invalid } from '../../src/errors.js';
import {
  ALL_FAMILIES,
  type CollectedFamily,
  checkMetricFamilyOptions,
  collectMetricFamilies,
  type MetricFamilyOptions,
  type MetricSeries,
  OVERFLOW_LABEL,
} from '../../src/monitor/metric-families.js';
import type { Pipetrace } from '../../src/pipetrace.js';
import { checkOptions, describe } from '../../src/validate.js';

export interface PrometheusOptions extends MetricFamilyOptions {
  /**
   * A collection is served again to scrapes within this many ms (default 5 000), so several
   * scrapers, or one scraping often, cost one pass over the store. 0: every scrape collects
   * (one collection still serves all the families of a scrape).
   */
  cacheMs?: number;
}

export const DEFAULT_METRICS_CACHE_MS = 5_000;

function checkPrometheusOptions(options: unknown): PrometheusOptions {
  const o = checkOptions<PrometheusOptions>('options', options, [
    'cacheMs',
    'maxSeriesPerFamily',
    'monitor',
    'tasks',
    'now',
  ]);
  const { cacheMs, ...rest } = o;
  checkMetricFamilyOptions(rest);
  if (cacheMs !== undefined && !(typeof cacheMs === 'number' && cacheMs >= 0 && Number.isFinite(cacheMs)))
    throw invalid('options.cacheMs', `must be a number of ms from 0, got ${describe(cacheMs)}`);
  return o;
}

interface Collection {
  families: Promise<Map<string, MetricSeries[]>>;
  at: number;
  settled: boolean;
}

/** The collected families, shared by every metric of one scrape and reused for cacheMs. */
function cachedCollection(pt: Pipetrace, options: PrometheusOptions): () => Promise<Map<string, MetricSeries[]>> {
  const { cacheMs = DEFAULT_METRICS_CACHE_MS, ...familyOptions } = options;
  let last: Collection | undefined;
  return () => {
    const now = Date.now();
    // A scrape reads every family at once: the collection in flight serves them all.
    if (last !== undefined && (!last.settled || now - last.at < cacheMs)) return last.families;
    const entry: Collection = {
      at: now,
      settled: false,
      families: collectMetricFamilies(pt, familyOptions).then(
        (collected: CollectedFamily[]) => new Map(collected.map((f) => [f.def.name, f.series])),
      ),
    };
    last = entry;
    entry.families.then(
      () => {
        entry.settled = true;
      },
      () => {
        // A failed collection is not reused: the next scrape tries again.
        entry.settled = true;
        if (last === entry) last = undefined;
      },
    );
    return entry.families;
  };
}

/** A metric's series replaced by the collected ones (counters too: the store holds their totals). */
function refill(metric: { reset(): void }, series: readonly MetricSeries[], put: (s: MetricSeries) => void): void {
  metric.reset();
  for (const s of series) put(s);
}

/**
 * Registers pipetrace's metrics on `registry` (yours, or prom-client's default `register`); they
 * are read from the store behind `pt` when the registry is scraped. Returns a function that
 * removes them again.
 */
export function registerPipetraceMetrics(
  registry: Registry,
  pt: Pipetrace,
  options: PrometheusOptions = {},
): () => void {
  const o = checkPrometheusOptions(options);
  if (!(registry instanceof Registry)) throw invalid('registry', 'must be a prom-client Registry');
  const collection = cachedCollection(pt, o);
  const defs = ALL_FAMILIES;
  for (const def of defs) {
    const labelNames = [...def.labelNames, OVERFLOW_LABEL];
    const seriesOf = async () => (await collection()).get(def.name) ?? [];
    const common = { name: def.name, help: def.help, labelNames, registers: [] };
    const metric =
      def.type === 'counter'
        ? new Counter({
            ...common,
            async collect() {
              refill(this, await seriesOf(), (s) => this.inc(s.labels, s.value));
            },
          })
        : new Gauge({
            ...common,
            async collect() {
              refill(this, await seriesOf(), (s) => this.set(s.labels, s.value));
            },
          });
    registry.registerMetric(metric);
  }
  return () => {
    for (const def of defs) registry.removeSingleMetric(def.name);
  };
}

/** A prom-client Registry holding pipetrace's metrics only, for `pt`'s store. */
export function pipetraceRegistry(pt: Pipetrace, options: PrometheusOptions = {}): Registry {
  const registry = new Registry();
  registerPipetraceMetrics(registry, pt, options);
  return registry;
}
