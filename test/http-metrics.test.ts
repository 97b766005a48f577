/**
 * GET /metrics on a real server over loopback: the exposition passes `promtool check metrics`,
 * and each family moves when the store does (a failed run, a flag, flagged rows, drift, a stale run).
 */
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServer,
  metricsRoutes,
  type PipetraceServer,
  registerPipetraceMetrics,
} from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../src/index.js';
import { collectMetricFamilies } from '../src/monitor/metric-families.js';
import { DAY, T0 } from './helpers.js';
import { checkMetrics } from './prometheus/promtool.js';

const servers: PipetraceServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A server over a fresh memory store; metrics collected on every scrape unless options say otherwise. */
async function serve(options: Parameters<typeof metricsRoutes>[0] = { cacheMs: 0 }, auth = {}) {
  const store = memoryStore();
  const clock = { t: T0 };
  const pt = createPipetrace({ store, now: () => clock.t });
  const routes = metricsRoutes({ now: () => clock.t, ...options });
  const server = createServer({ store, pipetrace: pt, routes, env: {}, ...auth });
  servers.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  return { pt, clock, url, scrape };
}

/** The value of one sample in an exposition, by name and exact label set; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
  const head = want === '' ? name : `${name}{${want}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${head} `));
  return line === undefined ? undefined : Number(line.slice(head.length + 1));
}

const column = (n: number, shift: number) => Array.from({ length: n }, (_, i) => (i % 50) + shift);

/** A cleaning run on `day` whose output's `distance` column is shifted by `shift`. */
async function cleaning(pt: Pipetrace, day: number, shift: number) {
  const run = pt.startRun('cleaning', { startedAt: T0 + day * DAY, inputs: 'raw.csv' });
  run.profile('clean.parquet', {
    distance: column(500, shift),
    'vendor "x"\\y': column(500, 0).map((v) => (v % 2 ? 'a' : 'b')),
  });
  await run.end({ endedAt: T0 + day * DAY + 1000 });
}

/** Two cleaning runs, the second's distance shifted by `shift` (40: drifted). */
async function pipeline(pt: Pipetrace, shift = 40) {
  await cleaning(pt, 0, 0);
  await cleaning(pt, 1, shift);
}

