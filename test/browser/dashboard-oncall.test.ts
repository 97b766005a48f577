/**
 * The dashboard for the person on call, in real Chromium against real servers on loopback:
 * home shows incidents first, read-only servers look read-only, the command bar's examples come
 * from the store, a pasted token lasts the session, and an embed on another origin either works
 * (with --cors) or says which flag is missing, leaving the host page's URL alone.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { logSamplePipeline, type SampleResult } from '../../dashboard/sample.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import type { Store } from '../../src/store.js';
import { bundle, serveStatic, withChromium, writeTempDir } from './harness.js';

const TOKEN = 'oncall-token';
let store: Store;
let pt: Pipetrace;
let sample: SampleResult;
let bundleFile: string;
const servers: PipetraceServer[] = [];

async function serve(options: { token?: string; cors?: string[] } = {}): Promise<PipetraceServer> {
  const server = createServer({ store, ...options, env: {}, routes: dashboardRoutes({ bundleFile }) });
  await server.listen(0, '127.0.0.1');
  servers.push(server);
  return server;
}

beforeAll(async () => {
  store = memoryStore();
  pt = createPipetrace({ store });
  sample = await logSamplePipeline(pt);
  await pt.flagRows(sample.predictions, [sample.rowKey]);
  const t0 = Date.UTC(2026, 3, 1);
  await pt.logRun({
    component: 'export',
    startedAt: t0,
    endedAt: t0 + 9,
    inputs: [sample.predictions],
    status: 'failed',
    error: { name: 'Error', message: 'bucket not writable' },
  });
  // A scoring step whose second run's output drifted far from the first's.
  for (let i = 0; i < 2; i++) {
    const run = await pt.logRun({
      component: 'score',
      startedAt: t0 + (i + 1) * 3_600_000,
      endedAt: t0 + (i + 1) * 3_600_000 + 5,
      inputs: [sample.predictions],
      outputs: ['scores/latest.csv'],
    });
    await pt.recordProfile(run.id, 'scores/latest.csv', {
      fare: Float64Array.from({ length: 500 }, (_, k) => (k % 50) + i * 400),
    });
  }
  // The serving model, rewritten each day: its versions are the on-call's first question.
  for (let d = 1; d <= 3; d++)
    await pt.logRun({
      component: 'publish',
      startedAt: Date.UTC(2026, 3, d, 6),
      endedAt: Date.UTC(2026, 3, d, 6, 1),
      inputs: [sample.model],
      outputs: ['models/serving.pkl'],
      params: { day: d },
    });
  const dir = await writeTempDir({ 'pipetrace-dashboard.js': await bundle('dashboard/main.ts') });
  bundleFile = join(dir, 'pipetrace-dashboard.js');
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('the dashboard on call', () => {
  it('opens on incidents: flagged outputs and rows with counts, failed runs, stale runs, drifted steps', async () => {
    const server = await serve({ token: TOKEN });
    await withChromium(async (page, { consoleErrors }) => {
      await page.goto(server.url);
      await page.locator('section.incidents[data-state="done"]').waitFor();
      expect(await page.locator('main h2').first().textContent()).toBe('Incidents');
      const box = (name: string) => page.locator(`section[data-incident="${name}"]`);
      expect(await box('flagged').getAttribute('data-count')).toBe('4');
      const flagged = (await box('flagged').textContent()) ?? '';
      expect(flagged).toContain('3 outputs and 1 row of 1 output flagged');
      expect(flagged).toContain(`${sample.predictions} · 1 flagged row`);
      expect(await box('flagged').locator('a', { hasText: 'Review' }).getAttribute('href')).toBe('#/review');
      expect(await box('failed runs').getAttribute('data-count')).toBe('1');
      expect(await box('failed runs').textContent()).toContain('bucket not writable');
      expect(Number(await box('stale').getAttribute('data-count'))).toBeGreaterThan(0);
      expect(await box('drifted steps').getAttribute('data-count')).toBe('1');
      expect(await box('drifted steps').locator('a').first().textContent()).toBe('score');
      expect(await box('drifted steps').locator('a').first().getAttribute('href')).toMatch(/^#\/trace-run\//);
      expect(await box('drifted steps').locator('a').last().getAttribute('href')).toBe('#/monitor');
      // Below: the recent runs, as before.
      expect(await page.locator('main h2').nth(1).textContent()).toBe('Recent runs');
      // The command bar's examples come from this store.
      expect(await page.locator('input[name="command"]').getAttribute('placeholder')).toContain(
        'trace models/serving.pkl · history publish',
      );
      expect(consoleErrors).toEqual([]);
    });
  }, 60_000);

  it('shows a read-only server as read-only: no flag, unflag or note controls, and says why once', async () => {
    const server = await serve();
    expect(await (await fetch(`${server.url}/api/v1/access`)).json()).toEqual({ read: 'yes', write: 'no' });
    await withChromium(async (page) => {
      await page.goto(
        `${server.url}/#/run/${encodeURIComponent((await pt.recent(30)).find((r) => r.component === 'infer')!.id)}`,
      );
      // The card's lists and notes (where flag toggles and the note field would be) come a frame after its head.
      await page.locator('section[data-card] h3', { hasText: 'Notes' }).waitFor();
      expect(await page.locator('header .readonly').textContent()).toMatch(/read-only: started without a write token/);
      expect(await page.locator('button.flag').count()).toBe(0);
      expect(await page.locator('textarea[name="note"]').count()).toBe(0);
      expect(await page.locator('input[aria-label="write token"]').count()).toBe(0);
      await page.goto(`${server.url}/#/flagged`);
      await page.locator('table[aria-label="flagged outputs"]').waitFor();
      expect(await page.locator('button.flag').count()).toBe(0);
      // The flagged rows are listed too, with their count.
      expect(await page.locator('table[aria-label="flagged rows"] tbody tr').textContent()).toContain(
        sample.predictions,
      );
    });
  }, 60_000);

  it('keeps a pasted write token for the session, and shows write controls on a server with a token', async () => {
    const server = await serve({ token: TOKEN });
    expect(await (await fetch(`${server.url}/api/v1/access`)).json()).toEqual({ read: 'yes', write: 'token' });
    const authed = await fetch(`${server.url}/api/v1/access`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await authed.json()).toEqual({ read: 'yes', write: 'yes' });
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/flagged`);
      await page.locator('table[aria-label="flagged outputs"]').waitFor();
      expect(await page.locator('header .readonly').isVisible()).toBe(false);
      expect(await page.locator('button.flag').count()).toBe(3);
      const token = page.locator('input[aria-label="write token"]');
      await token.fill(TOKEN);
      await token.dispatchEvent('change');
      await page.reload();
      await page.locator('table[aria-label="flagged outputs"]').waitFor();
      // After a reload the token is still there: unflagging works without typing it again.
      const name = sample.predictions.replace('batch-3', 'batch-1').replace(/\d{4}-\d{2}-\d{2}/, '2026-03-02');
      await page.locator(`button[aria-label="unflag ${name}"]`).click();
      await expect.poll(async () => (await pt.pointer(name)).flagged).toBe(false);
      await pt.flag(name);
    });
  }, 60_000);

  it('traces an earlier version of a pointer: POINTER@DATE in the command bar and a list of versions', async () => {
    const server = await serve({ token: TOKEN });
    const day2 = (await pt.trace('models/serving.pkl', { at: Date.UTC(2026, 3, 3) })).root;
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/${encodeURIComponent('models/serving.pkl')}`);
      await page.locator('nav[aria-label="versions"] a').first().waitFor();
      expect(await page.locator('nav[aria-label="versions"] a').count()).toBe(2);
      expect(await page.locator('nav[aria-label="versions"] b').textContent()).toBe('2026-04-03 06:00');
      const input = page.locator('input[name="command"]');
      await input.fill('trace models/serving.pkl@2026-04-02');
      await input.press('Enter');
      await expect.poll(() => page.locator('.graph').getAttribute('data-trace')).toBe(day2);
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain('at=2026-04-02');
      expect(await page.locator('nav[aria-label="versions"] b').textContent()).toBe('2026-04-02 06:00');
      await input.fill('trace models/serving.pkl --at 2026-04-01');
      await input.press('Enter');
      await expect.poll(() => page.locator('nav[aria-label="versions"] b').textContent()).toBe('2026-04-01 06:00');
    });
  }, 60_000);

  it('embeds on another origin: says which --cors is missing, works with it, and leaves the host URL alone', async () => {
    const closed = await serve({ token: TOKEN });
    const host = await serveStatic(
      await writeTempDir({
        'index.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title><body><h1>Host page</h1><script type="module" src="${closed.url}/dashboard/pipetrace-dashboard.js"></script><pipetrace-dashboard id="d" url="${closed.url}" poll-ms="0"></pipetrace-dashboard>`,
      }),
    );
    const origin = new URL(host.url).origin;
    try {
      await withChromium(async (page) => {
        // The bundle loads across origins (it is served with a CORS header); the API does not.
        await page.goto(host.url);
        const error = page.locator('pipetrace-dashboard .error');
        await error.waitFor();
        expect(await error.textContent()).toContain(`--cors ${origin}`);
        expect(await page.evaluate(() => (document.getElementById('d') as HTMLElement).offsetHeight)).toBeGreaterThan(
          50,
        );
        // With the origin allowed, the same embed shows the store; the host's URL keeps no hash.
        const open = await serve({ token: TOKEN, cors: [origin] });
        await page.evaluate((url) => document.getElementById('d')?.setAttribute('url', url), open.url);
        await page.evaluate(() => {
          const el = document.getElementById('d') as HTMLElement & { store?: unknown };
          el.remove();
          document.body.append(el);
        });
        await page.locator('pipetrace-dashboard section.incidents[data-state="done"]').waitFor();
        await page.locator('pipetrace-dashboard nav a', { hasText: 'Review' }).click();
        await page.locator('pipetrace-dashboard section[aria-label="top suspect"]').waitFor();
        expect(await page.evaluate(() => location.hash)).toBe('');
      });
    } finally {
      await host.close();
    }
  }, 60_000);
});
