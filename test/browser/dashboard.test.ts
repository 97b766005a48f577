/**
 * The dashboard in real headless Chromium, served by a real pipetrace server on loopback over a
 * memory store with a small logged pipeline: trace the model, open a run card, flag an output,
 * review, follow a row, see a new run arrive, and open a shared URL. Screenshots go to
 * test-results/ for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes, loadBundle } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { logSamplePipeline, type SampleResult } from '../../dashboard/sample.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { serveDashboard } from './dashboard-server.js';
import { bundle, withChromium, writeTempDir } from './harness.js';

const TOKEN = 'dashboard-test-token';
const SHOTS = join(process.cwd(), 'test-results');

let server: PipetraceServer;
let pt: Pipetrace;
let sample: SampleResult;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const store = memoryStore();
  pt = createPipetrace({ store });
  sample = await logSamplePipeline(pt);
  server = await serveDashboard({ store, token: TOKEN });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function command(page: Page, line: string) {
  const input = page.locator('input[name="command"]');
  await input.fill(line);
  await input.press('Enter');
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });

/** Bundles `source` (a module mounting a dashboard in the page), serves it, and opens it in Chromium. */
async function inPage(source: string, check: Parameters<typeof withChromium>[0]): Promise<void> {
  const entry = await writeTempDir({ 'entry.ts': source });
  const dir = await writeTempDir({
    'index.html':
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><body><script type="module" src="./b.js"></script>',
    'b.js': await bundle(join(entry, 'entry.ts')),
  });
  const { serveStatic } = await import('./harness.js');
  const site = await serveStatic(dir);
  try {
    await withChromium(async (page, extra) => {
      await page.goto(site.url);
      await check(page, extra);
    });
  } finally {
    await site.close();
  }
}

