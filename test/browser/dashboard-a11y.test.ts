/**
 * Every view for every user, in real Chromium: axe-core finds no serious or critical violation
 * on any view, light and dark, at 1440 and 390 px; no view is wider than a 390 px screen; the
 * DAG's text is at least 12 px; focus stays on a clicked node after the redraw; paged history has
 * shareable URLs. Screenshots of the narrow and dark views go to test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { logSamplePipeline, type SampleResult } from '../../dashboard/sample.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { axeViolations, describeViolations } from './axe.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

const SHOTS = join(process.cwd(), 'test-results');
let server: PipetraceServer;
let pt: Pipetrace;
let sample: SampleResult;
let failedRun: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const store = memoryStore();
  pt = createPipetrace({ store });
  sample = await logSamplePipeline(pt);
  await pt.flagRows(sample.predictions, [sample.rowKey]);
  // 60 runs of one step, for paged history, and a failed one for home.
  const t0 = Date.UTC(2026, 1, 1);
  for (let i = 0; i < 60; i++)
    await pt.logRun({
      component: 'tick',
      startedAt: t0 + i * 60_000,
      endedAt: t0 + i * 60_000 + 5,
      outputs: [`ticks/${i}`],
    });
  failedRun = (
    await pt.logRun({
      component: 'tick',
      startedAt: t0 + 3_600_000 * 24,
      endedAt: t0 + 3_600_000 * 24 + 9,
      status: 'failed',
      error: { name: 'Error', message: 'disk full' },
    })
  ).id;
  server = await serveDashboard({ store, token: 'a11y-token' });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Each view, by hash, with what shows it has loaded. */
function views(): [string, string, string][] {
  const [clean] = [sample.model];
  return [
    ['home', '#/recent', 'section[data-incident="stale"]:not([aria-busy])'],
    ['trace', `#/trace/${encodeURIComponent(clean)}`, 'section[data-card]'],
    ['trace graph', `#/trace/${encodeURIComponent(clean)}?as=graph`, '.graph[data-drawn="true"]'],
    ['run', `#/run/${encodeURIComponent(failedRun)}`, 'section[data-card] div[aria-live] > :not(p)'],
    ['review', '#/review', 'section[aria-label="top suspect"]'],
    ['flagged', '#/flagged', 'table[aria-label="flagged rows"]'],
    ['history', '#/history/tick', 'nav[aria-label="pages"]'],
    [
      'rows',
      `#/rows?pointer=${encodeURIComponent(sample.predictions)}&key=${encodeURIComponent(JSON.stringify(sample.rowKey))}`,
      'section.step',
    ],
  ];
}

const widest = (page: Page) =>
  page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);

describe('every view for every user', () => {
  it('has no serious or critical axe violation and no overflow: light and dark, 1440 and 390 px', async () => {
    const found: string[] = [];
    await withChromium(async (page, { consoleErrors }) => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const width of [1440, 390]) {
          await page.setViewportSize({ width, height: 860 });
          for (const [name, hash, ready] of views()) {
            await page.goto(`${server.url}/${hash}`);
            await page.reload();
            await page.locator(ready).first().waitFor();
            // Folded sections are checked too: open them.
            await page.evaluate(() => {
              for (const d of document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelectorAll('details') ??
                [])
                (d as HTMLDetailsElement).open = true;
            });
            const v = await axeViolations(page);
            if (v.length > 0) found.push(`${name} ${scheme} ${width}px:\n${describeViolations(v)}`);
            if (width === 390) {
              const over = await widest(page);
              if (over > 0) found.push(`${name} ${scheme} 390px: ${over} px wider than the screen`);
            }
            if (width === 390 || scheme === 'dark')
              await page.screenshot({ path: join(SHOTS, `dashboard-${name}-${scheme}-${width}.png`), fullPage: true });
          }
        }
      }
      expect(consoleErrors).toEqual([]);
    });
    expect(found.join('\n\n')).toBe('');
  }, 300_000);

  it('turns dark with prefers-color-scheme: dark', async () => {
    await withChromium(async (page) => {
      const background = () =>
        page.evaluate(() => getComputedStyle(document.querySelector('pipetrace-dashboard') as Element).backgroundColor);
      await page.goto(`${server.url}/#/recent`);
      await page.locator('section[data-incident]').first().waitFor();
      expect(await background()).toBe('rgb(246, 247, 249)');
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background()).toBe('rgb(15, 20, 27)');
    });
  }, 60_000);

  it('shows review candidates as stacked cards on a 390 px screen, the culprit on screen', async () => {
    await withChromium(async (page) => {
      await page.setViewportSize({ width: 390, height: 860 });
      await page.goto(`${server.url}/#/review`);
      await page.locator('section[aria-label="top suspect"]').waitFor();
      // The flagged row is the latest prediction: the row level's top suspect is an inference run.
      const name = page.locator('section[aria-label="top suspect"] b').first();
      expect(await name.textContent()).toBe('infer');
      const box = await name.boundingBox();
      expect(box?.x).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
      // The row-level table's cells are labelled blocks, one card per candidate.
      const cell = page.locator('table[aria-label="runs and code versions behind flagged rows"] td').first();
      expect(await cell.evaluate((td) => getComputedStyle(td).display)).toBe('grid');
      expect(await cell.getAttribute('data-label')).toBe('rank');
    });
  }, 60_000);

  it('draws DAG text at 12 px or more and keeps focus on the clicked node after the redraw', async () => {
    await withChromium(async (page) => {
      await page.setViewportSize({ width: 1440, height: 860 });
      await page.goto(`${server.url}/#/trace/${encodeURIComponent(sample.predictions)}`);
      await page.locator('section[data-card]').waitFor();
      const smallest = await page.locator('.graph svg').evaluate((svg) => {
        const scale = svg.getBoundingClientRect().width / Number(svg.getAttribute('width'));
        return Math.min(
          ...[...svg.querySelectorAll('g[data-run] text')].map(
            (t) => Number.parseFloat(getComputedStyle(t).fontSize) * scale,
          ),
        );
      });
      expect(smallest).toBeGreaterThanOrEqual(12);
      await page.locator('svg g[data-run][aria-label^="clean"]').click();
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('clean run');
      const focused = () =>
        page.evaluate(
          () =>
            document.querySelector('pipetrace-dashboard')?.shadowRoot?.activeElement?.getAttribute('aria-label') ?? '',
        );
      expect(await focused()).toMatch(/^clean /);
      // A click elsewhere in the picture and back: focus follows the click each time.
      await page.locator('svg g[data-run][aria-label^="ingest"]').click();
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('ingest run');
      expect(await focused()).toMatch(/^ingest /);
    });
  }, 60_000);

  it('pages history with shareable URLs', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/history/tick`);
      const older = page.locator('nav[aria-label="pages"] a[rel="next"]');
      await older.waitFor();
      expect(await page.locator('main tbody tr').count()).toBe(50);
      await older.click();
      await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/cursor=/);
      await expect.poll(() => page.locator('main tbody tr').count()).toBe(11);
      const shared = await page.evaluate(() => location.href);
      const other = await page.context().newPage();
      await other.goto(shared);
      await expect.poll(() => other.locator('main tbody tr').count()).toBe(11);
      expect(await other.locator('nav[aria-label="pages"] a').first().textContent()).toMatch(/Newest/);
    });
  }, 60_000);
});
