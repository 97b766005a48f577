/**
 * The analyst in real headless Chromium: the bundled browser worker (worker/browser.ts) gives
 * the same results as in-thread on a memory store (snapshot) and on IndexedDB (reopened by
 * name), survives crashes and aborts, and keeps the main thread free during a large review.
 */
import { rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalystPage } from './analyst-page.js';
import { bundle, serveStatic, TEST_PAGE, withChromium, writeTempDir } from './harness.js';

type Results = Awaited<ReturnType<AnalystPage['memory']>>;
type Outcomes = { [K in keyof AnalystPage]?: Awaited<ReturnType<AnalystPage[K]>> | { failed: string } };
const outcomes: Outcomes = {};

/** Each scenario and its arguments, run one after another in one page of one Chromium. */
const SCENARIOS: [keyof AnalystPage, unknown[]][] = [
  ['memory', [30]],
  ['indexeddb', [20]],
  ['ownWorker', []],
  ['crash', []],
  ['abort', []],
  ['longTasks', [1500]],
];

beforeAll(async () => {
  const here = (p: string) => new URL(p, import.meta.url).pathname;
  const [page, worker, own] = await Promise.all([
    bundle(here('./analyst-page.ts')),
    bundle(here('../../worker/browser.ts')),
    bundle(here('./analyst-own-worker.ts')),
  ]);
  const dir = await writeTempDir({
    'index.html': TEST_PAGE,
    'bundle.js': page,
    'worker.js': worker,
    'own-worker.js': own,
  });
  const server = await serveStatic(dir);
  try {
    await withChromium(async (page: Page, { consoleErrors }) => {
      await page.goto(server.url);
      await page.waitForFunction(() => 'analystPage' in globalThis, undefined, { timeout: 30_000 });
      for (const [name, args] of SCENARIOS) {
        try {
          (outcomes as Record<string, unknown>)[name] = await page.evaluate(
            ([n, a]) =>
              (globalThis as unknown as { analystPage: Record<string, (...x: unknown[]) => unknown> }).analystPage[n]?.(
                ...a,
              ),
            [name, args] as const,
          );
        } catch (error) {
          outcomes[name] = { failed: `${(error as Error).message}\n--- page errors ---\n${consoleErrors.join('\n')}` };
        }
      }
    });
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}, 150_000);

/** The outcome of a scenario, or the page's error as a test failure. */
function outcomeOf<K extends keyof AnalystPage>(name: K): Awaited<ReturnType<AnalystPage[K]>> {
  const value = outcomes[name];
  if (value === undefined) throw new Error(`scenario ${name} did not run`);
  if (typeof value === 'object' && value !== null && 'failed' in value) throw new Error(value.failed);
  return value as Awaited<ReturnType<AnalystPage[K]>>;
}

function expectSame(results: Results['results']) {
  expect(Object.keys(results)).toHaveLength(7);
  for (const [name, { worker, local }] of Object.entries(results)) expect(worker, name).toEqual(local);
  expect((results.trace as { local: { nodes: unknown[] } }).local.nodes.length).toBeGreaterThan(50);
  expect((results.reviewRows as { local: { F: number } }).local.F).toBe(3);
}

describe('the analyst in real Chromium', () => {
  it('gives the same results in a Web Worker as in-thread on a memory store, sent as a snapshot', async () => {
    const { source, results } = outcomeOf('memory');
    expect(source).toBe('snapshot');
    expectSame(results);
  });

  it('gives the same results when the worker reopens an IndexedDB store by name', async () => {
    const { source, results } = outcomeOf('indexeddb');
    expect(source).toMatch(/^indexeddb:analyst-/);
    expectSame(results);
  });

  it('works with a user-written worker file that imports the entry and calls exposeAnalyst', () => {
    const { worker, local } = outcomeOf('ownWorker');
    expect(worker).toEqual(local);
    expect(local.nodes.length).toBeGreaterThan(20);
  });

  it('fails a call with unavailable when the worker throws an uncaught error, then starts a new worker', async () => {
    const outcome = outcomeOf('crash');
    expect(outcome.code).toBe('unavailable');
    expect(outcome.message).toMatch(/worker died/);
    expect(outcome.recoveredRoot).toBe('infer-299');
    expect(outcome.workersStarted).toBe(1);
  });

  it('rejects an aborted review with aborted and answers the next call', async () => {
    const outcome = outcomeOf('abort');
    expect(outcome).toEqual({ code: 'aborted', flagged: 121 });
  });

  it('keeps the main thread free of long tasks during a large review in the worker', async () => {
    const outcome = outcomeOf('longTasks');
    expect(outcome.same).toBe(true);
    // The same review in-thread blocks the main thread: the observer does see long tasks.
    expect(outcome.inThread.longTasks).toBeGreaterThan(0);
    // In the worker the review never holds the main thread: any long task there (a busy shared
    // machine stretches a message or a GC pause past 50 ms) stays a small fraction of the
    // in-thread review's, measured in the same page moments apart.
    const blocked = outcome.inThread.longestTask;
    expect(outcome.worker.longestTask).toBeLessThan(blocked / 4);
    expect(outcome.coldWorker.longestTask).toBeLessThan(blocked / 4);
  });
});