describe('GET /metrics', () => {
  it('passes promtool check metrics, with every family named and typed', async () => {
    const { pt, clock, scrape } = await serve();
    await pipeline(pt);
    await pt.logRun({
      component: 'training',
      startedAt: T0 + 2 * DAY,
      endedAt: T0 + 2 * DAY + 5,
      inputs: 'clean.parquet',
      outputs: 'model.bin',
    });
    await pt.logRun({
      component: 'training',
      startedAt: T0 + 3 * DAY,
      endedAt: T0 + 3 * DAY + 5,
      error: new Error('oom'),
    });
    await pt.flag('model.bin');
    await pt.task('fare').logOutputs(['r1', 'r2'], [10, 20], { at: T0 + 2 * DAY });
    await pt.task('fare').logFeedback(['r1', 'r2', 'r9'], [12, 20, 5], { at: T0 + 3 * DAY });
    clock.t = T0 + 4 * DAY;
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'pipetrace_runs_total',
      'pipetrace_run_failures_total',
      'pipetrace_last_success_timestamp_seconds',
      'pipetrace_stale_runs',
      'pipetrace_flagged_outputs',
      'pipetrace_flagged_rows',
      'pipetrace_drift',
      'pipetrace_drifted_columns',
      'pipetrace_task_outputs_total',
      'pipetrace_task_feedback_total',
      'pipetrace_task_unmatched_feedback',
      'pipetrace_task_metric',
      'pipetrace_metric_overflow_series',
    ])
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('still passes promtool when families overflow their cap', async () => {
    const { pt, scrape } = await serve({ cacheMs: 0, maxSeriesPerFamily: 2 });
    await pipeline(pt);
    for (const c of ['a', 'b', 'c']) await pt.logRun({ component: c, startedAt: T0, endedAt: T0 + 1 });
    const { text } = await scrape();
    // Components by creation, then name: a keeps its series; b, c and cleaning fold (1 + 1 + 2 runs).
    expect(sample(text, 'pipetrace_runs_total', { component: 'a' })).toBe(1);
    expect(sample(text, 'pipetrace_runs_total', { overflow: 'true' })).toBe(4);
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('promtool itself refuses a badly named metric (so a clean check means something)', () => {
    const bad = '# HELP x_ms a gauge in ms\n# TYPE x_ms gauge\nx_ms 1\n';
    const result = checkMetrics(bad);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/abbreviated units/);
  });

  it('counts runs and failures per component, and a failed run moves only the failures', async () => {
    const { pt, scrape } = await serve();
    await pt.logRun({ component: 'ingest', startedAt: T0, endedAt: T0 + 2500 });
    let text = (await scrape()).text;
    expect(sample(text, 'pipetrace_runs_total', { component: 'ingest' })).toBe(1);
    expect(sample(text, 'pipetrace_run_failures_total', { component: 'ingest' })).toBe(0);
    expect(sample(text, 'pipetrace_last_success_timestamp_seconds', { component: 'ingest' })).toBe((T0 + 2500) / 1000);
    await pt.logRun({
      component: 'ingest',
      startedAt: T0 + 10_000,
      endedAt: T0 + 11_000,
      error: new Error('disk full'),
    });
    text = (await scrape()).text;
    expect(sample(text, 'pipetrace_runs_total', { component: 'ingest' })).toBe(2);
    expect(sample(text, 'pipetrace_run_failures_total', { component: 'ingest' })).toBe(1);
    // The newest success is still the first run.
    expect(sample(text, 'pipetrace_last_success_timestamp_seconds', { component: 'ingest' })).toBe((T0 + 2500) / 1000);
  });

  it('counts a registered component that never ran at zero, so its counters start from 0', async () => {
    const { pt, scrape } = await serve();
    await pt.component('scoring');
    const { text } = await scrape();
    expect(sample(text, 'pipetrace_runs_total', { component: 'scoring' })).toBe(0);
    expect(sample(text, 'pipetrace_stale_runs', { component: 'scoring' })).toBeUndefined();
  });

  it('a flagged output moves the flagged gauge of the component that wrote it, and unflagging moves it back', async () => {
    const { pt, scrape } = await serve();
    await pt.logRun({ component: 'predict', startedAt: T0, endedAt: T0 + 1, outputs: ['preds/a', 'preds/b'] });
    expect(sample((await scrape()).text, 'pipetrace_flagged_outputs', { component: 'predict' })).toBeUndefined();
    await pt.flag('preds/a');
    expect(sample((await scrape()).text, 'pipetrace_flagged_outputs', { component: 'predict' })).toBe(1);
    await pt.flag('preds/b');
    expect(sample((await scrape()).text, 'pipetrace_flagged_outputs', { component: 'predict' })).toBe(2);
    await pt.unflag('preds/a');
    expect(sample((await scrape()).text, 'pipetrace_flagged_outputs', { component: 'predict' })).toBe(1);
  });

  it('flagged rows count as a flagged output and move the flagged rows gauge', async () => {
    const { pt, scrape } = await serve();
    const run = pt.startRun('predict', { inputs: 'rides' }).addOutputs('preds');
    run.rows({
      output: 'preds',
      input: 'rides',
      kind: 'map',
      outputKeys: ['p1', 'p2', 'p3'],
      inputKeys: ['r1', 'r2', 'r3'],
    });
    await run.end();
    await pt.flagRows('preds', ['p1', 'p3']);
    const { text } = await scrape();
    expect(sample(text, 'pipetrace_flagged_outputs', { component: 'predict' })).toBe(1);
    expect(sample(text, 'pipetrace_flagged_rows', { component: 'predict' })).toBe(2);
  });

  it('drift per component, output and column follows monitor(), and the drifted columns are counted', async () => {
    const { pt, scrape } = await serve();
    await pipeline(pt, 0);
    let text = (await scrape()).text;
    const labels = { component: 'cleaning', output: 'clean.parquet', column: 'distance', measure: 'wasserstein' };
    expect(sample(text, 'pipetrace_drift', labels)).toBe(0);
    expect(sample(text, 'pipetrace_drifted_columns', { component: 'cleaning' })).toBe(0);
    await cleaning(pt, 2, 40);
    text = (await scrape()).text;
    const monitor = await pt.monitor();
    const distance = monitor.steps[0]?.outputs[0]?.columns.find((c) => c.column === 'distance');
    expect(distance?.drifted).toBe(true);
    expect(sample(text, 'pipetrace_drift', labels)).toBe(distance?.value);
    expect(sample(text, 'pipetrace_drifted_columns', { component: 'cleaning' })).toBe(1);
    // A column name with quotes and backslashes travels escaped.
    const vendor = {
      component: 'cleaning',
      output: 'clean.parquet',
      column: 'vendor "x"\\y',
      measure: 'jensen_shannon',
    };
    expect(sample(text, 'pipetrace_drift', vendor)).toBe(0);
  });

  it("a component's newest run becomes stale when its upstream produces a fresher run", async () => {
    const { pt, clock, scrape } = await serve();
    await pt.logRun({ component: 'features', startedAt: T0, endedAt: T0 + 1, outputs: 'feats' });
    await pt.logRun({ component: 'train', startedAt: T0 + 2, endedAt: T0 + 3, inputs: 'feats', outputs: 'model' });
    expect(sample((await scrape()).text, 'pipetrace_stale_runs', { component: 'train' })).toBe(0);
    await pt.logRun({ component: 'features', startedAt: T0 + 4, endedAt: T0 + 5, outputs: 'feats' });
    clock.t = T0 + 10;
    const { text } = await scrape();
    expect(sample(text, 'pipetrace_stale_runs', { component: 'train' })).toBe(1);
    expect(sample(text, 'pipetrace_stale_runs', { component: 'features' })).toBe(0);
  });

  it('task metrics: the last complete window per metric and window, with outputs, feedback and unmatched feedback', async () => {
    const { pt, clock, scrape } = await serve();
    const fare = pt.task('fare');
    // Predictions on day 0; the truth arrives on day 1 (and one id nobody predicted).
    await fare.logOutputs(['a', 'b', 'c', 'd'], [10, 20, 30, 40], { at: T0 + 3_600_000 });
    await fare.logFeedback(['a', 'b', 'c', 'zz'], [11, 24, 30, 1], { at: T0 + DAY + 7_200_000 });
    clock.t = T0 + DAY + 10 * 3_600_000;
    let text = (await scrape()).text;
    expect(sample(text, 'pipetrace_task_outputs_total', { task: 'fare' })).toBe(4);
    expect(sample(text, 'pipetrace_task_feedback_total', { task: 'fare' })).toBe(4);
    expect(sample(text, 'pipetrace_task_unmatched_feedback', { task: 'fare' })).toBe(1);
    // Day 1 is not over: its MAE is not out yet; the 1h window 02:00-03:00 of day 1 is.
    expect(sample(text, 'pipetrace_task_metric', { task: 'fare', metric: 'mae', window: '1d' })).toBeUndefined();
    expect(sample(text, 'pipetrace_task_metric', { task: 'fare', metric: 'count', window: '1d' })).toBe(0);
    clock.t = T0 + 2 * DAY + 60_000;
    text = (await scrape()).text;
    const expected = await fare.metrics({ metric: 'mae', window: '1d', since: T0 + DAY, until: T0 + 2 * DAY });
    expect(expected.points[0]?.value).toBeCloseTo(5 / 3);
    expect(sample(text, 'pipetrace_task_metric', { task: 'fare', metric: 'mae', window: '1d' })).toBe(
      expected.points[0]?.value,
    );
    expect(sample(text, 'pipetrace_task_metric', { task: 'fare', metric: 'rmse', window: '1d' })).toBeCloseTo(
      Math.sqrt(17 / 3),
    );
    expect(sample(text, 'pipetrace_task_metric', { task: 'fare', metric: 'count', window: '1d' })).toBe(3);
    // Regression outputs get no accuracy.
    expect(text).not.toContain('metric="accuracy"');
  });

  it('class tasks get accuracy, precision and recall, and the metrics option narrows them', async () => {
    const { pt, clock, scrape } = await serve({ cacheMs: 0, tasks: { metrics: ['accuracy', 'mae'], windows: ['1d'] } });
    const churn = pt.task('churn');
    await churn.logOutputs(['u1', 'u2', 'u3', 'u4'], [true, false, true, true], { at: T0 });
    await churn.logFeedback(['u1', 'u2', 'u3', 'u4'], [true, false, false, true], { at: T0 + 1000 });
    clock.t = T0 + DAY;
    const { text } = await scrape();
    expect(sample(text, 'pipetrace_task_metric', { task: 'churn', metric: 'accuracy', window: '1d' })).toBe(0.75);
    expect(text).not.toMatch(/metric="(mae|count|precision)"|window="1h"/);
    const all = await serve();
    await all.pt.task('churn').logOutputs(['u1', 'u2'], [true, false], { at: T0 });
    await all.pt.task('churn').logFeedback(['u1', 'u2'], [true, true], { at: T0 + 1000 });
    all.clock.t = T0 + DAY;
    const every = (await all.scrape()).text;
    expect(sample(every, 'pipetrace_task_metric', { task: 'churn', metric: 'precision', window: '1d' })).toBe(1);
    expect(sample(every, 'pipetrace_task_metric', { task: 'churn', metric: 'recall', window: '1d' })).toBe(0.5);
  });

  it('leaves out a task metric the values do not fit, and still answers the rest', async () => {
    const { pt, clock, scrape } = await serve();
    const odd = pt.task('odd');
    await odd.logOutputs(['a', 'b'], [1, 2], { at: T0 });
    await odd.logFeedback(['a', 'b'], ['one', 'two'], { at: T0 + 1000 });
    clock.t = T0 + DAY;
    await expect(odd.metrics({ metric: 'mae', window: '1d' })).rejects.toMatchObject({ code: 'invalid_input' });
    const { status, text } = await scrape();
    expect(status).toBe(200);
    expect(sample(text, 'pipetrace_task_metric', { task: 'odd', metric: 'mae', window: '1d' })).toBeUndefined();
    expect(sample(text, 'pipetrace_task_metric', { task: 'odd', metric: 'count', window: '1d' })).toBe(2);
  });

  it('caps each family: the first series keep their labels, the rest fold into one overflow series', async () => {
    const { pt, scrape } = await serve({ cacheMs: 0, maxSeriesPerFamily: 3 });
    for (const [i, c] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await pt.component(c);
      for (let k = 0; k <= i; k++) await pt.logRun({ component: c, startedAt: T0 + k, endedAt: T0 + k + 1 });
    }
    const { text } = await scrape();
    expect(sample(text, 'pipetrace_runs_total', { component: 'a' })).toBe(1);
    expect(sample(text, 'pipetrace_runs_total', { component: 'b' })).toBe(2);
    expect(sample(text, 'pipetrace_runs_total', { component: 'c' })).toBeUndefined();
    // c, d and e: 3 + 4 + 5 runs, summed; the newest success of the folded ones is their maximum.
    expect(sample(text, 'pipetrace_runs_total', { overflow: 'true' })).toBe(12);
    expect(sample(text, 'pipetrace_last_success_timestamp_seconds', { overflow: 'true' })).toBe((T0 + 5) / 1000);
    expect(sample(text, 'pipetrace_metric_overflow_series', { metric: 'pipetrace_runs_total' })).toBe(3);
    expect(text.split('\n').filter((l) => l.startsWith('pipetrace_runs_total')).length).toBe(3);
  });

  it('serves a collection again within cacheMs, so a write shows at the next collection', async () => {
    const { pt, scrape } = await serve({ cacheMs: 3_600_000 });
    await pt.logRun({ component: 'ingest', startedAt: T0, endedAt: T0 + 1 });
    expect(sample((await scrape()).text, 'pipetrace_runs_total', { component: 'ingest' })).toBe(1);
    await pt.logRun({ component: 'ingest', startedAt: T0 + 2, endedAt: T0 + 3 });
    expect(sample((await scrape()).text, 'pipetrace_runs_total', { component: 'ingest' })).toBe(1);
  });

  it('is a read route: open by default, and behind the read token when reads need one', async () => {
    const open = await serve();
    expect((await open.scrape()).status).toBe(200);
    const guarded = await serve({ cacheMs: 0 }, { token: 'write-token-123', readToken: 'read-token-123' });
    const denied = await guarded.scrape();
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.text).error.code).toBe('unauthorized');
    expect((await guarded.scrape({ authorization: 'Bearer read-token-123' })).status).toBe(200);
  });

  it('is among the default routes of createServer', async () => {
    const store = memoryStore();
    const server = createServer({ store, env: {} });
    servers.push(server);
    const { url } = await server.listen(0, '127.0.0.1');
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE pipetrace_runs_total counter');
  });
});

