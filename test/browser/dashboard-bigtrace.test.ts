import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { fontWarmScript, warmFonts } from '../../dashboard/font-warm.js';
import { FIRST_POINTERS } from '../../dashboard/views/run-card.js';
import { FIRST_DEPTH, GROUP_ABOVE } from '../../dashboard/views/trace.js';
import { BIG_GRAPH } from '../../dashboard/views/trace-graph.js';
import { FIRST_COLUMNS, MAX_COLUMNS } from '../../dashboard/views/trace-overview.js';
import { createPipetrace } from '../../src/index.js';
import { TRACE_PAGE_MAX } from '../../src/queries.js';
import { axeViolations, describeViolations } from './axe.js';
import { serveDashboard } from './dashboard-server.js';
import { withChromium } from './harness.js';

let server: PipetraceServer;
/** A Chromium trace event, as much of it as the tests read. */
interface TraceEvent {
  name: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { src_func?: string };
}
/** Chromium's trace names for a font face lookup and a font size (render style) lookup on Linux. */
const FONT_LOOKUPS = ['FontDataManager::onMatchFamilyStyle', 'WebSandboxSupportLinux::GetWebFontRenderStyleForStrike'];
const CHAIN = 40;
const WIDE = 200;
/** A chain longer than one page of the server's trace answers. */
const LONG = TRACE_PAGE_MAX + 120;

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
  const long = [];
  for (let i = 0; i < LONG; i++)
    long.push({
      component: `link${i % 4}`,
      startedAt: t0 + 2 * 86_400_000 + i,
      endedAt: t0 + 2 * 86_400_000 + i + 1,
      inputs: i === 0 ? [] : [`long/${i - 1}`],
      outputs: [`long/${i}`],
    });
  await pt.logRuns(long);
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
      // The count of the whole trace comes from the server, beside "show more".
      await expect.poll(() => note.locator('[data-total]').textContent()).toBe(` The whole trace has ${CHAIN} runs.`);
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
      const groups = page.locator('.overview .group');
      expect(await groups.count()).toBe(3);
      expect(await page.locator('.overview .group[data-component="load-a"]').getAttribute('data-count')).toBe(
        String(WIDE / 2),
      );
      expect(await page.locator('.group[data-component="load-a"] > .head').textContent()).toMatch(/load-a × 100/);
      // Runs are built only when a group opens; a click on one opens its card.
      expect(await page.locator('.overview .group[data-component="load-a"] button[data-run]').count()).toBe(0);
      await page.locator('.group[data-component="load-a"] > .head').click();
      await expect
        .poll(() => page.locator('.overview .group[data-component="load-a"] button[data-run]').count())
        .toBe(100);
      await page.locator('.overview .group[data-component="load-a"] button[data-run]').first().click();
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('load-a run');
      // A group's head is a disclosure button: it says whether it is open, and the keyboard works it.
      const head = page.locator('.group[data-component="load-a"] > .head');
      expect(await head.getAttribute('role')).toBe('button');
      expect(await head.getAttribute('aria-expanded')).toBe('true');
      await head.focus();
      await page.keyboard.press('Enter');
      expect(await head.getAttribute('aria-expanded')).toBe('false');
      expect(await page.locator('.group[data-component="load-a"] button[data-run]').first().isVisible()).toBe(false);
      await page.keyboard.press(' ');
      expect(await head.getAttribute('aria-expanded')).toBe('true');
      expect(await page.locator('.group[data-component="load-a"] button[data-run]').count()).toBe(100);
      // The overview, a group open, passes axe (a11y.test.ts sees only small traces).
      expect(describeViolations(await axeViolations(page))).toBe('');
      await page.locator('input[name="find"]').fill('load-b');
      expect(await page.locator('.overview .group[data-hit]').getAttribute('data-component')).toBe('load-b');
    });
  }, 60_000);

  it("reads a grouped trace as its runs' heads; a card asks for its whole run, the export for the whole trace", async () => {
    await withChromium(async (page) => {
      const answer = page.waitForResponse((r) => r.url().includes('/api/v1/trace?') && !r.url().includes('total='));
      await page.goto(`${server.url}/#/trace/merged`);
      const first = await answer;
      expect(new URL(first.url()).searchParams.get('headsAbove')).toBe(String(GROUP_ABOVE));
      const body = (await first.json()) as { heads?: boolean; nodes: { run: object }[] };
      expect(body.heads).toBe(true);
      expect(Object.keys(body.nodes[0]?.run ?? {}).sort()).toEqual(['component', 'id', 'startedAt', 'status']);
      expect(await page.locator('main p.muted').first().textContent()).toContain(
        `${WIDE + 1} runs, ${WIDE} dependencies`,
      );
      // The root's card is the whole run, asked for by id.
      const card = page.locator('section[data-card]');
      await card.locator('h3', { hasText: `Inputs (${WIDE})` }).waitFor();
      // A run opened from a group: its outputs come with it.
      await page.locator('.group[data-component="load-b"] > .head').click();
      await page.locator('.overview .group[data-component="load-b"] button[data-run]').first().click();
      await expect.poll(() => card.locator('h3').first().textContent()).toBe('load-b run');
      await expect
        .poll(() => card.locator('ul.pointers[aria-label="outputs"] .mono').first().textContent())
        .toMatch(/^parts\/\d+$/);
      // The export lists every run and every edge.
      await page.locator('summary', { hasText: 'Export as Mermaid or DOT' }).click();
      await page.getByRole('button', { name: 'Mermaid' }).click();
      const text = page.locator('textarea[aria-label="exported text"]');
      await expect.poll(async () => ((await text.inputValue()).match(/-->/g) ?? []).length).toBe(WIDE);
    });
  }, 60_000);

  it('warms, in the served page, every font the view it opens on draws: home, a grouped trace and its card, a graph', async () => {
    expect(await (await fetch(`${server.url}/`)).text()).toContain(fontWarmScript());
    await withChromium(async (page) => {
      const drawn = () =>
        page.evaluate(() => {
          const root = document.querySelector('pipetrace-dashboard')?.shadowRoot as ShadowRoot;
          const text = [...root.querySelectorAll('*')].filter(
            (e) => e.checkVisibility() && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent?.trim()),
          );
          return [
            ...new Set(
              text.map((e) => {
                const s = getComputedStyle(e);
                return `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
              }),
            ),
          ];
        });
      // A face is looked up by the first family of its list that the machine has: the graph's SVG
      // names a shorter list than the page's, starting with the same `system-ui`.
      const face = (font: string) => font.split(',')[0] as string;
      const views: [string, string][] = [
        ['#/trace/merged?depth=all', 'section[data-card] dd.mono'],
        [`#/trace/${encodeURIComponent(`chain/${CHAIN - 1}`)}`, 'section[data-card] dd.mono'],
        ['#/', 'main table'],
      ];
      for (const [hash, ready] of views) {
        await page.goto(`${server.url}/${hash}`);
        await page.locator(ready).first().waitFor();
        const fonts = await drawn();
        const warm = new Set(warmFonts(hash).map(face));
        expect({ hash, unwarmed: fonts.filter((f) => !warm.has(face(f))) }).toEqual({ hash, unwarmed: [] });
        expect(fonts.length).toBeGreaterThanOrEqual(5);
      }
    });
  }, 60_000);

  it("looks up each font of a whole trace's page, and of a graph's, in a warm-up task of its own, none in a frame", async () => {
    await withChromium(async (page) => {
      const browser = page.context().browser();
      if (browser === null) throw new Error('no browser to trace');
      for (const hash of ['#/trace/merged?depth=all', `#/trace/${encodeURIComponent(`chain/${CHAIN - 1}`)}`]) {
        // A context of its own: a renderer process that has looked up no font yet, as a new tab's.
        const context = await browser.newContext();
        const tab = await context.newPage();
        await browser.startTracing(tab, { categories: ['toplevel', 'fonts'] });
        await tab.goto(`${server.url}/${hash}`);
        await tab.locator('section[data-card] dd.mono').first().waitFor();
        const trace = await browser.stopTracing();
        await context.close();
        const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
        // A face or size lookup is a blocking call to the browser; each is counted with the task it ran in.
        const tasks = events.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
        const taskOf = (e: TraceEvent) =>
          tasks.find((t) => t.pid === e.pid && t.tid === e.tid && t.ts <= e.ts && e.ts <= t.ts + (t.dur ?? 0))?.args
            ?.src_func;
        const where = events.filter((e) => FONT_LOOKUPS.includes(e.name)).map(taskOf);
        expect(where.length).toBeGreaterThanOrEqual(5);
        // DOMTimer: the served page's warm-up, one font per timer task; never a frame's update.
        expect({ hash, where: where.filter((w) => w !== 'DOMTimer') }).toEqual({ hash, where: [] });
      }
    });
  }, 60_000);

  it('draws the overview in one layout pass, in fonts the page and the shell have already drawn', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      await page.locator('.graph[data-grouped] .overview .group').first().waitFor();
      const { body, host, shell, view, skipped } = await page.evaluate(() => {
        const el = document.querySelector('pipetrace-dashboard') as HTMLElement;
        const root = el.shadowRoot as ShadowRoot;
        const font = (e: Element) => {
          const s = getComputedStyle(e);
          return `${s.fontSize} ${s.fontWeight} ${s.fontFamily}`;
        };
        // The font of every shown element that draws text of its own.
        const fonts = (scope: Element) => [
          ...new Set(
            [...scope.querySelectorAll('*')]
              .filter((e) => e.checkVisibility() && !e.closest('.side'))
              .filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent?.trim()))
              .map(font),
          ),
        ];
        const overview = root.querySelector('.overview') as Element;
        return {
          body: font(document.body),
          host: font(el),
          shell: fonts(root.querySelector('header') as Element),
          view: fonts(root.querySelector('main') as Element),
          // content-visibility: auto lays out the columns on screen in a second pass of the same frame.
          skipped: [...overview.querySelectorAll('.level')].filter(
            (e) => getComputedStyle(e).getPropertyValue('content-visibility') !== 'visible',
          ).length,
        };
      });
      // The page's body and the element's shadow root draw in one face (the warm-up's first).
      expect(body).toBe(host);
      expect(view.length).toBeGreaterThanOrEqual(3);
      // A face or size the shell has not drawn is a font lookup (a call to the browser) in the view's frame.
      expect(view.filter((f) => !shell.includes(f))).toEqual([]);
      expect(skipped).toBe(0);
    });
  }, 60_000);

  it('draws the run card and the runs of a group in the generic monospace face, with no named face to look up first', async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      await page.locator('section[data-card] dd.mono').first().waitFor();
      await page.locator('.group[data-component="load-a"] > .head').click();
      await page.locator('.overview .group[data-component="load-a"] button[data-run]').first().waitFor();
      const families = await page.evaluate(() => {
        const root = document.querySelector('pipetrace-dashboard')?.shadowRoot as ShadowRoot;
        const all = [...root.querySelectorAll('main *')].map((e) => getComputedStyle(e).fontFamily);
        return [...new Set(all.filter((f) => f.includes('mono')))];
      });
      // A face the machine lacks (ui-monospace, Menlo, Consolas on Linux) is a blocking call to the browser each.
      expect(families).toEqual(['monospace']);
    });
  }, 60_000);

  it(`lists the first ${FIRST_POINTERS} inputs of a run that read ${WIDE}, and all of them on request, by keyboard`, async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      // The card comes in two frames: its head first, its lists a frame later.
      const firstFrame = await page.evaluate(
        () =>
          new Promise<{ head: number; lists: number }>((resolve) => {
            const root = document.querySelector('pipetrace-dashboard')?.shadowRoot as ShadowRoot;
            const look = () => {
              const card = root.querySelector('section[data-card]');
              if (card === null) return requestAnimationFrame(look);
              resolve({
                head: card.querySelectorAll('dl.card').length,
                lists: card.querySelectorAll('ul.pointers').length,
              });
            };
            look();
          }),
      );
      expect(firstFrame).toEqual({ head: 1, lists: 0 });
      const card = page.locator('section[data-card]');
      await card.locator('h3', { hasText: 'merge run' }).waitFor();
      await card.locator('ul.pointers[aria-label="inputs"]').waitFor();
      const inputs = card.locator('ul.pointers[aria-label="inputs"] > li');
      expect(await inputs.count()).toBe(FIRST_POINTERS);
      expect(await card.locator('h3', { hasText: 'Inputs' }).textContent()).toBe(`Inputs (${WIDE})`);
      expect(await inputs.first().locator('.mono').textContent()).toBe('parts/0');
      const showAll = card.getByRole('button', { name: `Show all ${WIDE} inputs` });
      await showAll.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => inputs.count()).toBe(WIDE);
      // Every input once, in order; the button is gone and focus is on the first input it added.
      expect(await inputs.locator('.mono').allTextContents()).toEqual(
        Array.from({ length: WIDE }, (_, i) => `parts/${i}`),
      );
      expect(await showAll.count()).toBe(0);
      expect(
        await page.evaluate(
          () =>
            document.querySelector('pipetrace-dashboard')?.shadowRoot?.activeElement?.getAttribute('aria-label') ?? '',
        ),
      ).toBe(`trace parts/${FIRST_POINTERS}`);
      // A short list (the one output) has no button.
      expect(await card.locator('ul.pointers[aria-label="outputs"] > li').count()).toBe(1);
      expect(await card.locator('button[data-show-all]').count()).toBe(0);
    });
  }, 60_000);

  it(`lays out a trace of more than ${BIG_GRAPH} runs in a worker and draws it with zoom, pan and a minimap`, async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      await page.locator('.graph[data-grouped] .overview').waitFor();
      await page.locator('a', { hasText: 'Draw as a graph' }).click();
      await page.locator('.graph[data-drawn="true"]').waitFor();
      expect(decodeURIComponent(await page.evaluate(() => location.hash))).toContain('as=graph');
      expect(await page.locator('.graph').getAttribute('data-layout')).toBe('worker');
      // Only the part near the view is drawn at first; fitting the picture to the panel draws the rest.
      const drawnRuns = await page.locator('svg g[data-run]').count();
      expect(drawnRuns).toBeGreaterThan(0);
      expect(drawnRuns).toBeLessThan(WIDE + 1);
      // The root is in view first (it is on the right).
      const root = page.locator('svg g[data-run]').first();
      expect(await root.getAttribute('aria-label')).toMatch(/^merge /);
      expect(await root.isVisible()).toBe(true);
      const graph = page.locator('.graph');
      const inView = async (el: typeof root) => {
        const [a, b] = [await el.boundingBox(), await graph.boundingBox()];
        return (
          a !== null &&
          b !== null &&
          a.x >= b.x - 1 &&
          a.x + a.width <= b.x + b.width + 1 &&
          a.y >= b.y - 1 &&
          a.y + a.height <= b.y + b.height + 1
        );
      };
      expect(await inView(root)).toBe(true);
      // Search finds runs not drawn yet, and brings the first into view, highlighted.
      await page.locator('input[name="find"]').fill('load-b');
      await expect
        .poll(() => page.locator('main [aria-live="polite"]', { hasText: 'found' }).textContent())
        .toBe(`${WIDE / 2} found`);
      const hitsInView = () =>
        page.evaluate(() => {
          const root = document.querySelector('pipetrace-dashboard')?.shadowRoot;
          const box = root?.querySelector('.graph')?.getBoundingClientRect();
          return [...(root?.querySelectorAll('svg g[data-hit]') ?? [])].filter((g) => {
            const r = g.getBoundingClientRect();
            return (
              box !== undefined &&
              r.top >= box.top &&
              r.bottom <= box.bottom &&
              r.left >= box.left &&
              r.right <= box.right
            );
          }).length;
        });
      await expect.poll(hitsInView).toBeGreaterThan(0);
      await page.locator('input[name="find"]').fill('');
      // Zoom by button and by key; fitting draws the whole picture.
      const width = async () => Number(await page.locator('.graph svg').getAttribute('width'));
      const natural = await width();
      await page.getByRole('button', { name: 'zoom out' }).click();
      expect(await width()).toBeLessThan(natural);
      expect(await page.locator('.toolbar.zoom [aria-live]').textContent()).toBe('70%');
      await graph.focus();
      await page.keyboard.press('+');
      expect(await width()).toBe(natural);
      await page.keyboard.press('0');
      expect(await width()).toBeLessThan(natural);
      await expect.poll(() => page.locator('svg g[data-run]').count()).toBe(WIDE + 1);
      await expect.poll(() => page.locator('svg g[data-layer="edges"] path').count()).toBe(WIDE);
      // Zoomed far out, the names are not drawn.
      expect(await graph.getAttribute('data-far')).toBe('');
      // At full size the minimap shows (the picture is bigger than the panel); the arrow keys pan.
      await page.getByRole('button', { name: '1:1, actual size' }).click();
      expect(await page.locator('canvas.minimap').isHidden()).toBe(false);
      await graph.focus();
      const top = await graph.evaluate((el) => el.scrollTop);
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => graph.evaluate((el) => el.scrollTop)).toBeGreaterThan(top);
      // A run opens its card by keyboard and becomes the selected one, in place.
      const load = page.locator('svg g[data-run][aria-label^="load-a"]').first();
      await load.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('section[data-card] h3').first().textContent()).toBe('load-a run');
      expect(await page.locator('svg g[data-selected]').getAttribute('data-run')).toBe(
        await load.getAttribute('data-run'),
      );
      expect(await page.locator('svg g[data-selected]').count()).toBe(1);
    });
  }, 60_000);

  it(`draws an overview's first ${FIRST_COLUMNS} columns first, and a search finds groups in the columns not yet drawn`, async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/merged`);
      await page.locator('.graph[data-grouped] .overview').waitFor();
      // Watch from inside the page, so the look happens in the very task that puts the overview on screen.
      const watched = page.evaluate(
        () =>
          new Promise<{ first: number; hits: number; afterSearch: number }>((resolve) => {
            const root = document.querySelector('pipetrace-dashboard')?.shadowRoot as ShadowRoot;
            const before = root.querySelector('.overview');
            const observer = new MutationObserver(() => {
              const overview = root.querySelector('.overview');
              if (overview === null || overview === before) return;
              observer.disconnect();
              const first = overview.querySelectorAll('section.level').length;
              const find = root.querySelector('input[name="find"]') as HTMLInputElement;
              find.value = 'link1';
              find.dispatchEvent(new Event('input'));
              resolve({
                first,
                hits: overview.querySelectorAll('.group[data-hit]').length,
                afterSearch: overview.querySelectorAll('section.level').length,
              });
            });
            observer.observe(root, { childList: true, subtree: true });
          }),
      );
      await page.evaluate(
        (hash) => {
          location.hash = hash;
        },
        `#/trace/${encodeURIComponent(`long/${LONG - 1}`)}?depth=all`,
      );
      const seen = await watched;
      expect(seen.first).toBe(FIRST_COLUMNS);
      // Every band holds a link1 group: the search built the other columns first.
      expect(seen.afterSearch).toBe(MAX_COLUMNS);
      expect(seen.hits).toBe(MAX_COLUMNS);
      // Without a search, the other columns follow a few per frame; a group in the last one opens.
      await page.locator('input[name="find"]').fill('');
      await page.reload();
      const last = page.locator('.overview section.level').nth(MAX_COLUMNS - 1);
      await last.locator('.group > .head').first().click();
      await expect.poll(() => last.locator('.group button[data-run]').count()).toBeGreaterThan(0);
    });
  }, 60_000);

  it(`pages a trace of more than ${TRACE_PAGE_MAX} runs: the first page, the total, then the next page`, async () => {
    await withChromium(async (page) => {
      await page.goto(`${server.url}/#/trace/${encodeURIComponent(`long/${LONG - 1}`)}?depth=all`);
      await page.locator('.graph[data-grouped] .overview').waitFor();
      const count = () =>
        page.evaluate(() =>
          [
            ...(document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelectorAll('.overview .group') ?? []),
          ].reduce((n, d) => n + Number(d.getAttribute('data-count')), 0),
        );
      // The columns past the first screen come a few per frame.
      await expect.poll(count).toBe(TRACE_PAGE_MAX);
      // A chain's 2,000 levels fold into bands of levels, not 2,000 columns.
      const columns = page.locator('.overview section.level');
      expect(await columns.count()).toBe(MAX_COLUMNS);
      expect(await columns.first().locator('h3').textContent()).toBe(`1950–1999 up`);
      expect(await columns.last().locator('h3').textContent()).toBe('root–49 up');
      const note = page.locator('p[data-paged]');
      await expect.poll(() => note.locator('[data-total]').textContent()).toBe(` The whole trace has ${LONG} runs.`);
      expect(await note.textContent()).toContain(`Showing ${TRACE_PAGE_MAX} runs`);
      await note.getByRole('button', { name: /Load the next/ }).click();
      await expect.poll(count).toBe(LONG);
      expect(await columns.count()).toBeLessThanOrEqual(MAX_COLUMNS);
      expect(await note.textContent()).toContain(`Showing ${LONG} runs`);
      expect(await note.getByRole('button').isHidden()).toBe(true);
    });
  }, 60_000);
});
