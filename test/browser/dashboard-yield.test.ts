import { describe, expect, it } from 'vitest';
import { withBundlePage } from './harness.js';

const entry = new URL('./entries/yield.entry.ts', import.meta.url).pathname;

describe('nextTask (dashboard/yield.ts)', () => {
  it('lets a task queued before it run first, so work split by it never holds the page as one stretch', async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() => (globalThis as unknown as { queuedFirst: () => Promise<string[]> }).queuedFirst()),
    );
    expect(seen).toEqual(['queued task', 'after nextTask']);
  }, 60_000);

  it("runs slices queued at once in turns, with the page's other tasks between them", async () => {
    const seen = await withBundlePage(entry, (page) =>
      page.evaluate(() => (globalThis as unknown as { takeTurns: () => Promise<string[]> }).takeTurns()),
    );
    expect(seen.slice(0, 6)).toEqual(['other', 'a', 'other', 'b', 'other', 'c']);
  }, 60_000);
});