describe('registerPipetraceMetrics', () => {
  it("adds pipetrace's families to the user's own registry beside their metrics, and removes them again", async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await pt.logRun({ component: 'ingest', startedAt: T0, endedAt: T0 + 1, error: new Error('x') });
    const registry = new Registry();
    const mine = new Gauge({ name: 'app_queue_depth', help: 'Jobs waiting.', registers: [registry] });
    mine.set(7);
    const remove = registerPipetraceMetrics(registry, pt, { cacheMs: 0 });
    const text = await registry.metrics();
    expect(sample(text, 'app_queue_depth')).toBe(7);
    expect(sample(text, 'pipetrace_run_failures_total', { component: 'ingest' })).toBe(1);
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
    remove();
    const after = await registry.metrics();
    expect(after).toContain('app_queue_depth 7');
    expect(after).not.toContain('pipetrace_');
  });

  it('refuses bad options with invalid_input and registers nothing', () => {
    const pt = createPipetrace({ store: memoryStore() });
    const registry = new Registry();
    for (const bad of [
      { maxSeriesPerFamily: 0 },
      { cacheMs: -1 },
      { cacheMs: Number.NaN },
      { tasks: { windows: ['1 day'] } },
      { tasks: { metrics: ['median'] } },
      { now: 5 },
      { cache: 5 },
      { monitor: { reference: 'nope' } },
    ]) {
      expect(() => registerPipetraceMetrics(registry, pt, bad as never)).toThrow(
        expect.objectContaining({ code: 'invalid_input' }),
      );
    }
    expect(() => registerPipetraceMetrics({} as never, pt)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('the families hold the same values as the plain data they are built from', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    await pipeline(pt);
    const families = await collectMetricFamilies(pt);
    const registry = new Registry();
    registerPipetraceMetrics(registry, pt, { cacheMs: 0 });
    const text = await registry.metrics();
    for (const f of families)
      for (const s of f.series)
        expect(sample(text, f.def.name, s.labels), `${f.def.name} ${JSON.stringify(s.labels)}`).toBe(s.value);
  });
});
