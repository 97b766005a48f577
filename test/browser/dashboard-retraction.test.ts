import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { labelled, labelsPipeline, STAGES_IN_ORDER } from '../labels-pipeline.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let server: PipetraceServer;

beforeAll(async () => {
  const { pt, store } = await labelsPipeline();
  await pt.label('raw/rides.csv', 'customer:42', { rows: labelled.map((i) => `r${i}`) });
  await pt.retract('customer:42', { reason: 'deletion request #118' });
  server = await serveDashboard({ store });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('the retraction view in Chromium', () => {
  it('lists the retraction and shows its report with the affected rows per stage, in pipeline order', async () => {
    await withChromium(async (page, { consoleErrors }) => {
      await page.goto(`${server.url}/#/retractions`);
      await page.locator('main table a').first().click();
      const affected = page.locator('table[aria-label="affected outputs by stage"] tbody tr');
      await affected.first().waitFor();
      expect(await page.evaluate(() => location.hash)).toBe(`#/retraction/${encodeURIComponent('customer:42')}`);
      const rows = await affected.evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
      expect(rows.map((r) => r[0])).toEqual(STAGES_IN_ORDER);
      expect(rows.find((r) => r[2] === 'data/group-predictions.csv')?.[4]).toBe('1 rows: "p2"');
      expect(rows.find((r) => r[2] === 'models/churn.pkl')?.[4]).toMatch(
        /^whole output \(no row lineage at step train/,
      );
      expect(rows.find((r) => r[2] === 'models/churn.pkl')?.[5]).toBe('flagged (output)');
      expect(await page.locator('main ol li').count()).toBe(7);
      expect(consoleErrors).toEqual([]);
    });
  }, 90_000);
});
