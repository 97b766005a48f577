/**
 * Home and review for the person on call, over a real server on loopback in real Chromium:
 * home asks every query at once (none waits for another's answer, the chunks are preloaded
 * beside the entry, the page starts home's requests while the bundle loads, live updates wait
 * until the view is on screen) and shows what has answered
 * while a slow box still loads; upstream origin rows carry their original keys over HTTP too.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUILD_OPTIONS, dashboardRoutes, staticChunks } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { homeRequestPaths } from '../../dashboard/home-requests.js';
import { logSamplePipeline } from '../../dashboard/sample.js';
import { tokenKey } from '../../dashboard/token-key.js';
import { STALE_COMPONENTS } from '../../dashboard/views/home.js';
import { createPipetrace, type Pipetrace } from '../../src/index.js';
import { withChromium, writeTempDir } from './harness.js';

let pt: Pipetrace;
let server: PipetraceServer;
let bundleFile: string;

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  const sample = await logSamplePipeline(pt);
  await pt.flagRows(sample.predictions, [sample.rowKey]);
  // Rides rA and rB feed several predictions each; the four flagged ones all come from rA.
  await pt
    .startRun('score', { inputs: 'rides.csv' })
    .addOutputs('preds.csv')
    .rows(
      {
        output: 'preds.csv',
        input: 'rides.csv',
        kind: 'map',
        outputKeys: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'],
        inputKeys: ['rA', 'rA', 'rA', 'rA', 'rB', 'rB', 'rC'],
      },
      { keepKeys: true },
    )
    .end();
  await pt.flagRows('preds.csv', ['p1', 'p2', 'p3', 'p4']);
  // The split bundle the package ships (entry and chunks), as `npm run build:dashboard` makes it.
  const dir = await writeTempDir({});
  await build({ ...BUNDLE_BUILD_OPTIONS, entryPoints: ['dashboard/main.ts'], outdir: dir, logLevel: 'silent' });
  bundleFile = join(dir, 'pipetrace-dashboard.js');
  server = createServer({ store: pt.store, env: {}, routes: dashboardRoutes({ bundleFile }) });
  await server.listen(0, '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const api = '/api/v1';
/** A request's path under the API, as HOME_QUERIES names it. */
const apiPath = (url: string) => url.slice(server.url.length + api.length);
/** What home asks at the start; each must go out before any of them is answered. */
const HOME_QUERIES = [
  '/access',
  '/recent?limit=200',
  '/components',
  '/flagged',
  '/rows/flagged',
  '/monitor',
  `/latest-runs?limit=${STALE_COMPONENTS}`,
];

