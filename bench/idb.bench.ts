/**
 * IndexedDB write throughput in real headless Chromium (never fake-indexeddb, which is 3 to 15
 * times faster and hides transaction costs). The same 20,000 runs go, in batches of 1,000,
 * through indexedDbStore, dexieStore and the raw IndexedDB API with the same records and
 * indexes (one transaction per batch). The three take turns batch by batch, so noise from a
 * busy machine hits all of them alike.
 *
 * *_vs_raw: how many times longer the adapter takes than raw IndexedDB (target: at most 1.5).
 */
import { startBundlePage } from '../test/browser/harness.js';
import { report, round } from './lib.js';

const TOTAL = 20_000;
const BATCH = 1_000;

type Rates = { raw: number; idb: number; dexie: number };
type BenchPage = { bench: { measure(total: number, batch: number): Promise<Rates> } };

const entry = new URL('../test/browser/entries/idb-bench.entry.ts', import.meta.url).pathname;
const session = await startBundlePage(entry);
try {
  const { page } = session;
  await page.waitForFunction(() => 'bench' in globalThis);
  const measure = (total: number) =>
    page.evaluate(([t, b]) => (globalThis as unknown as BenchPage).bench.measure(t, b), [total, BATCH] as const);
  await measure(BATCH * 3); // warm-up: JIT and the IndexedDB backend
  const rates = await measure(TOTAL);
  report({
    idb_chromium_put_runs_per_s: Math.round(rates.idb),
    dexie_chromium_put_runs_per_s: Math.round(rates.dexie),
    idb_raw_put_runs_per_s: Math.round(rates.raw),
    idb_vs_raw: round(rates.raw / rates.idb, 2),
    dexie_vs_raw: round(rates.raw / rates.dexie, 2),
  });
} finally {
  await session.close();
}
