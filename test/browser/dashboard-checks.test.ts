import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { createPipetrace, fail } from '../../src/index.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let server: PipetraceServer;
let failedRun: string;

beforeAll(async () => {
  const pt = createPipetrace({ store: memoryStore() });
  const clean = pt.wrap('clean', async (nulls: number) => `clean/${nulls}`, {
    outputs: (r) => r,
    checks: {
      before: [{ name: 'no null fares', check: (nulls) => (nulls === 0 ? true : fail(`${nulls} null fares`)) }],
      after: [
        {
          name: 'broken check',
          check: () => {
            throw 'oops';
          },
        },
      ],
    },
  });
  for (const nulls of [0, 0, 3, 0]) await clean(nulls);
  failedRun = (await pt.checks({ outcome: 'fail' })).results[0]?.run as string;
  server = await serveDashboard({ store: pt.store });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('checks in the dashboard', () => {
  it('shows a pass/fail strip per check on the component history, and the results on the run card', async () => {
    await withChromium(async (page, { consoleErrors }) => {
      await page.goto(`${server.url}/#/history/clean`);
      const strips = page.locator('section[aria-label="check history"]');
      await strips.waitFor();
      const outcomes = (name: string) =>
        strips.locator(`[data-check="${name}"] a`).evaluateAll((as) => as.map((a) => a.getAttribute('data-outcome')));
      expect(await outcomes('no null fares')).toEqual(['pass', 'pass', 'fail', 'pass']);
      expect(await outcomes('broken check')).toEqual(['error', 'error', 'error', 'error']);
      expect(await strips.locator('[data-check="no null fares"]').textContent()).toContain('3 of 4 passed');
      const failing = strips.locator('[data-check="no null fares"] a[data-outcome="fail"]');
      expect(await failing.getAttribute('aria-label')).toMatch(/^no null fares: fail \(3 null fares\), run started /);

      await failing.click();
      const card = page.locator(`[data-card="${failedRun}"] section[aria-label="checks"]`);
      await card.waitFor();
      expect(await card.locator('h3').textContent()).toBe('Checks (2 of 2 not passed)');
      const rows = await card
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)));
      expect(rows).toEqual([
        ['fail', 'before', 'no null fares', '3 null fares'],
        ['error', 'after', 'broken check', 'threw a non-Error: oops'],
      ]);
      expect(consoleErrors).toEqual([]);
    });
  }, 120_000);
});
