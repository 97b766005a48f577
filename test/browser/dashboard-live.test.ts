import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let server: PipetraceServer;
let pt: Pipetrace;

beforeAll(async () => {
  const store = memoryStore();
  pt = createPipetrace({ store });
  const t = Date.now() - 60_000;
  await pt.logRun({ component: 'ingest', startedAt: t, endedAt: t + 1, outputs: ['raw.csv'] });
  server = await serveDashboard({ store, env: {} });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('the served dashboard, live', () => {
  it('shows runs logged while it is open, from the event stream, without a reload or a poll', async () => {
    await withChromium(async (page, { consoleErrors }) => {
      // The first table of the recent view lists the runs (the second, the components).
      const runRows = () => page.locator('main table').first().locator('tbody tr');
      const streams: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/v1/events') streams.push(request.url());
      });
      await page.clock.install();
      await page.goto(server.url);
      await runRows().first().waitFor();
      expect(await runRows().count()).toBe(1);
      await expect.poll(() => streams.length).toBe(1);
      await expect.poll(() => page.locator('header .live').textContent()).toMatch(/^live/);
      // From here no timer of the page fires: an interval poll cannot run.
      await page.clock.pauseAt(Date.now() + 1000);
      let navigations = 0;
      page.on('framenavigated', () => navigations++);

      const t = Date.now();
      await pt.logRun({ component: 'clean', startedAt: t, endedAt: t + 1, inputs: ['raw.csv'] });
      await expect.poll(() => runRows().count(), { timeout: 10_000 }).toBe(2);
      expect(await page.locator('main table').first().textContent()).toContain('clean');
      await pt.logRun({ component: 'train', startedAt: t + 2, endedAt: t + 3, inputs: ['raw.csv'] });
      await expect.poll(() => runRows().count(), { timeout: 10_000 }).toBe(3);
      expect(navigations).toBe(0);
      expect(streams.length).toBe(1);
      expect(consoleErrors).toEqual([]);
    });
  });
});