describe('the dashboard in Chromium', () => {
  it('traces the model, opens run cards, flags an output, reviews and follows a row', async () => {
    await withChromium(async (page, { consoleErrors }) => {
      await page.setViewportSize({ width: 1366, height: 820 });
      await page.goto(server.url);
      await page.locator('table').first().waitFor();
      expect(await page.locator('tbody tr').count()).toBeGreaterThan(10);
      await shot(page, 'recent');

      // Trace the model from the command bar ("/" focuses it): a layered DAG, upstream on the left.
      await page.locator('body').click({ position: { x: 5, y: 400 } });
      await page.keyboard.press('/');
      await page.keyboard.type(`trace ${sample.model}`);
      await page.keyboard.press('Enter');
      await page.locator('svg g[data-run]').first().waitFor();
      expect(await page.locator('svg g[data-run]').count()).toBe(3);
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toBe(`#/trace/${sample.model}`);
      const xs = await page
        .locator('svg g[data-run]')
        .evaluateAll((gs) =>
          gs.map((g) => [
            g.getAttribute('aria-label')?.split(' ')[0],
            (g as SVGGElement).getBBox && g.getBoundingClientRect().x,
          ]),
        );
      const x = Object.fromEntries(xs) as Record<string, number>;
      expect(x.ingest).toBeLessThan(x.clean as number);
      expect(x.clean).toBeLessThan(x.train as number);
      // A small DAG is fitted to its panel once the view is on screen.
      await expect
        .poll(() => page.locator('.graph svg').evaluate((svg) => (svg as SVGElement).style.maxWidth))
        .toBe('100%');
      // The root's card opens with the trace.
      await page.locator('section[data-card]').waitFor();
      expect(await page.locator('section[data-card] h3').first().textContent()).toBe('train run');
      await shot(page, 'trace');

      // A click on the clean node opens its card: commit, owner, staleness, snapshot.
      await page.locator('svg g[data-run][aria-label^="clean"]').click();
      const card = page.locator('section[data-card]');
      await page.waitForFunction(() => true);
      await expect.poll(() => card.locator('h3').first().textContent()).toBe('clean run');
      // Its lists and notes join it a frame after its head.
      await card.locator('h3', { hasText: 'Notes' }).waitFor();
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('data-eng');
      expect(text).toMatch(/a1b2c3d2e4f5/);
      // Staleness is a quiet, folded line (the sample's runs are months old).
      await expect
        .poll(() => card.locator('details[data-stale] summary').textContent())
        .toMatch(/^old upstream runs \(\d+ reasons?\)$/);
      expect(await card.locator('details summary').last().textContent()).toBe('Code snapshot');
      // Params as a table, and the end time beside the start.
      expect(await card.locator('table[aria-label="params"] th').first().textContent()).toBe('drop_zero_fares');
      expect(await card.locator('dl.card').textContent()).toMatch(/ended.*UTC/);
      expect(await page.evaluate(() => location.hash)).toMatch(/\?open=/);

      // Keyboard: Tab to the ingest node and press Enter.
      await page.locator('svg g[data-run][aria-label^="ingest"]').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => card.locator('h3').first().textContent()).toBe('ingest run');

      // Flag an output of the latest inference run (writes need the token).
      await command(page, `trace ${sample.predictions}`);
      await page.locator('section[data-card]').waitFor();
      const toggle = page.locator(`button.flag[aria-label="flag ${sample.predictions}"]`);
      await toggle.click();
      await expect.poll(() => page.locator('[role="alert"]').last().textContent()).toMatch(/token/);
      expect((await pt.pointer(sample.predictions)).flagged).toBe(false);
      await page.locator('input[aria-label="write token"]').fill(TOKEN);
      await page.locator('input[aria-label="write token"]').dispatchEvent('change');
      await toggle.click();
      await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
      expect((await pt.pointer(sample.predictions)).flagged).toBe(true);
      await shot(page, 'run-card');

      // Review: ranked groups with evidence beside the flagged outputs; the buggy day's runs lead.
      await command(page, 'review');
      await page.locator('table[aria-label="ranked runs"]').waitFor();
      const first = page.locator('table[aria-label="ranked runs"] tbody tr').first();
      expect(await first.getAttribute('data-rank')).toBe('1');
      expect(await first.textContent()).toContain('clean');
      // Its difference from the other cleaning runs, listed under it as in the row review.
      expect(await first.textContent()).toContain('params.drop_zero_fares = false (most runs: true)');
      expect(await page.locator('aside[aria-label="flagged outputs"] li').count()).toBe(4);
      expect(await page.locator('table[aria-label="ranked runs"] tr.tie').count()).toBeGreaterThan(0);
      await shot(page, 'review');

      // History with a date range: the clean runs of the first two days only.
      await command(page, 'history clean 2026-03-01 2026-03-02');
      await page.locator('form[aria-label="date range"]').waitFor();
      await expect.poll(() => page.locator('main tbody tr').count()).toBe(2);
      expect(await page.locator('input[name="since"]').inputValue()).toBe('2026-03-01');
      await page.locator('input[name="until"]').fill('2026-03-03');
      await page.locator('form[aria-label="date range"] button[type="submit"]').click();
      await expect.poll(() => page.locator('main tbody tr').count()).toBe(3);
      await shot(page, 'history');

      // Follow a prediction row back to the raw rides, then follow one of the raw rows forward.
      await command(page, `row ${sample.predictions} ${sample.rowKey}`);
      await page.locator('section.step').first().waitFor();
      expect(await page.locator('section.step').count()).toBeGreaterThanOrEqual(2);
      const firstStep = (await page.locator('section.step').first().textContent()) ?? '';
      expect(firstStep).toContain('0. infer');
      expect(firstStep).toContain('(map, 1 row)');
      await shot(page, 'rows');
      // The clean row it came from, followed: the cleaning run kept it from the raw rides.
      await page.locator('button.rowchip[title*="ride-"]').first().click();
      await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toMatch(/key="ride-/);
      await expect.poll(() => page.locator('section.step').first().textContent()).toContain('0. clean');
      expect(await page.locator('section.step').first().textContent()).toContain('(keep, 1 row)');

      expect(consoleErrors.filter((e) => !/40[13]/.test(e))).toEqual([]);
    });
  }, 90_000);

  it('shows the runs and rows behind flagged rows in the review', async () => {
    await pt.flagRows(sample.predictions, [sample.rowKey]);
    try {
      await withChromium(async (page) => {
        await page.goto(`${server.url}/#/review`);
        const table = page.locator('table[aria-label="runs and code versions behind flagged rows"]');
        await table.waitFor();
        expect(await page.locator('section[aria-label="flagged rows review"] h3').first().textContent()).toContain(
          '1 flagged',
        );
        expect(await table.locator('tbody tr').first().textContent()).toMatch(/^#1/);
        // One flagged row cannot single out an origin row: it is counted, not ranked.
        expect(await page.locator('table[aria-label="upstream rows behind flagged rows"]').count()).toBe(0);
        expect(await page.locator('ul[aria-label="origin rows not ranked"]').textContent()).toMatch(
          /^1 row with one flag each/,
        );
      });
    } finally {
      await pt.unflagRows(sample.predictions);
    }
  }, 60_000);

  it('shows a run logged after the page opened without a reload', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/recent`);
      await page.locator('tbody tr').first().waitFor();
      const t = Date.UTC(2026, 5, 1);
      await pt.logRun({
        component: 'infer',
        startedAt: t,
        endedAt: t + 1,
        inputs: [sample.model],
        outputs: ['predictions/live.csv'],
      });
      await page.locator('text=predictions/live.csv').waitFor({ timeout: 15_000 });
    });
  }, 60_000);

  it('opens a shared run URL directly, and an unknown run says so', async () => {
    const [run] = await pt.recent(1);
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/run/${encodeURIComponent(run!.id)}`);
      await page.locator(`section[data-card="${run!.id}"]`).waitFor();
      await page.goto(`${server.url}/#/run/nope`);
      await page.reload();
      await expect.poll(() => page.locator('.error').textContent()).toMatch(/nope/);
    });
  }, 60_000);

  it('runs over a store in the page with mount(element, { store }) and shows hostile names as text', async () => {
    await inPage(
      `
        import { memoryStore } from '${process.cwd()}/adapters/memory.ts';
        import { createPipetrace } from '${process.cwd()}/src/index.ts';
        import { logSamplePipeline } from '${process.cwd()}/dashboard/sample.ts';
        import { mount } from '${process.cwd()}/dashboard/main.ts';
        const store = memoryStore();
        const pt = createPipetrace({ store });
        const sample = await logSamplePipeline(pt, { days: 2 });
        // A hostile name must show as text, never become markup.
        const evil = '<img src=x onerror="globalThis.pwned=1">';
        await pt.logRun({ component: evil, startedAt: Date.UTC(2026, 4, 1), endedAt: Date.UTC(2026, 4, 1) + 5, inputs: [sample.model], outputs: [evil + '.csv'] });
        const el = document.createElement('div');
        document.body.append(el);
        (globalThis as any).dash = mount(el, { store, pollMs: 0, hash: false });
        (globalThis as any).dash.navigate({ view: 'trace', pointer: evil + '.csv' });
      `,
      async (page, { consoleErrors }) => {
        await page.locator('section[data-card]').waitFor();
        expect(await page.locator('svg g[data-run]').count()).toBe(4);
        expect(await page.locator('section[data-card] h3').first().textContent()).toBe(
          '<img src=x onerror="globalThis.pwned=1"> run',
        );
        expect(await page.locator('img').count()).toBe(0);
        expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
        expect(await page.evaluate(() => location.hash)).toBe('');
        expect(consoleErrors).toEqual([]);
      },
    );
  }, 60_000);

  it('keeps the view the user moved on to when the one before answers late', async () => {
    await inPage(
      `
        import { memoryStore } from '${process.cwd()}/adapters/memory.ts';
        import { createPipetrace } from '${process.cwd()}/src/index.ts';
        import { logSamplePipeline } from '${process.cwd()}/dashboard/sample.ts';
        import { lazyStoreApi, mount } from '${process.cwd()}/dashboard/main.ts';
        const store = memoryStore();
        const sample = await logSamplePipeline(createPipetrace({ store }), { days: 1 });
        const base = lazyStoreApi(store);
        let release = () => {};
        const answered = new Promise<void>((done) => (release = done));
        // The trace answers only when the test says so, after the user has moved on.
        const api = new Proxy(base, {
          get: (target, key) =>
            key === 'trace' ? async (t: never) => { await answered; return target.trace(t); } : (target as any)[key],
        });
        const el = document.createElement('div');
        document.body.append(el);
        const dash = mount(el, { api, pollMs: 0, hash: false });
        dash.navigate({ view: 'trace', pointer: sample.model });
        dash.navigate({ view: 'flagged' });
        (globalThis as any).release = release;
      `,
      async (page, { consoleErrors }) => {
        const heading = page.locator('h2').first();
        await expect.poll(() => heading.textContent()).toMatch(/^Flagged outputs/);
        await page.evaluate(() => (globalThis as unknown as { release(): void }).release());
        await page.waitForTimeout(300);
        expect(await heading.textContent()).toMatch(/^Flagged outputs/);
        expect(await page.locator('svg g[data-run]').count()).toBe(0);
        expect(consoleErrors).toEqual([]);
      },
    );
  }, 60_000);

  it('serves the page at / and the split bundle from the source, and nothing outside it', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<pipetrace-dashboard');
    const plain = createServer({ store: memoryStore(), routes: dashboardRoutes() });
    const { url } = await plain.listen(0, '127.0.0.1');
    try {
      const entry = await fetch(`${url}/dashboard/pipetrace-dashboard.js`);
      expect(entry.headers.get('content-type')).toMatch(/text\/javascript/);
      const js = await entry.text();
      expect(js).toContain('pipetrace-dashboard');
      // The in-page store code (core, graphology) is a chunk the entry imports only when used.
      expect(js).not.toContain('UsageGraphError');
      // Follow the chunk imports from the entry: one of them holds graphology.
      const texts = new Map<string, string>();
      const pending = [...js.matchAll(/chunk-[A-Z0-9]+\.js/g)].map((m) => m[0]);
      while (pending.length > 0) {
        const name = pending.pop() as string;
        if (texts.has(name)) continue;
        const res = await fetch(`${url}/dashboard/${name}`);
        expect(res.status, name).toBe(200);
        const text = await res.text();
        texts.set(name, text);
        pending.push(...[...text.matchAll(/chunk-[A-Z0-9]+\.js/g)].map((m) => m[0]));
      }
      expect([...texts.values()].some((t) => t.includes('UsageGraphError'))).toBe(true);
      for (const bad of ['..%2Fpackage.json', 'x%2F..%2Fmain.ts', '.hidden.js', 'main.ts', 'routes.ts', 'nope.js']) {
        expect((await fetch(`${url}/dashboard/${bad}`)).status, bad).toBe(404);
      }
      expect(new TextDecoder().decode(await loadBundle())).toBe(js);
    } finally {
      await plain.close();
    }
  }, 60_000);
});
