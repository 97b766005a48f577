/**
 * What the longest gap of the 1,000-run trace's page load holds: dashboard-trace.bench.ts
 * measures it, this says why. It loads the page several times (the first warms the server and the
 * browser) under a Chromium trace, with a probe like the bench's (a MessageChannel turning the
 * event loop), finds the probe's longest gap, and prints the page's main-thread tasks in it with
 * their wall and CPU time, the waits inside them (font lookups, the commit to the compositor,
 * garbage collection) and how busy the browser's other threads were. A task whose wall time is far
 * above its CPU time waited: on another process (a font lookup is a blocking call to the browser)
 * or for a core (load).
 *
 *   npx tsx bench/dashboard-trace-gap.ts [--graph] [--pages N] [--over MS]
 *
 * --over: print the tasks only of gaps longer than this (default 0). Tracing costs time itself:
 * compare what gaps are made of, not their lengths with the bench's.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/harness.js';
import { builtDashboard } from './dashboard-serve.js';
import { wide } from './dashboard-traces.js';

const { values } = parseArgs({
  options: { graph: { type: 'boolean' }, pages: { type: 'string' }, over: { type: 'string' } },
});
const PAGES = Number(values.pages ?? 6);
const OVER = Number(values.over ?? 0);
const [FIRST, DONE] = values.graph
  ? ['svg g[data-run]', '.graph[data-drawn="true"]']
  : ['.overview .group', '.overview .group'];
/** Few categories: each one slows the page it watches. */
const CATEGORIES = ['toplevel', 'blink.user_timing', 'devtools.timeline', 'fonts', 'cc', 'v8'];
/** Events that wait on another thread or process, by name: their wall time less their CPU time is the wait. */
const WAITS: Record<string, string> = {
  'FontDataManager::onMatchFamilyStyle': 'font face lookup',
  'WebSandboxSupportLinux::GetWebFontRenderStyleForStrike': 'font size lookup',
  'ProxyMain::BeginMainFrame::commit': 'commit to compositor',
  'ResourceFetcher::requestResource': 'request start',
  MinorGC: 'minor GC',
  MajorGC: 'major GC',
};

/** Installed before any script: the probe keeps the longest gap's ends and marks its clock for the trace. */
const PROBE = `(() => {
  const g = globalThis; g.__gap = [0, 0]; let last = -1; let stop = false;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => { const t = performance.now(); if (last >= 0 && t - last > g.__gap[1] - g.__gap[0]) g.__gap = [last, t]; last = t; if (!stop) ch.port2.postMessage(0); };
  ch.port2.postMessage(0);
  performance.mark('gap-probe');
  const find = (sel) => document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelector(sel);
  g.__done = new Promise((resolve) => {
    let first;
    const look = () => {
      if (first === undefined && find(${JSON.stringify(FIRST)})) first = performance.now();
      if (first !== undefined && find(${JSON.stringify(DONE)}) && find('section[data-card]'))
        setTimeout(() => { stop = true; resolve(JSON.stringify({ first, gap: g.__gap, mark: performance.getEntriesByName('gap-probe')[0].startTime })); }, 300);
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
})();`;

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; src_func?: string };
}

const ms = (us: number) => (us / 1000).toFixed(1);

/** The gap's composition: main-thread tasks, waits in them, and the other threads' busy time. */
function explain(events: TraceEvent[], page: { gap: [number, number]; mark: number }): string[] {
  const mark = events.find((e) => e.name === 'gap-probe');
  if (mark === undefined) return ['(no probe mark in the trace)'];
  const offset = mark.ts - page.mark * 1000;
  const [from, to] = page.gap.map((t) => t * 1000 + offset) as [number, number];
  const inGap = (e: TraceEvent) => e.ph === 'X' && e.ts < to && e.ts + (e.dur ?? 0) > from;
  const onMain = (e: TraceEvent) => e.pid === mark.pid && e.tid === mark.tid;
  const tasks = events.filter((e) => onMain(e) && inGap(e) && e.name === 'ThreadControllerImpl::RunTask');
  const lines = tasks
    .filter((t) => (t.dur ?? 0) > 500)
    .map((t) => {
      const end = t.ts + (t.dur ?? 0);
      const waits = events
        .filter((e) => onMain(e) && WAITS[e.name] !== undefined && e.ts >= t.ts && e.ts < end)
        .map((e) => `${WAITS[e.name]} ${ms((e.dur ?? 0) - (e.tdur ?? 0))}`);
      return `  +${ms(t.ts - from).padStart(5)} ms  ${t.args?.src_func ?? '?'}: wall ${ms(t.dur ?? 0)}, cpu ${ms(t.tdur ?? 0)}${waits.length ? `; waits: ${waits.join(', ')}` : ''}`;
    });
  const names = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && (e.name === 'thread_name' || e.name === 'process_name'))
      names.set(e.name === 'thread_name' ? `${e.pid}:${e.tid}` : `${e.pid}`, e.args?.name ?? '?');
  const busy = new Map<string, number>();
  for (const e of events) {
    if (onMain(e) || !inGap(e) || !/^(ThreadControllerImpl::RunTask|ThreadPool_RunTask)$/.test(e.name)) continue;
    const key = `${names.get(`${e.pid}`) ?? e.pid}/${names.get(`${e.pid}:${e.tid}`) ?? e.tid}`;
    busy.set(key, (busy.get(key) ?? 0) + Math.min(to, e.ts + (e.dur ?? 0)) - Math.max(from, e.ts));
  }
  const others = [...busy].sort((a, b) => b[1] - a[1]).slice(0, 6);
  lines.push(`  other threads busy in the gap (ms): ${others.map(([k, v]) => `${k} ${ms(v)}`).join('; ')}`);
  return lines;
}

const { dir, serve } = await builtDashboard('pipetrace-trace-gap-');
const pt = createPipetrace({ store: memoryStore() });
const hash = `#/trace/${encodeURIComponent(await wide(pt))}?depth=all${values.graph ? '&as=graph' : ''}`;
const server = await serve(pt.store);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
try {
  for (let i = 0; i < PAGES; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(PROBE);
    const cdp = await page.context().newCDPSession(page);
    await browser.startTracing(page, { categories: CATEGORIES });
    await page.goto(`${server.url}/${hash}`, { waitUntil: 'commit' });
    const answer = await cdp.send('Runtime.evaluate', { expression: 'globalThis.__done', awaitPromise: true });
    const trace = await browser.stopTracing();
    await page.close();
    if (i === 0) continue; // warms the server and the browser
    const result = JSON.parse(answer.result.value as string) as { first: number; gap: [number, number]; mark: number };
    const [a, b] = result.gap;
    console.log(
      `page ${i}: first render ${result.first.toFixed(0)} ms, longest gap ${(b - a).toFixed(1)} ms at ${a.toFixed(0)}-${b.toFixed(0)} ms`,
    );
    if (b - a >= OVER) {
      const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
      for (const line of explain(events, result)) console.log(line);
    }
  }
} finally {
  await browser.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
