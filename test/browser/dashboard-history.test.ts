/**
 * History worth scanning, in real Chromium over a real server on loopback: commit, params and a
 * metric beside each run (what changed since the run before in bold), a failed gate visible (a
 * failed check, a missing output), the metric column kept in the shareable URL of each page, and
 * no axe violation or overflow, light and dark, wide and narrow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { axeViolations, describeViolations } from './axe.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let pt: Pipetrace;
let server: PipetraceServer;
const t0 = Date.UTC(2026, 5, 1);
/** The runs of `train`, oldest first: 56 plain ones, then the four the test looks at. */
const COMMITS = ['a1b2c3d4e5f6a7b8', 'ffee00112233aabb'];

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  for (let i = 0; i < 56; i++)
    await pt.logRun({
      component: 'train',
      startedAt: t0 + i * 60_000,
      endedAt: t0 + i * 60_000 + 30,
      outputs: [`models/${i}.pkl`],
      params: { lr: 0.1, depth: 6 },
      metrics: { auc: 0.9 + i / 10_000, loss: 0.3 },
      code: { commit: COMMITS[0] as string },
    });
  const at = (i: number) => ({ startedAt: t0 + (56 + i) * 60_000, endedAt: t0 + (56 + i) * 60_000 + 30 });
  // A new commit and a new learning rate.
  await pt.logRun({
    component: 'train',
    ...at(0),
    outputs: ['models/56.pkl'],
    params: { lr: 0.3, depth: 6 },
    metrics: { auc: 0.71, loss: 0.5 },
    code: { commit: COMMITS[1] as string },
  });
  // Its after-check failed.
  await pt.logRun({
    component: 'train',
    ...at(1),
    outputs: ['models/57.pkl'],
    params: { lr: 0.3, depth: 6 },
    metrics: { auc: 0.72, loss: 0.5 },
    code: { commit: COMMITS[1] as string },
    checks: [{ name: 'auc above 0.8', phase: 'after', outcome: 'fail', message: 'auc 0.72' }],
  });
  // It succeeded but wrote no model.
  await pt.logRun({
    component: 'train',
    ...at(2),
    params: { lr: 0.3, depth: 6 },
    metrics: { auc: 0.73, loss: 0.5 },
    code: { commit: COMMITS[1] as string },
  });
  // All well again, its checks passed.
  await pt.logRun({
    component: 'train',
    ...at(3),
    outputs: ['models/59.pkl'],
    params: { lr: 0.3, depth: 6 },
    metrics: { auc: 0.74, loss: 0.5 },
    code: { commit: COMMITS[1] as string },
    checks: [{ name: 'auc above 0.7', phase: 'after', outcome: 'pass' }],
  });
  server = await serveDashboard({ store: pt.store, env: {} });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('history worth scanning', () => {
  it('shows commit, params and a metric per run, changes in bold, and failed gates', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/history/train`);
      const rows = page.locator('table[aria-label="runs"] tbody tr');
      await rows.first().waitFor();
      const heads = await page.locator('table[aria-label="runs"] thead th').allTextContents();
      expect(heads.slice(0, 5)).toEqual(['started (UTC)', 'run', 'commit', 'params', 'auc']);
      const cell = (row: number, label: string) => rows.nth(row).locator(`td[data-label="${label}"]`);
      // Newest first: all well, then the run without a model, the failed check, the new commit.
      expect(await cell(0, 'gate').textContent()).toBe('✓ 1 check passed');
      expect(await rows.nth(0).getAttribute('data-gate')).toBeNull();
      expect(await cell(1, 'gate').textContent()).toBe('✗ expected output missing: wrote 0 of the usual 1 output');
      expect(await rows.nth(1).getAttribute('data-gate')).toBe('failed');
      expect(await cell(2, 'gate').textContent()).toBe('✗ check not passed: auc above 0.8 (fail)');
      expect(await rows.nth(2).getAttribute('data-gate')).toBe('failed');
      expect(await cell(4, 'gate').textContent()).toBe('-');
      expect(await cell(0, 'auc').textContent()).toBe('0.74');
      expect(await cell(0, 'params').textContent()).toBe('lr=0.3 depth=6');
      expect(await cell(0, 'commit').textContent()).toBe(COMMITS[1]?.slice(0, 10));
      // The run that changed commit and learning rate says so in bold; the ones after it do not.
      expect(await cell(3, 'commit').locator('b').textContent()).toBe(COMMITS[1]?.slice(0, 10));
      expect(await cell(3, 'params').locator('b').allTextContents()).toEqual(['lr=0.3']);
      expect(await cell(2, 'params').locator('b').count()).toBe(0);
    });
  }, 60_000);

  it('keeps the chosen metric in the URL of each page, so a shared page shows the same column', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/history/train`);
      await page.locator('select[name="metric"]').selectOption('loss');
      await page.locator('form[aria-label="date range"] button[type="submit"]').click();
      await expect.poll(() => page.evaluate(() => location.hash)).toContain('metric=loss');
      await expect.poll(() => page.locator('table[aria-label="runs"] thead th').nth(4).textContent()).toBe('loss');
      await page.locator('nav[aria-label="pages"] a[rel="next"]').click();
      await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/cursor=.*metric=loss|metric=loss.*cursor=/);
      await expect.poll(() => page.locator('table[aria-label="runs"] tbody tr').count()).toBe(10);
      const shared = await page.evaluate(() => location.href);
      const other = await page.context().newPage();
      await other.goto(shared);
      await other.locator('table[aria-label="runs"] tbody tr').first().waitFor();
      expect(await other.locator('table[aria-label="runs"] thead th').nth(4).textContent()).toBe('loss');
      expect(await other.locator('table[aria-label="runs"] tbody tr').count()).toBe(10);
      expect(await other.locator('nav[aria-label="pages"] a').first().getAttribute('href')).toContain('metric=loss');
    });
  }, 60_000);

  it('has no serious or critical axe violation and fits 390 px, light and dark', async () => {
    await withChromium(async (page) => {
      for (const colorScheme of ['light', 'dark'] as const)
        for (const width of [1440, 390]) {
          await page.emulateMedia({ colorScheme });
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${server.url}/#/history/train`);
          await page.reload();
          await page.locator('table[aria-label="runs"] tbody tr').first().waitFor();
          const found = await axeViolations(page);
          expect(found, describeViolations(found)).toEqual([]);
          if (width === 390)
            expect(
              await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
            ).toBeLessThanOrEqual(0);
        }
    });
  }, 90_000);
});
