/**
 * Two real Chromium tabs of the same origin: live updates cross from one to the other, and a
 * tab that upgrades the database is not blocked by a tab holding a pipetrace store open.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, StoreChange } from '../../src/store.js';
import type { sampleRun } from '../../src/testing.js';
import { type BundlePage, startBundlePage } from './harness.js';

const entry = new URL('./entries/stores.entry.ts', import.meta.url).pathname;

type Kind = 'indexedDbStore' | 'dexieStore';

/** What stores.entry.ts puts on the page, plus what these tests keep there. */
interface PageGlobals {
  pt: Record<Kind, (options: { name: string }) => Store> & { sampleRun: typeof sampleRun };
  heard: StoreChange[];
  held: Store;
}

let session: BundlePage;
let second: Page;

beforeAll(async () => {
  session = await startBundlePage(entry);
  second = await session.context.newPage();
  await second.goto(session.url);
}, 60_000);

afterAll(async () => {
  await session?.close();
});

describe('pipetrace stores across two Chromium tabs', () => {
  for (const kind of ['indexedDbStore', 'dexieStore'] as const) {
    it(`a tab hears about runs another tab committed (${kind})`, async () => {
      const name = `tabs-live-${kind}`;
      await session.page.evaluate(
        async ({ kind, name }) => {
          const g = globalThis as unknown as PageGlobals;
          g.held = g.pt[kind]({ name });
          await g.held.getRuns(['warm-up']);
          g.heard = [];
          g.held.subscribe?.((change) => g.heard.push(change));
        },
        { kind, name },
      );
      await second.evaluate(
        async ({ kind, name }) => {
          const g = globalThis as unknown as PageGlobals;
          const store = g.pt[kind]({ name });
          await store.putRuns([g.pt.sampleRun({ id: `from-second-${kind}` })]);
          await store.close();
        },
        { kind, name },
      );
      await session.page.waitForFunction(() => (globalThis as unknown as PageGlobals).heard.length > 0, undefined, {
        timeout: 10_000,
      });
      const heard = await session.page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        await g.held.close();
        return g.heard;
      });
      expect(heard).toEqual([{ kind: 'runs', ids: [`from-second-${kind}`] }]);
    }, 30_000);
  }

  it('a tab upgrading the database is not blocked by a tab with an open store, which then reports it', async () => {
    await session.page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      g.held = g.pt.indexedDbStore({ name: 'tabs-upgrade' });
      await g.held.putRuns([g.pt.sampleRun({ id: 'kept' })]);
    });
    const version = await second.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const request = indexedDB.open('tabs-upgrade', 99);
          request.onsuccess = () => {
            request.result.close();
            resolve(request.result.version);
          };
          request.onerror = () => reject(request.error);
          request.onblocked = () => reject(new Error('blocked by the first tab'));
        }),
    );
    expect(version).toBe(99);
    const error = await session.page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      try {
        await g.held.getRuns(['kept']);
        return undefined;
      } catch (e) {
        return { code: (e as { code: string }).code, message: (e as Error).message };
      } finally {
        await g.held.close();
      }
    });
    expect(error?.code).toBe('unavailable');
    expect(error?.message).toContain('newer');
  }, 30_000);
});
