/**
 * The IndexedDB, Dexie and memory adapters and the core API in real headless Chromium: the
 * conformance suite, the adapter specs and a pipeline run in the page (one vitest test per
 * browser test), then tabs talk to each other.
 */
import { describe, expect, it } from 'vitest';
import { runBrowserTests } from './harness.js';

const entry = new URL('./entries/stores.entry.ts', import.meta.url).pathname;
const results = await runBrowserTests(entry, { timeout: 150_000 });

describe('stores and the core API in real Chromium', () => {
  it('ran the conformance suites and specs of every adapter, and the core API', () => {
    expect(results.filter((r) => r.name.includes('indexeddb (idb)')).length).toBeGreaterThan(20);
    expect(results.filter((r) => r.name.includes('dexie (own database)')).length).toBeGreaterThan(20);
    expect(results.filter((r) => r.name.includes('dexie (inside an app database)')).length).toBeGreaterThan(10);
    expect(results.filter((r) => r.name.includes('memory (in the page)')).length).toBeGreaterThan(15);
    expect(results.filter((r) => r.name.includes('core API on the memory store')).length).toBe(1);
  });

  for (const result of results) {
    it(result.name, () => {
      if (!result.ok) throw new Error(result.error);
    });
  }
});
