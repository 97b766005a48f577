/**
 * The real-Chromium test harness. Node side only: it bundles a browser entry with esbuild,
 * serves it on loopback with node:http, drives a real Chromium (findChromium) with playwright-core
 * and brings results back to Node.
 *
 *   const results = await runBrowserTests('test/browser/entries/my.entry.ts');
 *   await withChromium(async (page) => { await page.goto(server.url); ... });
 *
 * No browser download is possible here, and a missing Chromium is an error, never a skip.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { findChromium } from './chromium.js';
import type { BrowserTestResult } from './shim.js';

export type { BrowserTestResult } from './shim.js';

/** The browser `npm test` set up (see chromium.ts); a bad PIPETRACE_CHROMIUM fails at launch, saying so. */
export const CHROMIUM_PATH = ((): string => {
  try {
    return findChromium() ?? '/usr/bin/chromium';
  } catch {
    return process.env.PIPETRACE_CHROMIUM as string;
  }
})();
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:40123/ */
  url: string;
  close(): Promise<void>;
}

/** Serves the files under `dir` on 127.0.0.1 (a free port); nothing outside `dir` is reachable. */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = resolve(root, `.${path}`);
      if (path.includes('\0') || (file !== root && !file.startsWith(root + sep))) {
        res.writeHead(403).end('forbidden');
        return;
      }
      if (!(await stat(file).catch(() => undefined))?.isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(400).end('bad request');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Bundles a browser entry (TypeScript, imports resolved from node_modules) into one ES module. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  return out.text;
}

/** Writes `files` (name to content) into a fresh temporary directory and returns its path. */
export async function writeTempDir(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pipetrace-browser-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

export interface ChromiumSession {
  context: BrowserContext;
  /** Errors the page threw or logged to the console, for failure messages. */
  consoleErrors: string[];
}

export interface RunningChromium extends ChromiumSession {
  page: Page;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh context and page; call close() when done. */
export async function launchChromium(executablePath = CHROMIUM_PATH): Promise<RunningChromium> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: the browser tests need it. \`npm test\` finds or installs one ` +
        '(tsx test/browser/setup-chromium.ts), or set PIPETRACE_CHROMIUM to a Chromium binary. These tests fail rather than skip.',
    );
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  try {
    const context = await browser.newContext();
    const consoleErrors: string[] = [];
    const listen = (p: Page) => {
      p.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
      p.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`console: ${message.text()}`);
      });
    };
    context.on('page', listen);
    const page = await context.newPage();
    return { page, context, consoleErrors, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Launches headless Chromium, runs `body` with a fresh page, and always closes the browser. */
export async function withChromium<T>(body: (page: Page, session: ChromiumSession) => Promise<T>): Promise<T> {
  const running = await launchChromium();
  try {
    return await body(running.page, running);
  } finally {
    await running.close();
  }
}

/**
 * Lets page code send Chrome DevTools Protocol commands: `await window.__cdp(method, params)`.
 * Tests use it for what a page cannot do itself, e.g. Storage.overrideQuotaForOrigin.
 */
export async function exposeCdp(page: Page): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await page.exposeFunction('__cdp', (method: string, params?: Record<string, unknown>) =>
    // biome-ignore lint/suspicious/noExplicitAny: CDP methods are typed by name; this is a pass-through
    session.send(method as any, params as any),
  );
}

/** A page that loads `bundle.js` as a module. */
export const TEST_PAGE =
  '<!doctype html><meta charset="utf-8"><title>pipetrace browser tests</title><link rel="icon" href="data:,"><script type="module" src="./bundle.js"></script>';

export interface BundlePage extends RunningChromium {
  /** The served page's URL; open more tabs of the same origin with context.newPage() and goto(url). */
  url: string;
}

/** Bundles `entry`, serves it with TEST_PAGE and opens it in Chromium; close() stops it all. */
export async function startBundlePage(entry: string): Promise<BundlePage> {
  const dir = await writeTempDir({ 'index.html': TEST_PAGE, 'bundle.js': await bundle(entry) });
  const server = await serveStatic(dir);
  const cleanup = async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  };
  let running: RunningChromium | undefined;
  try {
    running = await launchChromium();
    await exposeCdp(running.page);
    await running.page.goto(server.url);
    const browser = running;
    return {
      ...browser,
      url: server.url,
      close: async () => {
        await browser.close();
        await cleanup();
      },
    };
  } catch (error) {
    await running?.close();
    await cleanup();
    throw error;
  }
}

/** Bundles `entry`, serves it with TEST_PAGE and runs `body` on that page in Chromium. */
export async function withBundlePage<T>(
  entry: string,
  body: (page: Page, session: BundlePage) => Promise<T>,
): Promise<T> {
  const session = await startBundlePage(entry);
  try {
    return await body(session.page, session);
  } finally {
    await session.close();
  }
}

/**
 * Runs the tests an entry registers with the shim (describe/it/expect from ./shim.ts, then
 * installRunner()) in Chromium and returns one result per test. Page errors are appended to
 * the failures' messages.
 */
export async function runBrowserTests(
  entry: string,
  options: { filter?: string; timeout?: number } = {},
): Promise<BrowserTestResult[]> {
  const timeout = options.timeout ?? 120_000;
  return withBundlePage(entry, async (page, { consoleErrors }) => {
    await page
      .waitForFunction(() => '__browserTests' in globalThis, undefined, { timeout: 30_000 })
      .catch(() => {
        throw new Error(`the entry ${entry} never installed the test runner\n${consoleErrors.join('\n')}`);
      });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const results = await Promise.race([
      page.evaluate(
        (filter) =>
          (
            globalThis as unknown as { __browserTests: { run(f?: string): Promise<BrowserTestResult[]> } }
          ).__browserTests.run(filter),
        options.filter,
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the browser tests of ${entry} did not finish within ${timeout} ms`)),
          timeout,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (consoleErrors.length > 0) {
      for (const r of results) if (!r.ok) r.error = `${r.error}\n--- page errors ---\n${consoleErrors.join('\n')}`;
    }
    return results;
  });
}
