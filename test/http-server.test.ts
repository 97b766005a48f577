import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, json, type Route, type ServerOptions } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const TOKEN = 'write-token-abcdef';
const READ_TOKEN = 'read-token-abcdef';
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function serve(options: Partial<ServerOptions> = {}): Promise<{ url: string; store: Store }> {
  const store = options.store ?? memoryStore();
  const server = createServer({ token: TOKEN, env: {}, log: () => {}, ...options, store });
  const { url } = await server.listen(0, '127.0.0.1');
  stops.push(() => server.close());
  return { url, store };
}

function put(url: string, path: string, body: unknown, token?: string, type = 'application/json') {
  return fetch(`${url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  expect(res.headers.get('content-type')).toBe('application/json');
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

describe('http server: auth', () => {
  it('refuses a write without a token with 401 and stores nothing', async () => {
    const { url, store } = await serve();
    const res = await put(url, '/api/v1/store/runs', { runs: [sampleRun()] });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await errorOf(res)).code).toBe('unauthorized');
    expect((await store.scanRuns({})).runs).toEqual([]);
  });

  it('refuses a wrong token with 401 and accepts the right one', async () => {
    const { url, store } = await serve();
    const run = sampleRun();
    expect((await put(url, '/api/v1/store/runs', { runs: [run] }, 'wrong-token-abcdef')).status).toBe(401);
    expect((await put(url, '/api/v1/store/runs', { runs: [run] }, `${TOKEN}x`)).status).toBe(401);
    const ok = await put(url, '/api/v1/store/runs', { runs: [run] }, TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ stored: 1 });
    expect((await store.getRuns([run.id]))[0]).toEqual(run);
  });

  it('lets the read token read but answers 403 when it tries to write', async () => {
    const { url } = await serve({ readToken: READ_TOKEN });
    const read = (token?: string) =>
      fetch(`${url}/api/v1/store/components`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await read()).status).toBe(401);
    expect((await read(READ_TOKEN)).status).toBe(200);
    expect((await read(TOKEN)).status).toBe(200);
    const res = await put(url, '/api/v1/store/runs', { runs: [sampleRun()] }, READ_TOKEN);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/read token cannot write/);
  });

  it('serves reads openly by default and behind the token when requireTokenForReads is set', async () => {
    const open = await serve();
    expect((await fetch(`${open.url}/api/v1/store/components`)).status).toBe(200);
    const closed = await serve({ requireTokenForReads: true });
    expect((await fetch(`${closed.url}/api/v1/store/components`)).status).toBe(401);
    expect((await fetch(`${closed.url}/api/v1/health`)).status).toBe(200);
  });

  it('refuses every write with 403 when started without any token', async () => {
    const { url } = await serve({ token: undefined, env: {} });
    const res = await put(url, '/api/v1/store/runs', { runs: [sampleRun()] }, 'anything-at-all');
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/started without a token/);
  });

  it('takes the token from PIPETRACE_TOKEN when no option is given', async () => {
    const { url } = await serve({ token: undefined, env: { PIPETRACE_TOKEN: 'from-the-env-123' } });
    expect((await put(url, '/api/v1/store/runs', { runs: [sampleRun()] }, 'from-the-env-123')).status).toBe(200);
  });

  it('rejects a token too short to be safe when the server is created', () => {
    expect(() => createServer({ store: memoryStore(), token: 'short', env: {} })).toThrow(/at least 8 characters/);
  });
});

describe('http server: bodies and errors', () => {
  it('answers 400 naming the field of an invalid run and stores none of the batch', async () => {
    const { url, store } = await serve();
    const good = sampleRun();
    const bad = { ...sampleRun(), endedAt: 'yesterday-ish' };
    const res = await put(url, '/api/v1/store/runs', { runs: [good, bad] }, TOKEN);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field: 'runs[1].endedAt' });
    expect((await store.getRuns([good.id]))[0]).toBeUndefined();
  });

  it('rejects hostile names: __proto__ keys, NUL and over-long strings', async () => {
    const { url } = await serve();
    const proto = JSON.parse(`{"runs":[${JSON.stringify(sampleRun()).slice(0, -1)},"params":{"__proto__":{"x":1}}}]}`);
    const cases: [unknown, string][] = [
      [proto, 'runs[0].params key'],
      [{ runs: [sampleRun({ component: 'a\u0000b' })] }, 'runs[0].component'],
      [{ runs: [sampleRun({ outputs: ['x'.repeat(5000)] })] }, 'runs[0].outputs[0]'],
      [{ runs: [sampleRun({ component: '__proto__' })] }, 'runs[0].component'],
      [{ components: [{ name: 'c', createdAt: 1, updatedAt: 1, tags: ['../'.repeat(100)] }] }, 'components[0].tags[0]'],
    ];
    for (const [body, field] of cases) {
      const path = 'components' in (body as object) ? '/api/v1/store/components' : '/api/v1/store/runs';
      const res = await put(url, path, body, TOKEN);
      expect(res.status, field).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
  });

  it('answers 400 for a body that is not JSON and 415 for the wrong content type', async () => {
    const { url } = await serve();
    const notJson = await put(url, '/api/v1/store/runs', '{"runs": [', TOKEN);
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).field).toBe('body');
    const plain = await put(url, '/api/v1/store/runs', { runs: [] }, TOKEN, 'text/plain');
    expect(plain.status).toBe(415);
    expect((await errorOf(plain)).field).toBe('content-type');
    const blobsAsJson = await put(url, '/api/v1/store/blobs', { keys: [] }, TOKEN);
    expect(blobsAsJson.status).toBe(415);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const { url } = await serve({ bodyLimit: 1024 });
    const declared = await put(url, '/api/v1/store/runs', { runs: [sampleRun({ snapshot: 'x'.repeat(2000) })] }, TOKEN);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('too_large');
    // Chunked, with no Content-Length: the limit must hold while reading.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/api/v1/store/runs`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(`{"runs":[{"snapshot":"${'y'.repeat(600)}`);
      req.write('y'.repeat(600));
      req.end('"}]}');
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe('too_large');
  });

  it('answers 404 for an unknown route and 405 for a known path with the wrong method', async () => {
    const { url } = await serve();
    const missing = await fetch(`${url}/api/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
    const wrong = await fetch(`${url}/api/v1/store/runs`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('PUT');
    expect((await errorOf(wrong)).code).toBe('method_not_allowed');
  });

  it('answers 500 without the stack or the message of an unexpected error, and logs it', async () => {
    const logged: string[] = [];
    const broken: Store = Object.assign(Object.create(memoryStore()), {
      scanComponents: async () => {
        throw new Error('secret detail at /srv/db.sqlite');
      },
    });
    const { url } = await serve({ store: broken, log: (m) => logged.push(m) });
    const res = await fetch(`${url}/api/v1/store/components`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret|sqlite|at /);
    expect(JSON.parse(text)).toEqual({ error: { code: 'storage', message: 'internal server error' } });
    expect(logged.join('\n')).toMatch(/secret detail/);
  });

  it('sends blobs as application/octet-stream, not base64', async () => {
    const { url, store } = await serve();
    await store.putBlobs([{ key: 'rows/a', data: new Uint8Array([0, 1, 255]) }]);
    const res = await fetch(`${url}/api/v1/store/blobs/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: ['rows/a'] }),
    });
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Array.from(bytes.slice(-3))).toEqual([0, 1, 255]);
  });
});

