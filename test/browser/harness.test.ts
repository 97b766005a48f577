import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, runBrowserTests, type StaticServer, serveStatic } from './harness.js';
import { deepEqual, expect as shimExpect } from './shim.js';

/** A raw GET that sends the path exactly as given (fetch would normalise '..' away). */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveStatic', () => {
  const base = join(tmpdir(), `pipetrace-serve-${process.pid}`);
  let server: StaticServer;
  beforeAll(async () => {
    await mkdir(join(base, 'site', 'sub'), { recursive: true });
    await writeFile(join(base, 'site', 'index.html'), '<p>home</p>');
    await writeFile(join(base, 'site', 'sub', 'a.js'), 'export {}');
    await writeFile(join(base, 'secret.txt'), 'secret');
    server = await serveStatic(join(base, 'site'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('serves files under its directory on loopback with their content type', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(`${server.url}sub/a.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(await (await fetch(server.url)).text()).toBe('<p>home</p>');
  });

  it('never serves a file outside its directory, however the path is spelled', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/%00']) {
      const res = await get(server.url, path);
      expect(res.body).not.toContain('secret');
      expect([403, 404]).toContain(res.status);
    }
    expect((await get(server.url, '/missing.js')).status).toBe(404);
  });
});

describe('the browser test shim', () => {
  it('compares like toEqual: undefined properties ignored, typed arrays by content', () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([undefined], [])).toBe(false);
    expect(deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(deepEqual(new Uint8Array([1, 2]), [1, 2])).toBe(false);
    expect(deepEqual({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 3 }] } })).toBe(false);
  });

  it('throws a readable message when a matcher fails', () => {
    expect(() => shimExpect([1, 2]).toContainEqual(3)).toThrow(/expected \[1,2\] to contain equal 3/);
    expect(() => shimExpect(undefined).not.toBeUndefined()).toThrow(/not to be undefined/);
    expect(() => shimExpect('abc').toContain('b')).not.toThrow();
  });
});

describe('runBrowserTests', () => {
  it('fails with a message saying how to get Chromium when it is missing', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(
      /Chromium not found at \/nonexistent\/chromium/,
    );
  });

  it('reports each browser test with its outcome, failures and timeouts included', async () => {
    const entry = new URL('./entries/harness-check.entry.ts', import.meta.url).pathname;
    const results = await runBrowserTests(entry, { timeout: 60_000 });
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['harness check > passes', true],
      ['harness check > fails', false],
      ['harness check > hangs', false],
    ]);
    expect(results[1]?.error).toContain('expected [1,2] to equal [1,3]');
    expect(results[2]?.error).toContain('timed out after 200 ms');
  }, 90_000);
});
