import { type AddressInfo, createServer as netServer, type Socket } from 'node:net';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpStoreOptions, httpStore } from '../adapters/http/client.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import type { Run } from '../src/model.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const TOKEN = 'client-test-token-1';
const cleanups: (() => Promise<unknown>)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function start(store: Store, port = 0): Promise<PipetraceServer> {
  const server = createServer({ store, token: TOKEN, env: {}, log: () => {} });
  await server.listen(port, '127.0.0.1');
  cleanups.push(() => server.close({ graceMs: 0 }));
  return server;
}

/** A loopback port with nothing listening on it (yet). */
async function freePort(): Promise<number> {
  const server = createServer({ store: memoryStore(), env: {} });
  const { port } = await server.listen(0, '127.0.0.1');
  await server.close();
  return port;
}

/** Global fetch, counting calls and network failures (instrumentation, not a mock). */
function countingFetch() {
  const counts = { calls: 0, networkErrors: 0 };
  const f: typeof fetch = async (input, init) => {
    counts.calls++;
    try {
      return await fetch(input, init);
    } catch (error) {
      counts.networkErrors++;
      throw error;
    }
  };
  return { counts, fetch: f };
}

function client(url: string, options: Partial<HttpStoreOptions> = {}) {
  const store = httpStore({ url, token: TOKEN, minDelayMs: 10, maxDelayMs: 100, ...options });
  cleanups.push(() => store.close());
  return store;
}

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('http client: a server restart', () => {
  it('loses and duplicates none of 1,000 runs logged while the server restarts in the middle', async () => {
    const backing = memoryStore();
    const server = await start(backing);
    const { counts, fetch } = countingFetch();
    // Default backoff: reads (dependency inference) as well as writes must outlast the restart.
    const remote = client(server.url, { fetch, writeTimeoutMs: 20_000, minDelayMs: 100, maxDelayMs: 2000 });
    const pt = createPipetrace({ store: remote });
    let logged = 0;
    let restart: Promise<void> | undefined;
    const logger = async (w: number) => {
      for (let i = 0; i < 125; i++) {
        const t = 1_700_000_000_000 + (w * 125 + i) * 10;
        await pt.logRun({
          component: `step-${w}`,
          startedAt: t,
          endedAt: t + 5,
          inputs: [`in/${w}/${i}`],
          outputs: [`out/${w}/${i}`],
          params: { w, i },
        });
        logged++;
        if (logged === 500 && restart === undefined) {
          restart = (async () => {
            const port = server.port;
            await server.close({ graceMs: 0 });
            await new Promise((r) => setTimeout(r, 300));
            await server.listen(port, '127.0.0.1');
          })();
        }
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(logger));
    await restart;
    expect(counts.networkErrors).toBeGreaterThan(0);
    const runs: Run[] = [];
    let cursor: string | undefined;
    do {
      const page = await backing.scanRuns({ limit: 300, ...(cursor ? { cursor } : {}) });
      runs.push(...page.runs);
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(runs.length).toBe(1000);
    expect(new Set(runs.map((r) => r.id)).size).toBe(1000);
    expect(new Set(runs.map((r) => `${r.params.w}/${r.params.i}`)).size).toBe(1000);
  }, 60_000);
});

describe('http client: the write queue', () => {
  it('holds writes while the server is down, refuses one that overflows, and flushes the rest when it is back', async () => {
    const port = await freePort();
    const remote = client(`http://127.0.0.1:${port}`, { bufferLimit: { records: 3 }, writeTimeoutMs: 20_000 });
    const [a, b, c, d] = [sampleRun(), sampleRun(), sampleRun(), sampleRun()] as Run[];
    const first = remote.putRuns([a as Run]);
    const second = remote.putRuns([b as Run, c as Run]);
    const overflow = await errorOf(remote.putRuns([d as Run]));
    expect(isPipetraceError(overflow, 'unavailable')).toBe(true);
    expect((overflow as Error).message).toMatch(/write buffer .* is full/);
    expect(remote.pending).toBe(3);
    const backing = memoryStore();
    await new Promise((r) => setTimeout(r, 100));
    await start(backing, port);
    await Promise.all([first, second]);
    expect(remote.pending).toBe(0);
    expect(await backing.getRuns([a, b, c, d].map((r) => (r as Run).id))).toEqual([a, b, c, undefined]);
  });

  it('rejects an acknowledged write with unavailable when the server stays down past writeTimeoutMs', async () => {
    const port = await freePort();
    const remote = client(`http://127.0.0.1:${port}`, { writeTimeoutMs: 300 });
    const error = await errorOf(remote.putRuns([sampleRun()]));
    expect(isPipetraceError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/may or may not have been stored/);
    expect(remote.pending).toBe(0);
  });

  it('does not let a server that accepts but never answers hold a write past writeTimeoutMs', async () => {
    const silent = netServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of sockets.splice(0)) socket.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as AddressInfo;
    const remote = client(`http://127.0.0.1:${port}`, { writeTimeoutMs: 400 });
    const error = await errorOf(remote.putRuns([sampleRun()]));
    expect(isPipetraceError(error, 'unavailable')).toBe(true);
  }, 10_000);

  it('in buffered mode resolves at once while the server is down and delivers on flush', async () => {
    const port = await freePort();
    const remote = client(`http://127.0.0.1:${port}`, { writes: 'buffered' });
    const run = sampleRun();
    await remote.putRuns([run]);
    expect(remote.pending).toBe(1);
    const backing = memoryStore();
    await start(backing, port);
    await remote.flush();
    expect((await backing.getRuns([run.id]))[0]).toEqual(run);
  });

  it('in buffered mode reports a refused write through onError and flush', async () => {
    const server = await start(memoryStore());
    const seen: unknown[] = [];
    const remote = client(server.url, { writes: 'buffered', onError: (e) => seen.push(e) });
    await remote.putRuns([{ ...sampleRun(), startedAt: Number.NaN } as Run]);
    const error = await errorOf(remote.flush());
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    expect(seen.length).toBe(1);
    await remote.flush();
  });

  it('refuses to close quietly when buffered writes could not be delivered', async () => {
    const port = await freePort();
    const remote = httpStore({
      url: `http://127.0.0.1:${port}`,
      writes: 'buffered',
      closeTimeoutMs: 200,
      minDelayMs: 10,
    });
    await remote.putRuns([sampleRun(), sampleRun()]);
    const error = await errorOf(remote.close());
    expect(isPipetraceError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/2 write\(s\) not acknowledged/);
    expect(isPipetraceError(await errorOf(remote.getRuns(['x'])), 'unavailable')).toBe(true);
  });

  it('merges queued writes into one request and, when it is refused, blames only the bad write', async () => {
    const backing = memoryStore();
    const server = await start(backing);
    const { counts, fetch } = countingFetch();
    const remote = client(server.url, { fetch });
    const runs = [1, 2, 3, 4, 5].map(() => sampleRun());
    const bad = { ...runs[2], status: 'running' } as unknown as Run;
    const results = await Promise.allSettled(runs.map((r, i) => remote.putRuns([i === 2 ? bad : r])));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const reason = (results[2] as PromiseRejectedResult).reason;
    expect(reason).toMatchObject({ code: 'invalid_input', field: 'runs[0].status' });
    // One alone, four merged and refused, then each of the four alone.
    expect(counts.calls).toBe(6);
    const stored = await backing.getRuns(runs.map((r) => r.id));
    expect(stored.map((r) => r !== undefined)).toEqual([true, true, false, true, true]);
  });
});

describe('http client: retries and errors', () => {
  it('retries a write the server failed with 5xx and stores it once', async () => {
    const base = memoryStore();
    let failures = 2;
    const flaky: Store = Object.assign(Object.create(base), {
      putRuns: async (runs: readonly Run[]) => {
        if (failures-- > 0) throw new Error('disk hiccup');
        return base.putRuns(runs);
      },
    });
    const server = await start(flaky);
    const { counts, fetch } = countingFetch();
    const remote = client(server.url, { fetch });
    const run = sampleRun();
    await remote.putRuns([run]);
    expect(counts.calls).toBe(3);
    expect((await base.scanRuns({})).runs).toEqual([run]);
  });

  it('does not retry a refused write: invalid input comes back at once, naming the field', async () => {
    const server = await start(memoryStore());
    const { counts, fetch } = countingFetch();
    const remote = client(server.url, { fetch });
    const error = await errorOf(remote.putRuns([{ ...sampleRun(), component: '' }]));
    expect(error).toMatchObject({ code: 'invalid_input', field: 'runs[0].component' });
    expect(counts.calls).toBe(1);
  });

  it('reports a batch over the server body limit as too_large without retrying', async () => {
    const server = createServer({ store: memoryStore(), token: TOKEN, env: {}, bodyLimit: 4096 });
    await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close({ graceMs: 0 }));
    const { counts, fetch } = countingFetch();
    const remote = client(server.url, { fetch });
    const error = await errorOf(remote.putRuns([sampleRun({ snapshot: 'x'.repeat(100_000) })]));
    expect(isPipetraceError(error, 'too_large')).toBe(true);
    expect(counts.calls).toBe(1);
  });

  it('reports a missing or wrong token as unauthorized without retrying', async () => {
    const server = await start(memoryStore());
    const { counts, fetch } = countingFetch();
    const remote = client(server.url, { fetch, token: 'not-the-token' });
    expect(isPipetraceError(await errorOf(remote.putRuns([sampleRun()])), 'unauthorized')).toBe(true);
    expect(counts.calls).toBe(1);
  });

  it('waits as long as a write for the reads logging needs (a new component, dependencies) while the server is down', async () => {
    const port = await freePort();
    const { counts, fetch } = countingFetch();
    const remote = client(`http://127.0.0.1:${port}`, { fetch, retries: 1, writeTimeoutMs: 30_000 });
    const pt = createPipetrace({ store: remote });
    let settled = false;
    const logging = pt.logRun({
      component: 'new-step',
      startedAt: 1_700_000_000_000,
      endedAt: 1_700_000_000_001,
      inputs: ['in.csv'],
      outputs: ['out.csv'],
    });
    logging.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Many more failed attempts than the read retries (1) allow.
    while (counts.networkErrors < 5 && !settled) await new Promise((r) => setTimeout(r, 20));
    const backing = memoryStore();
    await start(backing, port);
    const run = await logging;
    expect(await backing.getRuns([run.id])).toEqual([run]);
    expect((await backing.getComponents(['new-step']))[0]?.name).toBe('new-step');
  }, 30_000);

  it('gives up a read with unavailable after its retries when nothing answers', async () => {
    const port = await freePort();
    const { counts, fetch } = countingFetch();
    const remote = client(`http://127.0.0.1:${port}`, { fetch, retries: 2 });
    const error = await errorOf(remote.getRuns(['a']));
    expect(isPipetraceError(error, 'unavailable')).toBe(true);
    expect((error as Error).message).toMatch(/cannot reach/);
    expect(counts.calls).toBe(3);
  });

  it('rejects a URL that is not http or https', () => {
    expect(() => httpStore({ url: 'file:///etc/passwd' })).toThrow(/http: or https:/);
    expect(() => httpStore({ url: 'not a url' })).toThrow(/not a URL/);
  });
});

describe('http client: runtime', () => {
  it('bundles for the browser with no Node built-ins', async () => {
    const result = await build({
      entryPoints: ['adapters/http/client.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]?.text).not.toMatch(/from ["']node:/);
  });
});

describe('http client: load', () => {
  it('logs 1,000 single-run requests from 8 concurrent clients with no errors', async () => {
    const backing = memoryStore();
    const server = await start(backing);
    const clients = Array.from({ length: 8 }, () => client(server.url));
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < 125; i++) await c.putRuns([sampleRun({ id: `load-${k}-${i}`, outputs: [`o/${k}/${i}`] })]);
      }),
    );
    const ids = clients.flatMap((_, k) => Array.from({ length: 125 }, (_, i) => `load-${k}-${i}`));
    expect((await backing.getRuns(ids)).every((r) => r !== undefined)).toBe(true);
  }, 60_000);
});