describe('http server: deleting blobs', () => {
  const del = (url: string, body: unknown, token?: string) =>
    fetch(`${url}/api/v1/store/blobs/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('deletes with the write token, refuses without it, and refuses bad keys naming the item, deleting none', async () => {
    const { url, store } = await serve();
    await store.putBlobs([
      { key: 'a', data: new Uint8Array([1]) },
      { key: 'b', data: new Uint8Array([2]) },
    ]);
    expect((await del(url, { keys: ['a'] })).status).toBe(401);
    for (const [keys, field] of [
      [['b', 42], 'keys[1]'],
      [['b', 'x'.repeat(2000)], 'keys[1]'],
      [['b', 'nul\u0000'], 'keys[1]'],
    ] as const) {
      const res = await del(url, { keys }, TOKEN);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_input', field });
    }
    expect((await del(url, { keys: 'a' }, TOKEN)).status).toBe(400);
    expect(await store.listBlobs('')).toEqual(['a', 'b']);
    expect((await del(url, { keys: ['a', 'never'] }, TOKEN)).status).toBe(204);
    expect(await store.listBlobs('')).toEqual(['b']);
  });
});

describe('http server: CORS', () => {
  it('sends no CORS headers by default and refuses preflight', async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/api/v1/health`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${url}/api/v1/store/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example' },
    });
    expect(pre.status).toBe(403);
  });

  it('answers an allowed origin, with preflight, and ignores any other', async () => {
    const { url } = await serve({ cors: ['https://app.example'] });
    const pre = await fetch(`${url}/api/v1/store/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/PUT/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const allowed = await fetch(`${url}/api/v1/health`, { headers: { origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${url}/api/v1/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('http server: extra routes', () => {
  it('serves routes passed in, with path parameters decoded and the same auth rules', async () => {
    const seen: string[] = [];
    const extra: Route[] = [
      {
        method: 'POST',
        path: '/api/v1/lineage/:name',
        access: 'write',
        body: 'json',
        handle: async ({ params, body }) => {
          seen.push(params.name as string);
          return json({ got: body }, 201);
        },
      },
    ];
    const { url } = await serve({ routes: extra });
    const call = (token?: string) =>
      fetch(`${url}/api/v1/lineage/${encodeURIComponent('a/b c')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: '{"x":1}',
      });
    expect((await call()).status).toBe(401);
    const res = await call(TOKEN);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: { x: 1 } });
    expect(seen).toEqual(['a/b c']);
  });

  it('lets a route passed in replace the built-in one with the same method and path', async () => {
    const mine: Route = { method: 'GET', path: '/api/v1/health', access: 'public', handle: async () => json('mine') };
    const { url } = await serve({ routes: [mine] });
    expect(await (await fetch(`${url}/api/v1/health`)).json()).toBe('mine');
  });

  it('refuses two routes passed in for the same method and path', () => {
    const a: Route = { method: 'GET', path: '/api/v1/x/:a', access: 'public', handle: async () => json(1) };
    const b: Route = { ...a, path: '/api/v1/x/:b' };
    expect(() => createServer({ store: memoryStore(), routes: [a, b], env: {} })).toThrow(/two routes/);
  });
});
