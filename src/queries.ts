/**
 * The read queries, declared once. Each entry names a `Pipetrace` method and says how its
 * arguments travel as an HTTP GET under `/api/v1`, and how its result travels as JSON; its
 * argument checker is beside it in `QUERY_CHECKS` (src/query-checks.ts), kept apart so a page
 * that only asks a server does not load every analysis. The analyst (in a worker or in-thread),
 * the worker engine, the server's query routes, the dashboard's clients and `QUERY_PATHS` are
 * all derived from these tables: a new query is a facade method plus one entry in each.
 */
import { invalid } from './errors.js';
import { defined, type HttpParts, type ParamReader, targetValues } from './http-params.js';
import { labelledFromJson, labelledToJson, reportFromJson, reportToJson } from './labels/wire.js';
import type { DriftOptions } from './monitor/drift.js';
import type { MonitorOptions } from './monitor/monitor.js';
import type { Pipetrace } from './pipetrace.js';
import type { RowTraceOptions } from './rows/trace.js';
import { rowKeyFromText, rowKeyToText, rowTraceFromJson, rowTraceToJson } from './rows/wire.js';
import type { TaskMetricsQuery } from './task/types.js';

/** The most runs one HTTP answer of `trace` holds; `next` continues. */
export const TRACE_PAGE_MAX = 2000;

/** Every read query, in the order they are listed. */
export const QUERY_NAMES = [
  'trace',
  'staleness',
  'latestRuns',
  'review',
  'reviewRows',
  'history',
  'recent',
  'inspect',
  'flagged',
  'components',
  'tags',
  'pointer',
  'traceRow',
  'impact',
  'drift',
  'monitor',
  'profile',
  'tasks',
  'taskMetrics',
  'checks',
  'labelled',
  'retractions',
  'retraction',
  'flaggedRowCounts',
] as const;

export type QueryName = (typeof QUERY_NAMES)[number];
/** The read queries of the facade: what an analyst and the dashboard's clients offer. */
export type Queries = Pick<Pipetrace, QueryName>;
export type QueryArgs<K extends QueryName> = Parameters<Pipetrace[K]>;
export type QueryResult<K extends QueryName> = Awaited<ReturnType<Pipetrace[K]>>;

export interface QueryDef<K extends QueryName> {
  /** Path under `/api/v1`; `:name` segments are path parameters. */
  path: string;
  /** The request and response in one line, for the server's route list. */
  summary: string;
  /** How many arguments the method takes; the analyst accepts one more, its call options. */
  arity: number;
  /** The arguments as an HTTP GET (client side). */
  toHttp(...args: QueryArgs<K>): HttpParts;
  /** The arguments from an HTTP GET (server side); the method checks them. */
  fromHttp(req: ParamReader): QueryArgs<K>;
  /** The result's JSON form on the wire, and back (identity when absent). */
  toJson?(value: QueryResult<K>): unknown;
  fromJson?(json: unknown): QueryResult<K>;
  /** The result is plain JSON (no typed arrays or bigints): a large one crosses a worker as one string. */
  plainJson: boolean;
}

/** A list result travels wrapped in an object (`{ runs: [...] }`), so the response can grow fields. */
function wrapped<K extends QueryName>(field: string): Pick<QueryDef<K>, 'toJson' | 'fromJson'> {
  return {
    toJson: (value) => ({ [field]: value }),
    fromJson: (json) => (json as Record<string, QueryResult<K>>)[field] as QueryResult<K>,
  };
}

function rowWalk(path: string, summary: string): QueryDef<'traceRow' | 'impact'> {
  return {
    path,
    summary,
    arity: 3,
    toHttp: (pointer, key, options = {}) => ({
      query: {
        pointer,
        key: rowKeyToText(key),
        run: options.run,
        maxRows: options.maxRows,
        maxSteps: options.maxSteps,
      },
    }),
    fromHttp: (r) => {
      const pointer = r.required('pointer');
      const key = rowKeyFromText('key', r.required('key', ' (JSON: "a", 42 or ["a", 1])'));
      const options: RowTraceOptions = defined({
        run: r.text('run'),
        maxRows: r.int('maxRows'),
        maxSteps: r.int('maxSteps'),
      });
      return [pointer, key, options];
    },
    toJson: rowTraceToJson,
    fromJson: rowTraceFromJson,
    plainJson: false,
  };
}

