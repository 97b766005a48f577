import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { FIRST_DEPTH, GROUP_ABOVE } from '../../dashboard/views/trace.js';
import { createPipetrace } from '../../src/index.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let server: PipetraceServer;
const CHAIN = 40;
const WIDE = 200;

beforeAll(async () => {
  const pt = createPipetrace({ store: memoryStore() });
  const t0 = Date.UTC(2026, 5, 1);
  // A deep chain: step-i reads what step-(i-1) wrote.
  for (let i = 0; i < CHAIN; i++)
    await pt.logRun({
      component: `step${i % 3}`,
      startedAt: t0 + i * 60_000,
      endedAt: t0 + i * 60_000 + 5,
      inputs: i === 0 ? [] : [`chain/${i - 1}`],
      outputs: [`chain/${i}`],
    });
  // A wide one: 200 loads, then one merge that reads them all.
  const loads: string[] = [];
  for (let i = 0; i < WIDE; i++) {
    await pt.logRun({
      component: i % 2 ? 'load-a' : 'load-b',
      startedAt: t0 + i,
      endedAt: t0 + i + 1,
      outputs: [`parts/${i}`],
    });
    loads.push(`parts/${i}`);
  }
  await pt.logRun({
    component: 'merge',
    startedAt: t0 + 86_400_000,
    endedAt: t0 + 86_400_001,
    inputs: loads,
    outputs: ['merged'],
  });
  server = await serveDashboard({ store: pt.store });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('big traces', () => {
  it('asks for a bounded depth first and offers more levels, with a shareable URL', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/${encodeURIComponent(`chain/${CHAIN - 1}`)}`);
      await page.locator('section[data-card]').waitFor();
      expect(await page.locator('svg g[data-run]').count()).toBe(FIRST_DEPTH + 1);
      const note = page.locator('main p.note');
      expect(await note.textContent()).toContain(
        `Showing ${FIRST_DEPTH + 1} levels (${FIRST_DEPTH + 1} runs); older runs exist beyond`,
      );
      await note.locator('a', { hasText: 'more levels' }).click();
      await expect.poll(() => page.locator('svg g[data-run]').count()).toBe(2 * FIRST_DEPTH + 1);
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain(`depth=${2 * FIRST_DEPTH}`);
      await page.locator('main p.note a', { hasText: 'show all' }).click();
      await expect.poll(() => page.locator('svg g[data-run]').count()).toBe(CHAIN);
      expect(await page.locator('main p.note').count()).toBe(0);
      // Search highlights the matching nodes.
      await page.locator('input[name="find"]').fill('step1');
      expect(await page.locator('svg g[data-hit]').count()).toBe(Math.ceil((CHAIN - 1) / 3));
    });
  }, 60_000);

  it(`groups a trace of more than ${GROUP_ABOVE} runs by component per level, expandable, searchable`, async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      await page.locator('.graph[data-grouped] .overview').waitFor();
      expect(await page.locator('svg g[data-run]').count()).toBe(0);
      const groups = page.locator('details.group');
      expect(await groups.count()).toBe(3);
      expect(await page.locator('details.group[data-component="load-a"]').getAttribute('data-count')).toBe(
        String(WIDE / 2),
      );
      expect(await page.locator('details.group[data-component="load-a"] summary').textContent()).toMatch(
        /load-a × 100/,
      );
      // Runs are built only when a group opens; a click on one opens its card.
      expect(await page.locator('details.group[data-component="load-a"] button[data-run]').count()).toBe(0);
      await page.locator('details.group[data-component="load-a"] summary').click();
      await expect
        .poll(() => page.locator('details.group[data-component="load-a"] button[data-run]').count())
        .toBe(100);
      await page.locator('details.group[data-component="load-a"] button[data-run]').first().click();
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('load-a run');
      await page.locator('input[name="find"]').fill('load-b');
      expect(await page.locator('details.group[data-hit]').getAttribute('data-component')).toBe('load-b');
    });
  }, 60_000);
});
