/**
 * The served page names the bundle entry by its content's SHA-256, and the entry route checks a
 * `?v=` against it. The entry is read and hashed once per version of the file, not per request,
 * and a rewritten entry is served, and named, fresh. Reads and hashes are counted, not timed.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleVersion, dashboardRoutes } from '../adapters/http/dashboard-routes.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';

const counted = vi.hoisted(() => ({ reads: [] as string[], hashes: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = ((...args: Parameters<typeof original.readFile>) => {
    counted.reads.push(String(args[0]));
    return original.readFile(...args);
  }) as typeof original.readFile;
  return { ...original, default: { ...original, readFile }, readFile };
});
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  const createHash = ((...args: Parameters<typeof original.createHash>) => {
    if (args[0] === 'sha256') counted.hashes += 1;
    return original.createHash(...args);
  }) as typeof original.createHash;
  return { ...original, default: { ...original, createHash }, createHash };
});

const dir = mkdtempSync(join(tmpdir(), 'pipetrace-serve-'));
const entryFile = join(dir, 'pipetrace-dashboard.js');
const server = createServer({ store: memoryStore(), env: {}, routes: dashboardRoutes({ bundleFile: entryFile }) });

beforeAll(async () => {
  writeFileSync(entryFile, 'import "./chunk-AAAA.js";console.log("one")');
  writeFileSync(join(dir, 'chunk-AAAA.js'), 'export const a = 1;');
  await server.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The entry's path as the page names it (with its version). */
async function entrySrc(): Promise<string> {
  const html = await (await fetch(server.url)).text();
  return /<script type="module" src="([^"]+)"/.exec(html)?.[1] as string;
}

const versionOfText = (text: string) => bundleVersion(new TextEncoder().encode(text));
const entryReads = () => counted.reads.filter((f) => f === entryFile).length;

describe('the served page and its entry', () => {
  it('reads and hashes the entry once while the file is unchanged', async () => {
    const src = await entrySrc();
    expect(src).toBe(
      `/dashboard/pipetrace-dashboard.js?v=${versionOfText('import "./chunk-AAAA.js";console.log("one")')}`,
    );
    counted.reads.length = 0;
    counted.hashes = 0;
    for (let i = 0; i < 3; i++) expect(await entrySrc()).toBe(src);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}${src}`);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(await res.text()).toBe('import "./chunk-AAAA.js";console.log("one")');
    }
    expect(entryReads()).toBe(0);
    expect(counted.hashes).toBe(0);
  });

  it('serves a rewritten entry, and names it by its new version', async () => {
    const before = await entrySrc();
    const rebuilt = 'import "./chunk-AAAA.js";console.log("two, longer")';
    const expected = `/dashboard/pipetrace-dashboard.js?v=${versionOfText(rebuilt)}`;
    counted.reads.length = 0;
    counted.hashes = 0;
    writeFileSync(entryFile, rebuilt);
    const src = await entrySrc();
    expect(src).toBe(expected);
    expect(src).not.toBe(before);
    expect(await (await fetch(`${server.url}${src}`)).text()).toBe(rebuilt);
    // The old version is no longer the entry's: checked each time, not kept.
    expect((await fetch(`${server.url}${before}`)).headers.get('cache-control')).toBe('no-cache');
    expect(entryReads()).toBe(1);
    expect(counted.hashes).toBe(1);
  });

  it('serves a rewrite of the same size once its mtime moved', async () => {
    const same = 'import "./chunk-AAAA.js";console.log("six, longer")';
    writeFileSync(entryFile, same);
    // A later build: the mtime is set ahead, so the test does not hang on the file system's clock.
    const later = new Date(Date.now() + 60_000);
    utimesSync(entryFile, later, later);
    expect(await entrySrc()).toBe(`/dashboard/pipetrace-dashboard.js?v=${versionOfText(same)}`);
    expect(await (await fetch(`${server.url}/dashboard/pipetrace-dashboard.js`)).text()).toBe(same);
  });
});