/** A JSON-valued parameter (drift's reference and thresholds): `previous`, `auto` or JSON. */
function jsonParam(r: ParamReader, name: string): unknown {
  const raw = r.text(name);
  if (raw === undefined || raw === 'auto' || raw === 'previous') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid(name, 'must be auto, previous or JSON');
  }
}

/** Drift's and monitor's comparison options as query parameters. */
function compareToHttp(o: DriftOptions & MonitorOptions) {
  return {
    reference: typeof o.reference === 'object' ? JSON.stringify(o.reference) : o.reference,
    thresholds: o.thresholds === undefined ? undefined : JSON.stringify(o.thresholds),
    numeric: o.numeric,
    categorical: o.categorical,
    missingThreshold: o.missingThreshold,
  };
}

function compareFromHttp(r: ParamReader) {
  return defined({
    reference: jsonParam(r, 'reference') as DriftOptions['reference'],
    thresholds: jsonParam(r, 'thresholds') as DriftOptions['thresholds'],
    numeric: r.text('numeric') as DriftOptions['numeric'],
    categorical: r.text('categorical') as DriftOptions['categorical'],
    missingThreshold: r.num('missingThreshold'),
  });
}

/** The table. A missing entry, or one whose types disagree with its `Pipetrace` method, fails to compile. */
export const QUERIES: { readonly [K in QueryName]: QueryDef<K> } = {
  trace: {
    path: '/trace',
    summary: `?pointer= | ?run= | ?target= [&depth=&at=&limit=&cursor=&total=&headsAbove=] -> Trace, or TraceHeads over headsAbove runs (pages of at most ${TRACE_PAGE_MAX} runs, next: the cursor)`,
    arity: 2,
    toHttp: (target, options = {}) => ({
      query: {
        ...targetValues(target),
        depth: options.depth,
        at: options.at,
        limit: options.limit,
        cursor: options.cursor,
        total: options.total === undefined ? undefined : String(options.total),
        headsAbove: options.headsAbove,
      },
    }),
    // A big trace travels in pages: a 40,000-run chain must not become one 46 MB answer.
    fromHttp: (r) => {
      const total = r.text('total');
      if (total !== undefined && total !== 'true' && total !== 'false') throw invalid('total', 'must be true or false');
      const limit = r.int('limit');
      return [
        r.target(),
        defined({
          depth: r.int('depth'),
          at: r.millis('at'),
          limit: limit === undefined || limit > TRACE_PAGE_MAX ? TRACE_PAGE_MAX : limit,
          cursor: r.text('cursor'),
          total: total === undefined ? undefined : total === 'true',
          headsAbove: r.int('headsAbove'),
        }),
      ];
    },
    plainJson: true,
  },
  staleness: {
    path: '/staleness',
    summary: '?pointer= | ?run= | ?target= [&maxAgeDays=&maxFresherRuns=&now=] -> Staleness',
    arity: 2,
    toHttp: (target, options = {}) => ({
      query: {
        ...targetValues(target),
        maxAgeDays: options.maxAgeDays,
        maxFresherRuns: options.maxFresherRuns,
        now: options.now,
      },
    }),
    fromHttp: (r) => [
      r.target(),
      defined({ maxAgeDays: r.num('maxAgeDays'), maxFresherRuns: r.int('maxFresherRuns'), now: r.millis('now') }),
    ],
    plainJson: true,
  },
  latestRuns: {
    path: '/latest-runs',
    summary:
      '?components= (repeatable) &limit=&maxAgeDays=&maxFresherRuns=&now= -> { latest: { component, run, staleness }[] }',
    arity: 1,
    toHttp: (options = {}) => ({
      query: {
        components: options.components,
        limit: options.limit,
        maxAgeDays: options.maxAgeDays,
        maxFresherRuns: options.maxFresherRuns,
        now: options.now,
      },
    }),
    fromHttp: (r) => [
      defined({
        components: r.list('components'),
        limit: r.int('limit'),
        maxAgeDays: r.num('maxAgeDays'),
        maxFresherRuns: r.int('maxFresherRuns'),
        now: r.millis('now'),
      }),
    ],
    ...wrapped<'latestRuns'>('latest'),
    plainJson: true,
  },
  review: {
    path: '/review',
    summary: '?method=ochiai|tarantula|risk_ratio|coverage&minSupport=&limit= -> Review',
    arity: 1,
    toHttp: (options = {}) => ({ query: { ...options } }),
    fromHttp: (r) => [
      defined({ method: r.text('method') as never, minSupport: r.int('minSupport'), limit: r.int('limit') }),
    ],
    plainJson: true,
  },
  reviewRows: {
    path: '/review/rows',
    summary: '?pointers=&population= (repeatable) &since=&until=&metric=&limit= -> RowReview',
    arity: 1,
    toHttp: (options = {}) => ({ query: { ...options } }),
    fromHttp: (r) => [
      defined({
        pointers: r.list('pointers'),
        population: r.list('population'),
        since: r.millis('since'),
        until: r.millis('until'),
        metric: r.text('metric') as never,
        limit: r.int('limit'),
      }),
    ],
    plainJson: true,
  },
  history: {
    path: '/components/:name/history',
    summary: '?since=&until=&limit=&cursor= -> { runs, cursor? }',
    arity: 2,
    toHttp: (component, options = {}) => ({
      params: { name: component },
      query: {
        since: options.since instanceof Date ? options.since.getTime() : options.since,
        until: options.until instanceof Date ? options.until.getTime() : options.until,
        limit: options.limit,
        cursor: options.cursor,
      },
    }),
    fromHttp: (r) => [
      r.param('name'),
      defined({ since: r.time('since'), until: r.time('until'), limit: r.int('limit'), cursor: r.text('cursor') }),
    ],
    plainJson: true,
  },
  recent: {
    path: '/recent',
    summary: '?limit= -> { runs }',
    arity: 1,
    toHttp: (limit) => ({ query: { limit } }),
    fromHttp: (r) => [r.int('limit') ?? 10],
    ...wrapped<'recent'>('runs'),
    plainJson: true,
  },
  inspect: {
    path: '/runs/:id',
    summary: '-> Run',
    arity: 1,
    toHttp: (id) => ({ params: { id } }),
    fromHttp: (r) => [r.param('id')],
    plainJson: true,
  },
  flagged: {
    path: '/flagged',
    summary: '-> { pointers }',
    arity: 0,
    toHttp: () => ({}),
    fromHttp: () => [],
    ...wrapped<'flagged'>('pointers'),
    plainJson: true,
  },
  components: {
    path: '/components',
    summary: '?owner=&tag= -> { components }',
    arity: 1,
    toHttp: (filter = {}) => ({ query: { owner: filter.owner, tag: filter.tag } }),
    fromHttp: (r) => [defined({ owner: r.text('owner'), tag: r.text('tag') })],
    ...wrapped<'components'>('components'),
    plainJson: true,
  },
  tags: {
    path: '/tags',
    summary: '-> { tags: { tag, count }[] }',
    arity: 0,
    toHttp: () => ({}),
    fromHttp: () => [],
    ...wrapped<'tags'>('tags'),
    plainJson: true,
  },
  pointer: {
    path: '/pointer',
    summary: '?name= -> Pointer',
    arity: 1,
    toHttp: (name) => ({ query: { name } }),
    fromHttp: (r) => [r.text('name') as string],
    plainJson: true,
  },
  traceRow: rowWalk('/rows/trace', '?pointer=&key=<JSON key>[&run=&maxRows=&maxSteps=] -> RowTrace (backward)'),
  impact: rowWalk('/rows/impact', '?pointer=&key=<JSON key>[&run=&maxRows=&maxSteps=] -> RowTrace (forward)'),
  drift: {
    path: '/drift',
    summary:
      '?pointer= | ?run= | ?target= [&reference=auto|previous|<JSON>&output=&columns=&numeric=&categorical=&thresholds=<JSON>&missingThreshold=] -> DriftReport',
    arity: 2,
    toHttp: (target, options = {}) => ({
      query: { ...targetValues(target), ...compareToHttp(options), output: options.output, columns: options.columns },
    }),
    fromHttp: (r) => [
      r.target(),
      { ...compareFromHttp(r), ...defined({ output: r.text('output'), columns: r.list('columns') }) },
    ],
    plainJson: true,
  },
  monitor: {
    path: '/monitor',
    summary:
      '?components= (repeatable) &reference=&numeric=&categorical=&thresholds=&missingThreshold= -> MonitorReport',
    arity: 1,
    toHttp: (options = {}) => ({ query: { ...compareToHttp(options), components: options.components } }),
    fromHttp: (r) => [{ ...compareFromHttp(r), ...defined({ components: r.list('components') }) }],
    plainJson: true,
  },
  profile: {
    path: '/profile',
    summary: '?pointer= | ?run= | ?target= [&output=] -> ProfileSummary',
    arity: 2,
    toHttp: (target, output) => ({ query: { ...targetValues(target), output } }),
    fromHttp: (r) => [r.target(), r.text('output')],
    plainJson: true,
  },
  tasks: {
    path: '/tasks',
    summary: '-> { tasks: { name, outputs, feedback, outputBatches, feedbackBatches }[] }',
    arity: 0,
    toHttp: () => ({}),
    fromHttp: () => [],
    ...wrapped<'tasks'>('tasks'),
    plainJson: true,
  },
  taskMetrics: {
    path: '/tasks/:name/metrics',
    summary:
      '?metric=mae|rmse|accuracy|precision|recall|count [&window=1d&since=&until=&by=feedback|output&positive=<JSON>] -> TaskMetrics',
    arity: 2,
    toHttp: (task, options) => ({
      params: { name: task },
      query: {
        metric: options.metric,
        window: options.window,
        since: options.since instanceof Date ? options.since.getTime() : options.since,
        until: options.until instanceof Date ? options.until.getTime() : options.until,
        by: options.by,
        positive: options.positive === undefined ? undefined : JSON.stringify(options.positive),
      },
    }),
    fromHttp: (r) => {
      const window = r.time('window');
      const positive = jsonParam(r, 'positive');
      return [
        r.param('name'),
        defined({
          metric: r.required('metric') as TaskMetricsQuery['metric'],
          window,
          since: r.time('since'),
          until: r.time('until'),
          by: r.text('by') as TaskMetricsQuery['by'],
          positive: positive as TaskMetricsQuery['positive'],
        }),
      ];
    },
    plainJson: true,
  },
  checks: {
    path: '/checks',
    summary: '?component=&since=&until=&outcome=pass|fail|error&name=&limit= -> { results, truncated }',
    arity: 1,
    toHttp: (query = {}) => ({
      query: {
        ...query,
        since: query.since instanceof Date ? query.since.getTime() : query.since,
        until: query.until instanceof Date ? query.until.getTime() : query.until,
      },
    }),
    fromHttp: (r) => [
      defined({
        component: r.text('component'),
        since: r.time('since'),
        until: r.time('until'),
        outcome: r.text('outcome') as never,
        name: r.text('name'),
        limit: r.int('limit'),
      }),
    ],
    plainJson: true,
  },
  labelled: {
    path: '/labelled',
    summary: '?label=[&maxRows=] -> Labelled',
    arity: 2,
    toHttp: (label, options = {}) => ({ query: { label, maxRows: options.maxRows } }),
    fromHttp: (r) => [r.required('label'), defined({ maxRows: r.int('maxRows') })],
    toJson: labelledToJson,
    fromJson: labelledFromJson,
    plainJson: false,
  },
  retractions: {
    path: '/retractions',
    summary: '[?all=true] -> { retractions }',
    arity: 1,
    toHttp: (options = {}) => ({ query: { all: options.all === undefined ? undefined : String(options.all) } }),
    fromHttp: (r) => {
      const all = r.text('all');
      if (all !== undefined && all !== 'true' && all !== 'false') throw invalid('all', 'must be true or false');
      return [all === undefined ? {} : { all: all === 'true' }];
    },
    ...wrapped<'retractions'>('retractions'),
    plainJson: true,
  },
  retraction: {
    path: '/retraction',
    summary: '?label= -> RetractionReport (recomputed now)',
    arity: 1,
    toHttp: (label) => ({ query: { label } }),
    fromHttp: (r) => [r.required('label')],
    toJson: reportToJson,
    fromJson: reportFromJson,
    plainJson: false,
  },
  flaggedRowCounts: {
    path: '/rows/flagged',
    summary: '-> { pointers: { pointer, rows, updatedAt? }[] }',
    arity: 0,
    toHttp: () => ({}),
    fromHttp: () => [],
    ...wrapped<'flaggedRowCounts'>('pointers'),
    plainJson: true,
  },
};

/** The query paths, beside STORE_PATHS: `/api/v1` + each entry's path. */
export function queryPaths(prefix: string): { readonly [K in QueryName]: string } {
  return Object.fromEntries(QUERY_NAMES.map((name) => [name, prefix + QUERIES[name].path])) as {
    [K in QueryName]: string;
  };
}

/** Checks a query name that may come from outside (a message, a route): only the listed queries run. */
export function isQueryName(name: unknown): name is QueryName {
  return typeof name === 'string' && (QUERY_NAMES as readonly string[]).includes(name);
}
