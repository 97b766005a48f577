/**
 * On-call dashboard figures (issue 18, issue 17 point 4), in headless Chromium against a real
 * server on loopback: axe-core's serious and critical violations over every view (light and
 * dark, 1440 and 390 px), how far any view overflows a 390 px screen, home's first full render
 * on a demo-sized store. The big-trace figures (1,000 and 5,000 runs) are in dashboard-trace.bench.ts.
 *
 * How home's first render is timed: from navigation start to the end of the first frame that
 * shows home complete (every incident box answered: `section.incidents[data-state="done"]`),
 * including that frame's style, layout and paint. A tiny script installed before navigation
 * (addInitScript, so it runs before the page's own) checks for the complete view at the start of
 * each frame (requestAnimationFrame); once it sees it, a task queued from that callback runs after
 * the frame has been laid out and painted and reads performance.now() (whose zero is navigation
 * start). It reports through the console, so nothing of the driver's runs in the page while it
 * loads: Playwright's waitForFunction would inject and evaluate its own script (about 25 ms of the
 * page's main thread) inside the measured window, and would only start looking once the load
 * event had made it back to the driver. Loads 3 to 7 are kept (the median). Each load is a first
 * visit: browser.newPage() opens a new browser context, whose HTTP cache is empty, so the bundle
 * and home's data both come from the server every time (a person's second visit takes the bundle
 * from the cache, which this figure does not count).
 */
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Page } from 'playwright-core';
import { memoryStore } from '../adapters/memory.js';
import { logSamplePipeline } from '../dashboard/sample.js';
import { createPipetrace } from '../src/index.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/harness.js';
import { builtDashboard } from './dashboard-serve.js';
import { percentile, report, round } from './lib.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const { dir, serve } = await builtDashboard('pipetrace-oncall-bench-');

/** Milliseconds since navigation start when `selector` matches inside the dashboard. */
async function until(page: Page, selector: string): Promise<number> {
  const ms = await page.waitForFunction(
    (sel) =>
      document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelector(sel) ? performance.now() : false,
    selector,
    { polling: 'raf', timeout: 60_000 },
  );
  return Number(await ms.jsonValue());
}

/** Milliseconds from navigation start to the end of the first painted frame showing `selector` (see the header). */
async function firstRender(page: Page, url: string, selector: string): Promise<number> {
  const tag = 'pipetrace-bench-rendered';
  // A string, so the bench's own transpiler adds no helpers the page lacks.
  await page.addInitScript({
    content: `(() => {
      const seen = () => document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelector(${JSON.stringify(selector)});
      const frame = () => {
        if (seen()) setTimeout(() => console.debug(${JSON.stringify(tag)}, performance.now()));
        else requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()`,
  });
  const message = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(tag), timeout: 60_000 });
  await page.goto(url);
  return Number((await message).text().slice(tag.length + 1));
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
const figures: Record<string, number> = {};
try {
  // The demo store: five days of the sample pipeline, flagged outputs and a flagged row.
  const demo = createPipetrace({ store: memoryStore() });
  const sample = await logSamplePipeline(demo, { days: 5, batches: 4, rows: 100 });
  await demo.flagRows(sample.predictions, [sample.rowKey]);
  const server = await serve(demo.store);
  const homes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    homes.push(await firstRender(page, `${server.url}/#/recent`, 'section.incidents[data-state="done"]'));
    await page.close();
  }
  figures.dashboard_home_first_render_ms = round(percentile(homes.slice(2), 50), 1);

  const views: [string, string][] = [
    ['#/recent', 'section.incidents[data-state="done"]'],
    [`#/trace/${encodeURIComponent(sample.model)}`, 'section[data-card]'],
    [`#/trace/${encodeURIComponent(sample.model)}?as=graph`, '.graph[data-drawn="true"]'],
    [`#/run/${encodeURIComponent((await demo.recent(1))[0]?.id ?? '')}`, 'section[data-card]'],
    ['#/review', 'section[aria-label="top suspect"]'],
    ['#/flagged', 'table[aria-label="flagged rows"]'],
    ['#/history/infer', 'nav[aria-label="pages"]'],
    [
      `#/rows?pointer=${encodeURIComponent(sample.predictions)}&key=${encodeURIComponent(JSON.stringify(sample.rowKey))}`,
      'section.step',
    ],
  ];
  let violations = 0;
  let overflow = 0;
  const page = await browser.newPage();
  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1440, 390]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      for (const [hash, ready] of views) {
        await page.goto(`${server.url}/${hash}`);
        await page.reload();
        await until(page, ready);
        await page.evaluate(() => {
          for (const d of document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelectorAll('details') ?? [])
            (d as HTMLDetailsElement).open = true;
        });
        await page.addScriptTag({ path: AXE });
        violations += await page.evaluate(async () => {
          const axe = (
            globalThis as unknown as {
              axe: { run(d: Document): Promise<{ violations: { impact: string; nodes: unknown[] }[] }> };
            }
          ).axe;
          const r = await axe.run(document);
          return r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .reduce((n, v) => n + v.nodes.length, 0);
        });
        if (width === 390)
          overflow = Math.max(
            overflow,
            await page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)),
          );
      }
    }
  await page.close();
  figures.dashboard_axe_serious_violations = violations;
  figures.dashboard_narrow_overflow_px = overflow;
  await server.close();
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
report(figures);
