import { describe, expect, it } from 'vitest';
import { withBundlePage } from './harness.js';

const entry = new URL('./entries/first-view.entry.ts', import.meta.url).pathname;

describe('the dashboard start (dashboard/app.ts)', () => {
  it('starts the first view one task after the element, so the two starts are separate tasks', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (globalThis as unknown as { firstView: () => Promise<{ inStart: string[]; later: string[] }> }).firstView(),
      ),
    );
    expect(seen.inStart).toEqual([]);
    expect(seen.later).toContain('recent');
  }, 60_000);

  it('sends only the query of a view opened before the first one started', async () => {
    const calls = await withBundlePage(entry, (page) =>
      page.evaluate(() => (globalThis as unknown as { openedFirst: () => Promise<string[]> }).openedFirst()),
    );
    expect(calls).toEqual(['trace']);
  }, 60_000);

  it('asks what the source allows right after the start, not inside it', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (
          globalThis as unknown as { accessAsked: () => Promise<{ inStart: string[]; afterStart: string[] }> }
        ).accessAsked(),
      ),
    );
    // Under DevTools a request records its caller's stack: from inside the element's start that
    // stack reaches the bundle's top level, whose source positions cost a reparse of the whole bundle.
    expect(seen.inStart).toEqual([]);
    expect(seen.afterStart).toContain('access');
  }, 60_000);

  it('builds the header, with its form controls, in the task that puts the shell on the page, not inside the start', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (globalThis as unknown as { madeInStart: () => Promise<{ inStart: string[]; later: string[] }> }).madeInStart(),
      ),
    );
    expect(seen.inStart).not.toContain('input');
    expect(seen.inStart).not.toContain('header');
    expect(seen.later).toContain('input');
    expect(seen.later).toContain('header');
  }, 60_000);

  it('draws the header in two frames: title, views and live mark first, the command bar a frame later', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (globalThis as unknown as { headerInTwo: () => Promise<{ first: string[]; later: string[] }> }).headerInTwo(),
      ),
    );
    expect(seen.first).toEqual(['h1', 'nav', 'span']);
    expect(seen.later).toEqual(['h1', 'nav', 'form', 'span', 'span']);
  }, 60_000);

  it("reads the tab's kept token when the first request needs it, not inside the element's start", async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (
          globalThis as unknown as {
            tokenRead: () => Promise<{ inStart: number; later: number; authorization: string | null }>;
          }
        ).tokenRead(),
      ),
    );
    expect(seen.inStart).toBe(0);
    expect(seen.later).toBe(1);
    expect(seen.authorization).toBe('Bearer kept-token');
  }, 60_000);

  it('starts the live watch a task after the first view is on screen, not in the task that shows it', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() =>
        (
          globalThis as unknown as {
            liveAfterView: () => Promise<{ whenShown: string[]; nextTask: string[]; later: string[] }>;
          }
        ).liveAfterView(),
      ),
    );
    expect(seen.whenShown).toEqual([]);
    // A message posted when the view landed ran before the watch's first look (recent), which follows.
    expect(seen.nextTask).toEqual([]);
    expect(seen.later).toEqual(['recent']);
  }, 60_000);
});
