import { rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Store } from '../src/store.js';
import {
  launchChromium,
  type RunningChromium,
  type StaticServer,
  serveStatic,
  TEST_PAGE,
  writeTempDir,
} from './browser/harness.js';

// The page: the HTTP client as a browser gets it, exposed for the test to drive.
const ENTRY = `
import { httpStore } from './adapters/http/client.ts';
window.roundTrip = async (url, token) => {
  const store = httpStore({ url, token, retries: 0 });
  const run = { id: 'browser-run-1', component: 'dashboard', startedAt: 1000, endedAt: 2000, status: 'succeeded',
    inputs: ['in.csv'], outputs: ['out.csv'], dependencies: [], notes: [], params: { k: [1, 'x'] }, metrics: { m: 0.5 } };
  await store.putRuns([run]);
  await store.putBlobs([{ key: 'rows/../b', data: new Uint8Array([0, 7, 255]) }]);
  const [got] = await store.getRuns([run.id]);
  const [blob] = await store.getBlobs(['rows/../b']);
  const writers = await store.latestWriters([{ pointer: 'out.csv' }]);
  await store.close();
  return { got, blob: Array.from(blob), writer: writers[0].id };
};
window.tryRead = async (url) => {
  const store = httpStore({ url, retries: 0 });
  try { await store.scanComponents(); return 'read'; } catch (e) { return e.code; }
};
`;

let page: StaticServer;
let dir: string;
let chromium: RunningChromium;
let allowed: PipetraceServer;
let closedToPages: PipetraceServer;
let backing: Store;
const TOKEN = 'browser-test-token-1';

beforeAll(async () => {
  const bundled = await build({
    stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'http-browser.entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  dir = await writeTempDir({ 'index.html': TEST_PAGE, 'bundle.js': bundled.outputFiles[0]?.text ?? '' });
  page = await serveStatic(dir);
  const origin = page.url.replace(/\/$/, '');
  backing = memoryStore();
  allowed = createServer({ store: backing, token: TOKEN, cors: [origin], env: {} });
  closedToPages = createServer({ store: memoryStore(), token: TOKEN, env: {} });
  await allowed.listen(0, '127.0.0.1');
  await closedToPages.listen(0, '127.0.0.1');
  chromium = await launchChromium();
  await chromium.page.goto(page.url);
  await chromium.page.waitForFunction(() => 'roundTrip' in window);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await allowed?.close();
  await closedToPages?.close();
  await page?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('http client in Chromium', () => {
  it('writes and reads runs and binary blobs cross-origin through an allowed CORS origin', async () => {
    const out = await chromium.page.evaluate(
      ([url, token]) =>
        (window as never as { roundTrip: (u: string, t: string) => Promise<unknown> }).roundTrip(url, token),
      [allowed.url, TOKEN] as const,
    );
    expect(out).toMatchObject({
      got: { id: 'browser-run-1', params: { k: [1, 'x'] } },
      blob: [0, 7, 255],
      writer: 'browser-run-1',
    });
    expect((await backing.getRuns(['browser-run-1']))[0]?.component).toBe('dashboard');
    expect(chromium.consoleErrors.filter((e) => !e.includes('CORS'))).toEqual([]);
  });

  it('cannot read from a server that does not allow the page origin', async () => {
    const code = await chromium.page.evaluate(
      (url) => (window as never as { tryRead: (u: string) => Promise<string> }).tryRead(url),
      closedToPages.url,
    );
    expect(code).toBe('unavailable');
    // The same read from Node, where CORS does not apply, works: it was the origin that was refused.
    expect((await fetch(`${closedToPages.url}/api/v1/store/components`)).status).toBe(200);
  });
});
