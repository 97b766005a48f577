/**
 * The demo from start to end: run the ride pipeline into a store, print a trace, a row trace
 * and the review that names the planted culprit, then serve the store (and the dashboard, when
 * it is there) until interrupted. `pipetrace demo` and `npm start` both end up here.
 */

import { dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { createServer } from '../../adapters/http/server.js';
import { createPipetrace, defaultStore } from '../../node/index.js';
import type { Review } from '../../src/analysis/review.js';
import type { Pipetrace } from '../../src/pipetrace.js';
import { formatDay, formatDuration, formatNumber, formatScore, formatTime } from '../../src/render/format.js';
import { rowReviewText, rowTraceText, table, traceTree } from '../../src/render/plain-text.js';
import { allFlaggedRows, type RowReview, reviewRows, traceRow, unflagRows } from '../../src/rows/index.js';
import { besideProjectStore, DEMO_STORE_DIR, freshDemoFolder, shownPath } from '../folders.js';
import { DAY_MS, type PipelineResult, runPipeline } from './pipeline.js';
import { progressBar } from './progress.js';

/** Where the demo prints, and the signal that stops its server (the CLI's Io fits). */
export interface DemoIo {
  stdout(text: string): void;
  stderr(text: string): void;
  signal: AbortSignal;
}

export interface DemoOptions {
  seed: number;
  days: number;
  rows: number;
  /** 0-based, from 1; default the middle day. */
  buggyDay?: number;
  /** The store folder (default .pipetrace-demo beside the project's store); emptied first. */
  store?: string;
  /** The write token for the dashboard's flag, note and tag controls (none: read-only). */
  token?: string;
  serve: boolean;
  port: number;
  host?: string;
  /** Print a JSON summary instead of text. */
  json?: boolean;
  /** Show the progress bar as on a terminal. */
  isTTY?: boolean;
}

export interface DemoOutcome {
  pipeline: PipelineResult;
  rowReview: RowReview;
  review: Review;
  /** The tie group (1 is the top) holding the culprit run in the row review; undefined if absent. */
  culpritGroup: number | undefined;
}

/** Runs the pipeline and the analysis over `pt`; prints nothing. */
export async function analyse(pt: Pipetrace, pipeline: PipelineResult): Promise<DemoOutcome> {
  const rowReview = await reviewRows(pt.store, {
    pointers: pipeline.predictionPointers,
    population: pipeline.predictionPointers,
    limit: 20,
  });
  const review = await pt.review({ limit: 5 });
  const culprit = pipeline.culprit?.run;
  const found = rowReview.candidates.find((c) => c.kind === 'run' && c.id === culprit);
  return { pipeline, rowReview, review, culpritGroup: found?.group };
}

/**
 * Midnight UTC `days` days before `now`, so the simulated days end yesterday. Run ids follow
 * from the times (see demoRunId), so a demo run again the same day replaces its earlier runs.
 */
export function firstDay(days: number, now = Date.now()): number {
  return Math.floor(now / DAY_MS) * DAY_MS - days * DAY_MS;
}

/** Clears the flags an earlier demo left (pointers and rows), so the review is about this run. */
async function clearFlags(pt: Pipetrace): Promise<void> {
  await pt.unflagAll();
  for (const f of await allFlaggedRows(pt.store)) await unflagRows(pt.store, f.pointer);
}

export async function runDemo(options: DemoOptions, io: DemoIo): Promise<number> {
  const started = performance.now();
  const days = options.days;
  const buggyDay = options.buggyDay ?? Math.max(1, Math.floor(days / 2));
  const dir = options.store ?? besideProjectStore(DEMO_STORE_DIR);
  freshDemoFolder(dir);
  const store = defaultStore(dir);
  const pt = createPipetrace({ store });
  const bar = progressBar(io.stderr, options.isTTY === true);
  try {
    await clearFlags(pt);
    const pipeline = await runPipeline(pt, {
      seed: options.seed,
      days,
      rows: options.rows,
      buggyDay,
      start: firstDay(days),
      onProgress: (done, total, label) => bar.update(done, total, label),
    });
    bar.done();
    const outcome = await analyse(pt, pipeline);
    const seconds = (performance.now() - started) / 1000;
    if (options.json) io.stdout(`${JSON.stringify(summary(outcome, seconds), null, 2)}\n`);
    else io.stdout(`${await report(pt, outcome, { ...options, store: dir }, seconds)}\n`);
    if (!options.serve) return 0;
    return await serve(pt, options, io);
  } finally {
    bar.done();
    await store.close();
  }
}

function summary(o: DemoOutcome, seconds: number) {
  const top = o.rowReview.candidates.filter((c) => c.group === 1);
  return {
    seconds: Math.round(seconds * 10) / 10,
    culprit: o.pipeline.culprit ?? null,
    culpritGroup: o.culpritGroup ?? null,
    days: o.pipeline.days.map((d) => ({
      date: d.date,
      predictions: d.predictions,
      flaggedRows: d.flaggedRows,
      feedbackMae: d.feedbackMae === undefined ? null : Math.round(d.feedbackMae * 1000) / 1000,
      holdoutMae: Math.round(d.holdoutMae * 1000) / 1000,
      promoted: d.promoted,
      runs: d.runs,
    })),
    flaggedPointers: o.pipeline.flaggedPointers,
    signals: o.pipeline.signals.map((sg) => ({ ...sg, at: new Date(sg.at).toISOString() })),
    rowReview: {
      metric: o.rowReview.metric,
      F: o.rowReview.F,
      P: o.rowReview.P,
      topGroup: top,
      notes: o.rowReview.notes,
    },
    review: { method: o.review.method, F: o.review.F, P: o.review.P, topGroup: o.review.runs[0] ?? null },
  };
}

async function report(pt: Pipetrace, o: DemoOutcome, options: DemoOptions, seconds: number): Promise<string> {
  const { pipeline } = o;
  const out: string[] = [];
  out.push(
    `Logged ${pipeline.days.length} days x ${options.rows} rides (seed ${options.seed}) into ${pt.store.kind} in ${formatDuration(seconds * 1000)}.`,
    '',
    table(
      ['day', 'predictions', 'feedback MAE (next day)', 'flagged by rule', 'holdout MAE', 'model promoted'],
      pipeline.days.map((d) => [
        d.date,
        String(d.predictions),
        d.feedbackMae === undefined ? '-' : formatNumber(d.feedbackMae, 3),
        String(d.flaggedRows),
        formatNumber(d.holdoutMae, 3),
        d.promoted ? 'yes' : 'no (gate)',
      ]),
    ),
    '',
    'Signals, in the order they fired (simulated time; no flag was set by hand):',
    ...(pipeline.signals.length === 0
      ? ['  none']
      : pipeline.signals.map((sg) => `  ${formatTime(sg.at).slice(0, 16)}  ${sg.kind.padEnd(6)}  ${sg.text}`)),
  );
  const bad = [...pipeline.days].sort((a, b) => b.flaggedRows - a.flaggedRows)[0];
  if (bad !== undefined) {
    out.push('', `Trace of ${bad.pointers.predictions} (the day with the most flagged predictions):`);
    out.push(traceTree(await pt.trace({ pointer: bad.pointers.predictions })));
    if (bad.sampleFlagged !== undefined) {
      out.push('', rowTraceText(await traceRow(pt.store, bad.pointers.predictions, bad.sampleFlagged, { maxRows: 3 })));
    }
  }
  out.push('', rowReviewText(o.rowReview, 2, 0));
  if (o.review.F > 0) {
    const g = o.review.runs[0];
    out.push(
      '',
      `Run review (${o.review.method}) over ${o.review.F} flagged and ${o.review.P} unflagged prediction sets: ` +
        `top group ${g?.candidates.map((c) => `${c.component} ${formatDay(c.startedAt)}`).join(', ') ?? '-'} (score ${g === undefined ? '-' : formatScore(g.score)})`,
    );
  }
  if (pipeline.culprit !== undefined) {
    const where = o.culpritGroup === undefined ? 'is not among the candidates' : `is in group ${o.culpritGroup}`;
    out.push('', `Planted bug: the cleaning run ${pipeline.culprit.run} of ${pipeline.culprit.date} ${where}.`);
    const store = options.store === undefined ? '' : ` --store ${shownPath(options.store)}`;
    out.push(
      '',
      'Explore:',
      `  pipetrace inspect ${pipeline.culprit.run}${store}`,
      `  pipetrace review${store}`,
      ...(bad?.sampleFlagged === undefined
        ? []
        : [`  pipetrace trace-row ${bad.pointers.predictions} ${bad.sampleFlagged}${store}`]),
    );
  }
  return out.join('\n');
}

async function serve(pt: Pipetrace, options: DemoOptions, io: DemoIo): Promise<number> {
  const routes = dashboardRoutes();
  const server = createServer({
    store: pt.store,
    pipetrace: pt,
    routes,
    env: {},
    ...(options.token === undefined ? {} : { token: options.token }),
    log: (message) => io.stderr(`pipetrace demo: ${message}\n`),
  });
  const { port } = await server.listen(options.port, options.host ?? '127.0.0.1');
  const url = `http://${options.host ?? '127.0.0.1'}:${port}/`;
  const writes =
    options.token === undefined
      ? 'The dashboard is read-only: run the demo with PIPETRACE_TOKEN (or --token) set to 8+ characters to try its flag, note and tag controls.'
      : 'Flags, notes and tags in the dashboard take the token you gave (paste it in its "write token" field).';
  io.stdout(
    `\nDashboard: ${url}\n${writes}\n` + `Try: pipetrace review --url ${url.slice(0, -1)}   Stop with Ctrl-C.\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return 0;
}
