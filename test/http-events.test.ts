/**
 * Live updates over HTTP: the events route (server-sent events) and httpStore.subscribe, over
 * real servers on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { EventParser, parseChange } from '../adapters/http/event-stream.js';
import {
  createServer,
  EVENTS_PATH,
  eventRoutes,
  type PipetraceServer,
  type ServerOptions,
} from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { Listeners } from '../src/listeners.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { Store, StoreChange } from '../src/store.js';

const TOKEN = 'events-test-token-1';
const NOW = () => ({ startedAt: Date.now(), endedAt: Date.now() });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function start(store: Store, options: Partial<ServerOptions> = {}, port = 0): Promise<PipetraceServer> {
  const server = createServer({ store, token: TOKEN, env: {}, log: () => {}, ...options });
  await server.listen(port, '127.0.0.1');
  cleanups.push(() => server.close({ graceMs: 0 }));
  return server;
}

function client(url: string) {
  const store = httpStore({ url, token: TOKEN, minDelayMs: 10, maxDelayMs: 50 });
  cleanups.push(() => store.close());
  return store;
}

/** Subscribes and collects what it hears. */
function hear(store: Store) {
  const heard: StoreChange[] = [];
  const stop = store.subscribe?.((change) => heard.push(change));
  if (stop === undefined) throw new Error(`${store.kind} has no subscribe`);
  cleanups.push(async () => stop());
  const runIds = () => heard.flatMap((c) => (c.kind === 'runs' ? c.ids : []));
  return { heard, stop, runIds };
}

/** A memory store that counts its live subscriptions (to see the server let go of a client). */
function countingStore(inner: Store = memoryStore()) {
  const counter = { active: 0 };
  const store: Store = Object.assign(Object.create(inner) as Store, {
    subscribe(listener: (change: StoreChange) => void) {
      counter.active++;
      const stop = inner.subscribe?.(listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        counter.active--;
        stop?.();
      };
    },
  });
  return { store, counter };
}