describe('home on call', () => {
  it('names the chunks the entry imports in the page, so they load beside it', async () => {
    const html = await (await fetch(server.url)).text();
    const chunks = staticChunks(await (await fetch(`${server.url}/dashboard/pipetrace-dashboard.js`)).text());
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect(html).toContain(`<link rel="modulepreload" href="/dashboard/${c}">`);
    for (const c of chunks) expect((await fetch(`${server.url}/dashboard/${c}`)).status).toBe(200);
  });

  it('loads at first only what asking a server needs: no analysis, no facade, no graph library', async () => {
    const built = await build({
      ...BUNDLE_BUILD_OPTIONS,
      entryPoints: ['dashboard/main.ts'],
      outdir: 'unused',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = built.metafile.outputs;
    const entry = Object.keys(outputs).find((f) => f.endsWith('pipetrace-dashboard.js')) as string;
    // The entry and the chunks it imports statically (what the page evaluates before the first view).
    const first = new Set<string>();
    for (const todo = [entry]; todo.length > 0; ) {
      const file = todo.pop() as string;
      if (first.has(file)) continue;
      first.add(file);
      for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement') todo.push(i.path);
    }
    const modules = [...first].flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
    expect(modules).toContain('dashboard/views/home.ts');
    for (const heavy of [
      'src/pipetrace.ts',
      'src/analysis/review.ts',
      'src/analysis/staleness.ts',
      'src/analysis/trace.ts',
      'src/monitor/drift.ts',
      'src/rows/review.ts',
    ])
      expect(modules, heavy).not.toContain(heavy);
    expect(modules.filter((m) => m.includes('graphology'))).toEqual([]);
  });

  it('asks every home query at once and shows what answered while the monitor is held back', async () => {
    await withChromium(async (page) => {
      const asked = new Set<string>();
      const paths: string[] = [];
      const liveAsked: boolean[] = [];
      let windowAnswered = false;
      let allAsked!: () => void;
      const together = new Promise<void>((resolve) => {
        allAsked = resolve;
      });
      let releaseMonitor!: () => void;
      const monitorHeld = new Promise<void>((resolve) => {
        releaseMonitor = resolve;
      });
      // Nothing of home's is answered until all of it has been asked: a query that waited for
      // another's answer would never go out, and the page would never fill.
      await page.route(`**${api}/**`, async (route) => {
        const path = apiPath(route.request().url());
        paths.push(path);
        // Live updates (the event stream, the newest-run poll) wait until the view is on screen.
        if (path === '/events' || path === '/recent?limit=1') liveAsked.push(windowAnswered);
        if (HOME_QUERIES.includes(path)) {
          asked.add(path);
          if (asked.size === HOME_QUERIES.length) allAsked();
          await together;
          if (path === '/monitor') await monitorHeld;
        }
        await route.continue();
        if (path === '/recent?limit=200') windowAnswered = true;
      });
      await page.goto(server.url);
      const recent = page.locator('main table').first();
      await recent.waitFor();
      expect([...asked].sort()).toEqual([...HOME_QUERIES].sort());
      // The recent runs and the other boxes are on screen while the drift box still waits.
      expect(await recent.locator('tbody tr').count()).toBe((await pt.recent(25)).length);
      await page.locator('section[data-incident="flagged"][data-count]').waitFor();
      await page.locator('section[data-incident="stale"][data-count]').waitFor();
      expect(await page.locator('section[data-incident="drifted steps"]').getAttribute('aria-busy')).toBe('true');
      expect(await page.locator('section.incidents').getAttribute('data-state')).toBe('loading');
      releaseMonitor();
      await page.locator('section.incidents[data-state="done"]').waitFor();
      // The stale runs came from one query in the first round: no history or staleness call followed.
      expect(paths.filter((p) => p.includes('/history'))).toEqual([]);
      expect(paths.filter((p) => p.startsWith('/staleness'))).toEqual([]);
      expect(paths.filter((p) => p.startsWith('/latest-runs'))).toEqual([`/latest-runs?limit=${STALE_COMPONENTS}`]);
      await expect.poll(() => liveAsked.length).toBeGreaterThan(0);
      expect(liveAsked.every((afterView) => afterView)).toBe(true);
    });
  }, 60_000);

  it("starts home's requests from the page while the bundle is still loading, and asks each once", async () => {
    expect([...homeRequestPaths()].sort()).toEqual([...HOME_QUERIES].sort());
    await withChromium(async (page, { consoleErrors }) => {
      const paths: string[] = [];
      let allAsked!: () => void;
      const together = new Promise<void>((resolve) => {
        allAsked = resolve;
      });
      await page.route(`**${api}/**`, async (route) => {
        const path = apiPath(route.request().url());
        paths.push(path);
        if (HOME_QUERIES.every((q) => paths.includes(q))) allAsked();
        await route.continue();
      });
      // The bundle is held until every home request has gone out: only the page can have asked them.
      await page.route('**/dashboard/pipetrace-dashboard.js', async (route) => {
        await together;
        await route.continue();
      });
      await page.goto(server.url);
      await page.locator('section.incidents[data-state="done"]').waitFor();
      // The app took the early answers rather than asking again.
      for (const q of HOME_QUERIES)
        expect(
          paths.filter((p) => p === q),
          q,
        ).toHaveLength(1);
      expect(await page.locator('main table tbody tr').count()).toBeGreaterThan(0);
      expect(consoleErrors).toEqual([]);
    });
  }, 60_000);

  it('starts nothing early when the tab keeps a write token, and the app asks each home query once with it', async () => {
    /** Opens the page with the bundle held; what the inline script started early, then what was asked in all. */
    const open = async (page: Page) => {
      const asked: { path: string; auth: string | undefined }[] = [];
      await page.route(`**${api}/**`, async (route) => {
        asked.push({ path: apiPath(route.request().url()), auth: route.request().headers().authorization });
        await route.continue();
      });
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route(
        (url) => url.pathname === '/dashboard/pipetrace-dashboard.js',
        async (route) => {
          await held;
          await route.continue();
        },
      );
      await page.goto(server.url, { waitUntil: 'commit' });
      // The element is parsed after the head's inline script has run; the app cannot start yet.
      await page.locator('pipetrace-dashboard').waitFor({ state: 'attached' });
      const early = await page.evaluate(() =>
        Object.keys((globalThis as { __pipetracePrefetch?: object }).__pipetracePrefetch ?? {}).map((u) =>
          u.slice('/api/v1'.length),
        ),
      );
      release();
      await page.locator('section.incidents[data-state="done"]').waitFor();
      return { early, asked };
    };
    await withChromium(async (page, { consoleErrors }) => {
      // Without a token the page starts home's requests itself.
      const plain = await open(page);
      expect([...plain.early].sort()).toEqual([...HOME_QUERIES].sort());
      // With one, the client asks with it, so the page starts none.
      const tab = await page.context().newPage();
      await tab.addInitScript((key) => sessionStorage.setItem(key, 'a-write-token-1234'), tokenKey(''));
      const withToken = await open(tab);
      expect(withToken.early).toEqual([]);
      for (const q of HOME_QUERIES) {
        const asks = withToken.asked.filter((a) => a.path === q);
        expect(asks, q).toHaveLength(1);
        expect(asks[0]?.auth, q).toBe('Bearer a-write-token-1234');
      }
      expect(consoleErrors).toEqual([]);
    });
  }, 60_000);

  it('lets a second visit take the whole bundle from the browser cache', async () => {
    const html = await (await fetch(server.url)).text();
    const src = /<script type="module" src="([^"]+)"/.exec(html)?.[1] as string;
    expect(src).toMatch(/^\/dashboard\/pipetrace-dashboard\.js\?v=[0-9a-f]{16}$/);
    const policy = async (path: string) => (await fetch(`${server.url}${path}`)).headers.get('cache-control');
    expect(await policy(src)).toContain('immutable');
    // Asked without the page's version (an embedding page, an older page), it is checked each time.
    expect(await policy('/dashboard/pipetrace-dashboard.js')).toBe('no-cache');
    expect(await policy('/dashboard/pipetrace-dashboard.js?v=0123456789abcdef')).toBe('no-cache');
    const chunks = staticChunks(await (await fetch(`${server.url}${src}`)).text());
    for (const c of chunks) expect(await policy(`/dashboard/${c}`)).toContain('immutable');
    // In Chromium: the second tab asks this server for the page and home's data, and no bundle file.
    const files: string[] = [];
    const routes = dashboardRoutes({ bundleFile }).map((r) =>
      r.path === '/dashboard/:file'
        ? {
            ...r,
            handle: (ctx: Parameters<typeof r.handle>[0]) => {
              files.push(ctx.params.file as string);
              return r.handle(ctx);
            },
          }
        : r,
    );
    const counting = createServer({ store: pt.store, env: {}, routes });
    await counting.listen(0, '127.0.0.1');
    try {
      await withChromium(async (page) => {
        await page.goto(counting.url);
        await page.locator('section.incidents[data-state="done"]').waitFor();
        expect(files.length).toBe(1 + chunks.length);
        const second = await page.context().newPage();
        await second.goto(counting.url);
        await second.locator('section.incidents[data-state="done"]').waitFor();
        expect(files.length).toBe(1 + chunks.length);
      });
    } finally {
      await counting.close();
    }
  }, 60_000);

  it('starts nothing early for a view other than home', async () => {
    await withChromium(async (page) => {
      const paths: string[] = [];
      await page.route(`**${api}/**`, async (route) => {
        paths.push(apiPath(route.request().url()));
        await route.continue();
      });
      await page.goto(`${server.url}/#/flagged`);
      await page.locator('table[aria-label="flagged rows"]').waitFor();
      expect(paths).not.toContain('/monitor');
      expect(paths).not.toContain(`/latest-runs?limit=${STALE_COMPONENTS}`);
    });
  }, 60_000);

  it('lists as stale the latest runs that a staleness call per run calls stale, linked to their traces', async () => {
    // What home showed before: the newest run of each of the first components, asked one by one.
    const expected: [string, string, string][] = [];
    let checked = 0;
    for (const c of (await pt.components()).slice(0, STALE_COMPONENTS)) {
      const [run] = (await pt.history(c.name, { limit: 1 })).runs;
      if (run === undefined) continue;
      checked++;
      const s = await pt.staleness({ run: run.id });
      if (s.stale) expected.push([run.component, `#/trace-run/${run.id}`, `${s.reasons.length} reason`]);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(expected.length);
    await withChromium(async (page, { consoleErrors }) => {
      await page.goto(server.url);
      const box = page.locator('section[data-incident="stale"]');
      await page.locator('section.incidents[data-state="done"]').waitFor();
      expect(await box.getAttribute('data-count')).toBe(String(expected.length));
      const items = box.locator('li');
      expect(await items.count()).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        const [component, href, reasons] = expected[i] as [string, string, string];
        expect(await items.nth(i).locator('a').textContent()).toBe(component);
        expect(await items.nth(i).locator('a').getAttribute('href')).toBe(href);
        expect(await items.nth(i).textContent()).toContain(reasons);
      }
      // The other incidents are there as before.
      expect(await page.locator('section[data-incident="flagged"]').getAttribute('data-count')).toBe(
        String((await pt.flagged()).length + (await pt.flaggedRowCounts()).length),
      );
      expect(consoleErrors).toEqual([]);
    });
  }, 60_000);
});

describe('upstream rows over HTTP', () => {
  it('returns the original key of an origin row where the pair kept keys', async () => {
    const res = await fetch(`${server.url}${api}/review/rows?pointers=preds.csv`);
    const review = (await res.json()) as {
      rows: { row?: { pointer: string; key?: string }; evidence: { ef: number } }[];
    };
    const top = review.rows[0];
    expect(top?.row).toMatchObject({ pointer: 'rides.csv', key: '"rA"' });
    expect(top?.evidence.ef).toBe(4);
  });

  it('shows the key in the review, linked to where the row went', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/review`);
      const table = page.locator('table[aria-label="upstream rows behind flagged rows"]');
      await table.waitFor();
      const key = table.locator('a[data-key]').first();
      expect(await key.textContent()).toBe('row "rA"');
      await key.click();
      await page.locator('section.step').first().waitFor();
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toBe(
        '#/rows?pointer=rides.csv&key="rA"&direction=forward',
      );
    });
  }, 60_000);
});
