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
  type CollectedFamily,
  checkMetricFamilyOptions,
  collectMetricFamilies,
  METRIC_FAMILIES,
  type MetricFamilyDef,
  type MetricFamilyOptions,
  type MetricSeries,
  OVERFLOW_FAMILY,
  OVERFLOW_LABEL,
  TASK_FAMILIES,
} from '../../src/monitor/metric-families.js';
import type { Pipetrace } from '../../src/pipetrace.js';
import { checkOptions, describe } from '../../src/validate.js';

export interface PrometheusOptions extends MetricFamilyOptions {
  /**
   * A collection is served again to scrapes within this many ms (default 5 000), so several
   * scrapers, or one scraping often, cost one pass over the store.
   */
  cacheMs?: number;
  /**
   * With a store that reports its writes (`capabilities.live`), a collection is also served
   * until the store reports one, for up to this many ms (default 60 000: the clock still moves
   * staleness). So an idle store costs nothing to scrape. 0 with cacheMs 0: collect every scrape.
   */
  maxAgeMs?: number;
}

export const DEFAULT_METRICS_CACHE_MS = 5_000;
export const DEFAULT_METRICS_MAX_AGE_MS = 60_000;

/** Every family exposed, in order (the task families included once they are plugged in). */
export function metricFamilyDefs(): MetricFamilyDef[] {
  return [...Object.values(METRIC_FAMILIES), ...TASK_FAMILIES.map((t) => t.def), OVERFLOW_FAMILY];
}

const checkMs = (field: string, value: unknown) => {
  if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value)))
    throw invalid(`options.${field}`, `must be a number of ms from 0, got ${describe(value)}`);
};

function checkPrometheusOptions(options: unknown): PrometheusOptions {
  const o = checkOptions<PrometheusOptions>('options', options, [
    'cacheMs',
    'maxAgeMs',
    'maxSeriesPerFamily',
    'monitor',
  ]);
  const { cacheMs, maxAgeMs, ...rest } = o;
  checkMetricFamilyOptions(rest);
  checkMs('cacheMs', cacheMs);
  checkMs('maxAgeMs', maxAgeMs);
  return o;
}

interface Collection {
  families: Promise<Map<string, MetricSeries[]>>;
  /** The store's write count when it started: a later write makes it out of date. */
  version: number;
  at: number;
  settled: boolean;
}

/** The collected families, shared by every metric of one scrape and reused while still current. */
function cachedCollection(
  pt: Pipetrace,
  options: PrometheusOptions,
): { get(): Promise<Map<string, MetricSeries[]>>; close(): void } {
  const { cacheMs = DEFAULT_METRICS_CACHE_MS, maxAgeMs = DEFAULT_METRICS_MAX_AGE_MS, ...familyOptions } = options;
  let last: Collection | undefined;
  let version = 0;
  let unsubscribe: (() => void) | undefined;
  const listen = () => {
    const { store } = pt;
    if (unsubscribe !== undefined || maxAgeMs === 0 || !store.capabilities.live || store.subscribe === undefined)
      return;
    unsubscribe = store.subscribe(() => {
      version++;
    });
  };
  const current = (c: Collection, now: number) =>
    // A scrape reads every family at once: the collection in flight serves them all.
    !c.settled || now - c.at < cacheMs || (unsubscribe !== undefined && c.version === version && now - c.at < maxAgeMs);
  return {
    get() {
      const now = Date.now();
      if (last !== undefined && current(last, now)) return last.families;
      listen();
      const entry: Collection = {
        version,
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
    },
    close() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
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
 * removes them again (and stops listening to the store's writes).
 */
export function registerPipetraceMetrics(
  registry: Registry,
  pt: Pipetrace,
  options: PrometheusOptions = {},
): () => void {
  const o = checkPrometheusOptions(options);
  if (!(registry instanceof Registry)) throw invalid('registry', 'must be a prom-client Registry');
  const collection = cachedCollection(pt, o);
  const defs = metricFamilyDefs();
  for (const def of defs) {
    const labelNames = [...def.labelNames, OVERFLOW_LABEL];
    const seriesOf = async () => (await collection.get()).get(def.name) ?? [];
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
    collection.close();
  };
}

/** A prom-client Registry holding pipetrace's metrics only, for `pt`'s store. */
export function pipetraceRegistry(pt: Pipetrace, options: PrometheusOptions = {}): Registry {
  const registry = new Registry();
  registerPipetraceMetrics(registry, pt, options);
  return registry;
}
