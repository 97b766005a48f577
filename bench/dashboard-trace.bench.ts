/**
 * Big traces in the dashboard (issue 17 point 4, issue 18 point 11), in headless Chromium against
 * a real server on loopback with the minified bundle: a 1,000-run wide trace (first the grouped
 * overview, then drawn as a graph: layout in the worker, batches per frame) and a 5,000-run deep
 * chain (the bounded first view, and "show all" in pages).
 *
 * Measured in the page, from navigation start: when the first picture is on screen, when the
 * drawing is complete, and the longest main-thread task, as the longest gap between two turns
 * of the event loop (a MessageChannel probe; it includes rendering work) over the whole page
 * load, and over the drawing alone (from the trace's answer on: `*_drawing_longest_task_ms`),
 * beside the count of PerformanceObserver 'longtask' entries (tasks over 50 ms). The probe's clock
 * starts at its own first turn, not when it is installed: an init script runs inside Chromium's
 * navigation commit (its context creation, LocalWindowProxy::Initialize), whose rest is the
 * browser's work, before any byte of the page runs. The results are read with a raw DevTools call once the page is
 * done, so no test-driver script runs in the page while it is measured.
 */
import { rm } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/harness.js';
import { builtDashboard } from './dashboard-serve.js';
import { chain, wide } from './dashboard-traces.js';
import { percentile, report, round } from './lib.js';

const { dir, serve } = await builtDashboard('pipetrace-trace-bench-');

/** In the page before any script: the gap probe, the long-task observer, and the two moments. */
const PROBE = (first: string, done: string) => `(() => {
  const g = globalThis; g.__maxGap = 0; g.__longest = 0; g.__longTasks = 0; const gaps = [];
  const ch = new MessageChannel(); let last = -1; let stop = false;
  ch.port1.onmessage = () => { const t = performance.now(); if (last >= 0) { g.__maxGap = Math.max(g.__maxGap, t - last); if (t - last > 4) gaps.push([last, t]); } last = t; if (!stop) ch.port2.postMessage(0); };
  ch.port2.postMessage(0);
  new PerformanceObserver((list) => { for (const e of list.getEntries()) { g.__longTasks++; g.__longest = Math.max(g.__longest, e.duration); } }).observe({ type: 'longtask', buffered: true });
  const find = (sel) => document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelector(sel);
  g.__bench = new Promise((resolve) => {
    let firstAt;
    const look = () => {
      if (firstAt === undefined && find(${JSON.stringify(first)})) firstAt = performance.now();
      if (firstAt !== undefined && find(${JSON.stringify(done)}) && find('section[data-card]')) {
        const doneAt = performance.now();
        // A quiet moment after the end, so a task that ends the drawing is counted.
        setTimeout(() => {
          stop = true;
          // Drawing: from the moment the trace's first answer arrived (startup and fetch excluded).
          const answer = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/trace?'));
          const from = answer ? answer.responseEnd : 0;
          const drawGap = Math.max(0, ...gaps.filter(([, t]) => t > from).map(([a, t]) => t - Math.max(a, from)));
          resolve(JSON.stringify({ first: firstAt, done: doneAt, gap: g.__maxGap, drawGap, longest: g.__longest, longTasks: g.__longTasks }));
        }, 300);
      } else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
})();`;

interface Sample {
  first: number;
  done: number;
  gap: number;
  drawGap: number;
  longest: number;
  longTasks: number;
}

async function measure(browser: Browser, url: string, hash: string, first: string, done: string, runs = 5) {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(PROBE(first, done));
    const cdp = await page.context().newCDPSession(page);
    await page.goto(`${url}/${hash}`, { waitUntil: 'commit' });
    const answer = await cdp.send('Runtime.evaluate', { expression: 'globalThis.__bench', awaitPromise: true });
    samples.push(JSON.parse(answer.result.value as string) as Sample);
    await page.close();
  }
  const kept = samples.slice(1); // the first page warms the server and the browser's caches
  return {
    first: percentile(
      kept.map((s) => s.first),
      50,
    ),
    done: percentile(
      kept.map((s) => s.done),
      50,
    ),
    gap: Math.max(...kept.map((s) => s.gap)),
    drawGap: Math.max(...kept.map((s) => s.drawGap)),
    longest: Math.max(...kept.map((s) => s.longest)),
    longTasks: Math.max(...kept.map((s) => s.longTasks)),
  };
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
const figures: Record<string, number> = {};
try {
  const broad = createPipetrace({ store: memoryStore() });
  const broadRoot = `#/trace/${encodeURIComponent(await wide(broad))}?depth=all`;
  const broadServer = await serve(broad.store);
  const overview = await measure(browser, broadServer.url, broadRoot, '.overview .group', '.overview .group');
  figures.dashboard_trace_1000_first_render_ms = round(overview.first, 1);
  figures.dashboard_trace_1000_longest_task_ms = round(overview.gap, 1);
  figures.dashboard_trace_1000_drawing_longest_task_ms = round(overview.drawGap, 1);
  figures.dashboard_trace_1000_long_tasks = overview.longTasks;
  const graph = await measure(
    browser,
    broadServer.url,
    `${broadRoot}&as=graph`,
    'svg g[data-run]',
    '.graph[data-drawn="true"]',
  );
  figures.dashboard_trace_1000_graph_first_render_ms = round(graph.first, 1);
  figures.dashboard_trace_1000_graph_drawn_ms = round(graph.done, 1);
  figures.dashboard_trace_1000_graph_longest_task_ms = round(graph.gap, 1);
  figures.dashboard_trace_1000_graph_drawing_longest_task_ms = round(graph.drawGap, 1);
  figures.dashboard_trace_1000_graph_long_tasks = graph.longTasks;
  await broadServer.close();

  const deep = createPipetrace({ store: memoryStore() });
  const deepRoot = `#/trace/${encodeURIComponent(await chain(deep, 5000))}`;
  const deepServer = await serve(deep.store);
  const bounded = await measure(browser, deepServer.url, deepRoot, 'svg g[data-run]', '.graph[data-drawn="true"]');
  figures.dashboard_trace_5000_first_render_ms = round(bounded.first, 1);
  figures.dashboard_trace_5000_longest_task_ms = round(bounded.gap, 1);
  figures.dashboard_trace_5000_drawing_longest_task_ms = round(bounded.drawGap, 1);
  const all = await measure(browser, deepServer.url, `${deepRoot}?depth=all`, '.overview .group', '.overview .group');
  figures.dashboard_trace_5000_all_first_render_ms = round(all.first, 1);
  figures.dashboard_trace_5000_all_longest_task_ms = round(all.gap, 1);
  figures.dashboard_trace_5000_all_drawing_longest_task_ms = round(all.drawGap, 1);
  await deepServer.close();
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
report(figures);