describe('httpStore.subscribe over the events route', () => {
  it('hears a run logged through the server and one logged directly into its store', async () => {
    const store = memoryStore();
    const server = await start(store);
    const reader = client(server.url);
    const { runIds } = hear(reader);
    const writer = createPipetrace({ store: client(server.url) });
    const viaServer = await writer.logRun({ ...NOW(), component: 'via-server', outputs: ['a.csv'] });
    await expect.poll(runIds).toContain(viaServer.id);
    const direct = await createPipetrace({ store }).logRun({ ...NOW(), component: 'direct', inputs: ['a.csv'] });
    await expect.poll(runIds).toContain(direct.id);
    expect((await reader.getRuns([direct.id]))[0]?.component).toBe('direct');
  });

  it('relays component and pointer changes too', async () => {
    const store = memoryStore();
    const server = await start(store);
    const { heard } = hear(client(server.url));
    const pt = createPipetrace({ store: client(server.url) });
    await pt.logRun({ ...NOW(), component: 'train', outputs: ['model.pkl'] });
    await pt.flag('model.pkl');
    await expect.poll(() => heard).toContainEqual({ kind: 'pointers', names: ['model.pkl'] });
    await pt.tag('train', ['nightly']);
    await expect.poll(() => heard.some((c) => c.kind === 'components' && c.names.includes('train'))).toBe(true);
  });

  it('a client of server B hears a run logged through server A over one shared memory store', async () => {
    const store = memoryStore();
    const a = await start(store);
    const b = await start(store);
    const { runIds } = hear(client(b.url));
    const run = await createPipetrace({ store: client(a.url) }).logRun({ ...NOW(), component: 'through-a' });
    await expect.poll(runIds).toContain(run.id);
  });

  it('a client of server B hears a run logged through server A when each serves its own fs-json store of one folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipetrace-events-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const storeA = await fsJsonStore({ dir, durable: false });
    const storeB = await fsJsonStore({ dir, durable: false });
    cleanups.push(
      () => storeA.close(),
      () => storeB.close(),
    );
    const a = await start(storeA);
    const b = await start(storeB);
    const { runIds } = hear(client(b.url));
    const run = await createPipetrace({ store: client(a.url) }).logRun({ ...NOW(), component: 'through-a' });
    // Server B's store finds the other instance's write by its change check and notifies.
    await expect.poll(runIds, { timeout: 10_000 }).toContain(run.id);
  });

  it('lets go of the store subscription when the client unsubscribes', async () => {
    const { store, counter } = countingStore();
    const server = await start(store);
    const reader = client(server.url);
    const { stop } = hear(reader);
    await expect.poll(() => counter.active).toBe(1);
    stop();
    await expect.poll(() => counter.active).toBe(0);
  });

  it('lets go of the store subscription when a client disconnects without a word', async () => {
    const { store, counter } = countingStore();
    const server = await start(store);
    const abort = new AbortController();
    const response = await fetch(`${server.url}${EVENTS_PATH}`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(counter.active).toBe(1);
    abort.abort();
    await expect.poll(() => counter.active).toBe(0);
  });

  it('ends every event stream when the server closes, without waiting out the grace period', async () => {
    const { store, counter } = countingStore();
    const server = await start(store);
    hear(client(server.url));
    hear(client(server.url));
    await expect.poll(() => counter.active).toBe(2);
    // With streams left open, close would wait the whole minute and the test would time out.
    await server.close({ graceMs: 60_000 });
    expect(counter.active).toBe(0);
  });

  it('reconnects after the server restarts, says changes may have been missed, and hears new runs', async () => {
    const { store, counter } = countingStore();
    const first = await start(store);
    const { heard, runIds } = hear(client(first.url));
    await expect.poll(() => counter.active).toBe(1);
    const before = await createPipetrace({ store }).logRun({ ...NOW(), component: 'before' });
    await expect.poll(runIds).toContain(before.id);
    await first.close({ graceMs: 0 });
    const missed = await createPipetrace({ store }).logRun({ ...NOW(), component: 'while-down' });
    const second = await start(store, {}, first.port);
    await expect.poll(() => heard.some((c) => c.kind === 'resync')).toBe(true);
    expect(runIds()).not.toContain(missed.id);
    const after = await createPipetrace({ store: client(second.url) }).logRun({ ...NOW(), component: 'after' });
    await expect.poll(runIds).toContain(after.id);
  });

  it('needs a token when reads need one', async () => {
    const server = await start(memoryStore(), { requireTokenForReads: true });
    const refused = await fetch(`${server.url}${EVENTS_PATH}`);
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
    const { runIds } = hear(client(server.url));
    const run = await createPipetrace({ store: client(server.url) }).logRun({ ...NOW(), component: 'secret' });
    await expect.poll(runIds).toContain(run.id);
  });

  it('answers not_found for a store that does not report changes', async () => {
    const inner = memoryStore();
    const quiet: Store = Object.assign(Object.create(inner) as Store, {
      capabilities: { ...inner.capabilities, live: false },
    });
    const server = await start(quiet);
    const response = await fetch(`${server.url}${EVENTS_PATH}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

/** Reads an SSE response body as text until `until` says stop. */
async function readUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('the events route', () => {
  it('sends heartbeat comments so proxies keep the stream open', async () => {
    const server = await start(memoryStore(), { routes: eventRoutes({ heartbeatMs: 20 }) });
    const response = await fetch(`${server.url}${EVENTS_PATH}`);
    const text = await readUntil(response, (t) => t.split(': ping\n\n').length > 2);
    expect(text.startsWith('retry: 2000\n: connected\n\n')).toBe(true);
    expect(text.split(': ping\n\n').length).toBeGreaterThan(2);
  });

  it('tells a client reconnecting with Last-Event-ID that it may have missed changes', async () => {
    const server = await start(memoryStore());
    const response = await fetch(`${server.url}${EVENTS_PATH}`, { headers: { 'last-event-id': '41' } });
    const text = await readUntil(response, (t) => t.includes('resync'));
    const events = new EventParser().push(text).map(parseChange);
    expect(events).toEqual([{ kind: 'resync' }]);
  });

  it('drops changes for a client that stops reading, and sends it a resync once it catches up', async () => {
    const inner = memoryStore();
    const emitter = new Listeners<StoreChange>();
    const store: Store = Object.assign(Object.create(inner) as Store, {
      subscribe: (listener: (change: StoreChange) => void) => emitter.add(listener),
    });
    const server = await start(store, { routes: eventRoutes({ bufferBytes: 64 * 1024, heartbeatMs: 50 }) });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    cleanups.push(async () => socket.destroy());
    // HTTP/1.0, so the body comes without chunked framing.
    socket.write(`GET ${EVENTS_PATH} HTTP/1.0\r\nhost: 127.0.0.1\r\n\r\n`);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await expect.poll(() => Buffer.concat(chunks).toString().includes(': connected')).toBe(true);
    expect(emitter.size).toBe(1);
    socket.pause();

    // 64 MB of changes while the client reads nothing: far beyond any socket buffer.
    const ids = Array.from({ length: 10_000 }, (_, i) => `run-${String(i).padStart(95, '0')}`);
    const events = 640;
    let emitted = 0;
    for (let i = 0; i < events; i++) {
      const change: StoreChange = { kind: 'runs', ids: [String(i), ...ids] };
      emitted += JSON.stringify(change).length;
      emitter.emit(change);
    }
    socket.resume();
    await expect
      .poll(() => Buffer.concat(chunks).toString().includes('"kind":"resync"'), { timeout: 20_000 })
      .toBe(true);
    const received = Buffer.concat(chunks);
    expect(received.length).toBeLessThan(emitted / 4);
    const body = received.toString().slice(received.toString().indexOf('\r\n\r\n') + 4);
    // The events are a prefix of what was emitted, then a resync.
    const changes = new EventParser()
      .push(body)
      .map(parseChange)
      .filter((c) => c !== undefined);
    const resyncAt = changes.findIndex((c) => c.kind === 'resync');
    expect(resyncAt).toBeGreaterThan(0);
    expect(resyncAt).toBeLessThan(events);
    expect(changes.slice(0, resyncAt).map((c) => (c.kind === 'runs' ? c.ids[0] : c.kind))).toEqual(
      Array.from({ length: resyncAt }, (_, i) => String(i)),
    );
  }, 60_000);
});

describe('EventParser', () => {
  it('joins multi-line data, accepts CRLF and CR, skips comments and events split across chunks', () => {
    const parser = new EventParser();
    expect(parser.push(': ping\r\n\r\ndata: a\r\ndata: b\r\n\r\nid: 3\ndata:{"x"')).toEqual(['a\nb']);
    expect(parser.push(':1}\n\ndata: c\r\r')).toEqual(['{"x":1}', 'c']);
  });
});
