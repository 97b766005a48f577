/**
 * The monitoring view in real headless Chromium, served by a real pipetrace server over a memory
 * store with a planted shift (cleaning changes the unit of distance on the last day): drift per
 * step in pipeline order with the earliest drifted step marked, links to trace and review, one
 * column's distribution drawn beside its table, axe-core on the view, a 390 px screen and dark
 * mode. The server serves the split bundle `npm run build:dashboard` writes, so uPlot's lazy
 * chunk is what the page loads.
 */
import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUILD_OPTIONS, BUNDLE_NAME, dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { withChromium, writeTempDir } from './harness.js';
import { plantedShift } from './monitor-sample.js';

const SHOTS = join(process.cwd(), 'test-results');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server: PipetraceServer;
let pt: Pipetrace;
let bundleDir: string;
/** The newest run of each step, by component. */
let newest: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const store = memoryStore();
  pt = createPipetrace({ store });
  newest = await plantedShift(pt);
  // The bundle as `npm run build:dashboard` writes it (split), so the lazy chunks are real files.
  bundleDir = await writeTempDir({});
  await build({ ...BUNDLE_BUILD_OPTIONS, entryPoints: ['dashboard/main.ts'], outdir: bundleDir, logLevel: 'silent' });
  server = createServer({ store, routes: dashboardRoutes({ bundleFile: join(bundleDir, BUNDLE_NAME) }) });
  await server.listen(0, '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `dashboard-monitor-${name}.png`), fullPage: true });

/** Opens a monitoring URL in a fresh document (no earlier view's nodes) and waits for the steps table. */
async function open(page: Page, hash = '#/monitor'): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${server.url}/${hash}`);
  await page.locator('table[aria-label^="drift per step"] tbody tr').first().waitFor();
}

/** Waits until uPlot has drawn a canvas with a width into the chart labelled `label`. */
async function drawn(page: Page, label: RegExp): Promise<number> {
  const canvas = page.locator('.mon-chart[role="img"]').filter({ has: page.locator('canvas') });
  await expect.poll(async () => canvas.count()).toBeGreaterThan(0);
  const chart = page.locator('.mon-chart[role="img"]', { has: page.locator('canvas') }).filter({
    has: page.locator('.uplot'),
  });
  const labels = await chart.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  const i = labels.findIndex((l) => label.test(l));
  expect(i, `no drawn chart labelled ${label} among ${labels.join(' | ')}`).toBeGreaterThanOrEqual(0);
  return chart
    .nth(i)
    .locator('canvas')
    .first()
    .evaluate((c) => (c as HTMLCanvasElement).getBoundingClientRect().width);
}

/** axe-core's serious and critical violations on the page (shadow roots included). */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: { run(c: unknown, o: unknown): Promise<unknown> } }).axe.run;
    const result = (await run(document, { resultTypes: ['violations'] })) as {
      violations: { id: string; impact: string; nodes: { target: unknown[] }[] }[];
    };
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  });
}

describe('the monitoring view in Chromium', () => {
  it('lists drift per step in pipeline order and marks the earliest drifted step', async () => {
    await withChromium(async (page, { consoleErrors }) => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(server.url);
      await page.locator('nav a[data-view="monitor"]').click();
      await page.locator('table[aria-label^="drift per step"] tbody tr').first().waitFor();
      expect(await page.evaluate(() => location.hash)).toBe('#/monitor');
      const rows = page.locator('table[aria-label^="drift per step"] tbody tr');
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-step')))).toEqual([
        'ingest',
        'clean',
        'features',
        'train',
      ]);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')))).toEqual([
        'ok',
        'drifted',
        'drifted',
        'ok',
      ]);
      // Only the earliest drifted step is marked, in words as well as colour.
      expect(await page.locator('tr.mon-first').getAttribute('data-step')).toBe('clean');
      expect(await page.locator('tr.mon-first .mon-badge').textContent()).toBe('first drifted');
      expect(await page.locator('.mon-badge').count()).toBe(1);
      expect(await page.locator('main .warn').textContent()).toMatch(/2 of 4 steps drifted.*earliest.*clean/);
      expect(await page.locator('tr[data-step="clean"]').textContent()).toMatch(
        /distance_km: mean 5(\.\d+)? → 8(\.\d+)?, normalized Wasserstein/,
      );
      // The bar chart of the steps is drawn (uPlot from its own chunk), with its numbers in words.
      expect(await drawn(page, /^Bar chart of the largest drift of each step.*ingest .*clean \d/)).toBeGreaterThan(100);
      await shot(page, 'steps');
      expect(consoleErrors).toEqual([]);
    });
  }, 60_000);

  it("links each step to its run's trace and to review", async () => {
    await withChromium(async (page) => {
      await open(page);
      const clean = page.locator('tr[data-step="clean"]');
      expect(await clean.locator('a', { hasText: /^trace$/ }).getAttribute('href')).toBe(
        `#/trace-run/${encodeURIComponent(newest.clean as string)}`,
      );
      await clean.locator('a', { hasText: /^trace$/ }).click();
      await page.locator('svg g[data-run]').first().waitFor();
      expect(await page.locator('main h2').textContent()).toBe(`Trace of run ${newest.clean}`);
      expect(await page.locator('svg g[data-run]').count()).toBe(2); // clean and the ingest run it read
      await page.goBack();
      await page.locator('tr[data-step="features"] a', { hasText: /^review$/ }).click();
      await expect.poll(() => page.locator('main h2').textContent()).toBe('Review: who is to blame?');
      expect(await page.evaluate(() => location.hash)).toBe('#/review');
      // The run link opens the newest run's card.
      await page.goBack();
      await page.locator(`tr[data-step="train"] a[href="#/run/${encodeURIComponent(newest.train as string)}"]`).click();
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('train run');
    });
  }, 60_000);

  it('compares a numeric column: both sides quantiles drawn and tabled, with measure, value and threshold', async () => {
    await withChromium(async (page) => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await open(page);
      // With no column named, the first drifted column of the first drifted step is shown.
      const section = page.locator('section[data-column]');
      expect(await section.getAttribute('data-pointer')).toBe('clean/rides.parquet');
      expect(await section.getAttribute('data-column')).toBe('distance_km');
      const table = page.locator('table[data-kind="quantiles"]');
      expect(await table.locator('thead th').allTextContents()).toEqual(['quantile', 'reference', 'current']);
      const cells = await table
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const median = cells.find((r) => r[0] === 'p50') as string[];
      expect(Number(median[2]) / Number(median[1])).toBeCloseTo(1.6, 1);
      expect(cells.map((r) => r[0])).toEqual([
        'min',
        'p1',
        'p5',
        'p10',
        'p25',
        'p50',
        'p75',
        'p90',
        'p95',
        'p99',
        'max',
        'mean',
        'std',
      ]);
      const facts = Object.fromEntries(
        await section
          .locator('dl.mon-facts dt')
          .evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
      ) as Record<string, string>;
      expect(facts.status).toBe('drifted');
      expect(facts.measure).toBe('wasserstein');
      expect(Number(facts.value)).toBeGreaterThan(1);
      expect(facts.threshold).toBe('0.1');
      expect(facts['compared with']).toBe('the previous run of clean/rides.parquet');
      expect(await drawn(page, /^Cumulative distribution of clean\/rides\.parquet distance_km/)).toBeGreaterThan(100);
      expect(await section.locator('.mon-key').textContent()).toMatch(/reference.*current/);
      await shot(page, 'numeric');
    });
  }, 60_000);

  it('compares a categorical column from its link: top values of both sides', async () => {
    await withChromium(async (page) => {
      await open(page);
      await page.locator('tr[data-step="clean"] a', { hasText: /^payment$/ }).click();
      await expect.poll(() => page.locator('section[data-column]').getAttribute('data-column')).toBe('payment');
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toBe(
        '#/monitor?pointer=clean/rides.parquet&column=payment',
      );
      const rows = await page
        .locator('table[data-kind="categories"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const card = rows.find((r) => r[0] === 'card') as string[];
      expect(card.slice(1)).toEqual(['30.0%', '60.0%']);
      expect(rows.map((r) => r[0])).toContain('cash');
      expect(rows.at(-1)?.[0]).toBe('distinct (estimate)');
      const facts = await page.locator('dl.mon-facts').textContent();
      expect(facts).toMatch(/measurejensen shannon/);
      expect(await drawn(page, /^Bar chart of the top values of clean\/rides\.parquet payment, .*card 30% → 60%/)).toBe(
        await page
          .locator('section[data-column] .mon-chart')
          .first()
          .evaluate((e) => Math.floor(e.clientWidth)),
      );
      // The picker lists every compared column and moves between them.
      await page.locator('select[name="column"]').selectOption({ label: 'raw/rides.csv · distance' });
      await expect.poll(() => page.locator('section[data-column]').getAttribute('data-pointer')).toBe('raw/rides.csv');
      expect(await page.locator('dl.mon-facts').textContent()).toMatch(/statusok/);
    });
  }, 60_000);

  it('asks drift for a column the monitor does not show, and says when there is none', async () => {
    await withChromium(async (page) => {
      // An older day's column: not the newest output of any step, so the view asks drift for it.
      await open(page, `#/monitor?pointer=${encodeURIComponent('features/rides.parquet')}&column=log_km`);
      expect(await page.locator('section[data-column]').getAttribute('data-column')).toBe('log_km');
      await open(page, `#/monitor?pointer=${encodeURIComponent('clean/rides.parquet')}&column=nope`);
      await expect
        .poll(() => page.locator('section[aria-labelledby="mon-dist"]').textContent())
        .toMatch(/No profile of clean\/rides\.parquet nope/);
    });
  }, 60_000);

  it("draws a task's metric by window beside its table, a gap where no feedback came, and moves between tasks and metrics", async () => {
    await withChromium(async (page, { consoleErrors }) => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await open(page);
      const table = page.locator('table[data-kind="task-metric"]');
      const cells = () =>
        table
          .locator('tbody tr')
          .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      // fares (first by name), MAE by day of feedback: the bug's day is off by 4, day 2's feedback never came.
      expect(await cells()).toEqual([
        ['2026-03-02 00:00:00', '1', '10'],
        ['2026-03-03 00:00:00', '-', '0'],
        ['2026-03-04 00:00:00', '4', '10'],
      ]);
      expect(await page.locator('select[name="task"]').inputValue()).toBe('fares');
      expect(
        await drawn(page, /^Line chart of MAE of task fares by 1d window: 2 windows with values, latest 4 .*highest 4/),
      ).toBeGreaterThan(100);
      expect(await page.locator('section[aria-labelledby="mon-task"] figcaption').textContent()).toContain(
        '2 feedback ids have no output yet',
      );
      await shot(page, 'task');
      await page.locator('select[name="metric"]').selectOption('rmse');
      await expect.poll(() => table.locator('th').nth(1).textContent()).toBe('RMSE');
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toBe(
        '#/monitor?task=fares&metric=rmse&window=1d',
      );
      // A task of classes: MAE cannot be computed, and says so in the section only; accuracy can.
      await page.locator('select[name="task"]').selectOption('surge');
      await page.locator('select[name="metric"]').selectOption('mae');
      await expect
        .poll(() => page.locator('section[aria-labelledby="mon-task"] [role="alert"]').textContent())
        .toMatch(/mae needs numeric outputs and feedback; task "surge"/);
      expect(await page.locator('table[aria-label^="drift per step"] tbody tr').count()).toBe(4);
      await page.locator('select[name="metric"]').selectOption('accuracy');
      await expect.poll(() => table.locator('th').nth(1).textContent()).toBe('ACCURACY');
      expect((await cells()).map((r) => r[1])).toEqual(['0.75', '0.75', '0.5']);
      expect(consoleErrors.filter((e) => !/400/.test(e))).toEqual([]);
    });
  }, 60_000);

  it('passes axe, fits a 390 px screen and reads in dark mode', async () => {
    await withChromium(async (page) => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const width of [1280, 390]) {
          await page.setViewportSize({ width, height: 900 });
          for (const hash of ['#/monitor', '#/monitor?pointer=clean%2Frides.parquet&column=payment']) {
            await open(page, hash);
            await drawn(page, /./);
            expect(await axe(page), `${scheme} ${width}px ${hash}`).toEqual([]);
            // Nothing wider than the screen: wide tables scroll inside their own region.
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
            expect(overflow, `${scheme} ${width}px ${hash}`).toBeLessThanOrEqual(width);
            const charts = await page
              .locator('.mon-chart canvas')
              .evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right));
            for (const right of charts) expect(right).toBeLessThanOrEqual(width);
          }
          if (width === 390) await shot(page, `narrow-${scheme}`);
        }
      }
    });
  }, 90_000);

  it('keeps uPlot out of the entry: the charts are a chunk of their own', async () => {
    const files = await readdir(bundleDir);
    const text = async (f: string) => readFile(join(bundleDir, f), 'utf8');
    // uPlot's class names mark the files that hold it.
    const withUplot = [];
    for (const f of files) if ((await text(f)).includes('u-cursor-pt')) withUplot.push(f);
    expect(withUplot).toHaveLength(1);
    expect(withUplot[0]).not.toBe(BUNDLE_NAME);
    expect(await text(BUNDLE_NAME)).not.toContain('Drift per step');
  });
});
