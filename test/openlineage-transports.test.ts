import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { fileTransport, parseEventsText, readEventsFile } from '../node/openlineage-file.js';
import { createPipetrace, isPipetraceError } from '../src/index.js';
import {
  consoleTransport,
  emitOnLog,
  emittingStore,
  httpTransport,
  type LineageEvent,
  runToEvents,
  type Transport,
} from '../src/openlineage/index.js';

const T0 = Date.UTC(2026, 0, 1);

function sampleEvents(n = 1): LineageEvent[] {
  const out: LineageEvent[] = [];
  for (let i = 0; i < n; i++) {
    const run = {
      id: `run-${i}`,
      component: 'step',
      startedAt: T0 + i,
      endedAt: T0 + i + 1,
      status: 'succeeded' as const,
      inputs: ['/in.csv'],
      outputs: ['/out.csv'],
      dependencies: [],
      notes: [],
      params: {},
      metrics: {},
    };
    out.push(...runToEvents(run));
  }
  return out;
}

/** A loopback server answering with the statuses given, in turn (the last one repeats). */
async function lineageServer(statuses: number[]) {
  const requests: { url: string; auth: string | undefined; body: unknown }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)]!;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status >= 400 ? JSON.stringify({ error: 'no' }) : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('HTTP transport', () => {
  it('takes token as httpStore does, and refuses options it does not know', async () => {
    const server = await lineageServer([201]);
    closers.push(server.close);
    await httpTransport({ url: server.url, token: 'secret-token' }).emit(sampleEvents(1));
    expect(server.requests[0]!.auth).toBe('Bearer secret-token');
    expect(() => httpTransport({ url: server.url, tokn: 'x' } as never)).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'tokn' }),
    );
    expect(() => httpTransport({ url: server.url, token: 'a', apiKey: 'b' })).toThrow(/token.*apiKey|apiKey.*token/);
  });

  it('posts each event to {url}/api/v1/lineage in order, with the API key', async () => {
    const server = await lineageServer([201]);
    closers.push(server.close);
    const events = sampleEvents(2);
    await httpTransport({ url: `${server.url}/`, apiKey: 'secret-key' }).emit(events);
    expect(server.requests.map((r) => r.url)).toEqual(Array(4).fill('/api/v1/lineage'));
    expect(server.requests.map((r) => r.body)).toEqual(events);
    expect(server.requests[0]!.auth).toBe('Bearer secret-key');
  });

  it('retries 503 answers with backoff until the server accepts', async () => {
    const server = await lineageServer([503, 503, 201]);
    closers.push(server.close);
    const retries: number[] = [];
    await httpTransport({ url: server.url, backoffMs: 5, onRetry: (r) => retries.push(r.attempt) }).emit(
      sampleEvents(1).slice(0, 1),
    );
    expect(server.requests).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
  });

  it('does not retry a 400 and reports it as invalid_input with the answer', async () => {
    const server = await lineageServer([400]);
    closers.push(server.close);
    const error = await httpTransport({ url: server.url, backoffMs: 1 })
      .emit(sampleEvents(1))
      .catch((e: unknown) => e);
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    expect((error as Error).message).toMatch(/HTTP 400/);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after the retries with unavailable', async () => {
    const server = await lineageServer([500]);
    closers.push(server.close);
    const error = await httpTransport({ url: server.url, retries: 2, backoffMs: 1 })
      .emit(sampleEvents(1))
      .catch((e: unknown) => e);
    expect(isPipetraceError(error, 'unavailable')).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('retries when nothing listens yet, and delivers once the server is up', async () => {
    const probe = await lineageServer([201]);
    const port = new URL(probe.url).port;
    await probe.close();
    let server: Server | undefined;
    const received: unknown[] = [];
    const transport = httpTransport({
      url: `http://127.0.0.1:${port}`,
      backoffMs: 20,
      retries: 8,
      onRetry: ({ attempt }) => {
        if (attempt === 2) {
          server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
              received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
              res.writeHead(201).end();
            });
          }).listen(Number(port), '127.0.0.1');
        }
      },
    });
    const [event] = sampleEvents(1);
    await transport.emit([event!]);
    closers.push(() => new Promise<void>((r) => server!.close(() => r())));
    expect(received).toEqual([event]);
  });

  it('posts arrays of up to batchSize events when asked', async () => {
    const server = await lineageServer([200]);
    closers.push(server.close);
    await httpTransport({ url: server.url, batchSize: 3 }).emit(sampleEvents(2));
    expect(server.requests.map((r) => (r.body as unknown[]).length)).toEqual([3, 1]);
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => httpTransport({ url: 'file:///etc/passwd' })).toThrow(/http/);
  });
});

describe('file and console transports', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends events as NDJSON lines that read back as the same events', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pt-ol-'));
    const path = join(dir, 'nested', 'events.ndjson');
    const transport = fileTransport(path);
    const events = sampleEvents(3);
    await transport.emit(events.slice(0, 2));
    await transport.emit(events.slice(2));
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(7);
    expect(await readEventsFile(path)).toEqual(events);
  });

  it('reads a JSON array file, and names the line of bad NDJSON', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pt-ol-'));
    const path = join(dir, 'events.json');
    const events = sampleEvents(1);
    await writeFile(path, JSON.stringify(events, null, 2));
    expect(await readEventsFile(path)).toEqual(events);
    expect(() => parseEventsText('{"a":1}\n\n{oops}\n', 'f.ndjson')).toThrow(/f\.ndjson:3/);
    expect(parseEventsText(JSON.stringify(events[0], null, 2))).toEqual([events[0]]);
  });

  it('prints one JSON line per event to the console transport', async () => {
    const lines: string[] = [];
    await consoleTransport({ write: (l) => lines.push(l) }).emit(sampleEvents(1));
    expect(lines.map((l) => JSON.parse(l).eventType)).toEqual(['START', 'COMPLETE']);
  });
});

describe('emitting store', () => {
  it('emits START and COMPLETE for each run as runs are logged, in commit order', async () => {
    const sent: LineageEvent[] = [];
    const transport: Transport = { emit: async (events) => void sent.push(...events) };
    const store = emittingStore(memoryStore(), transport);
    const pt = createPipetrace({ store });
    const a = await pt.logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1, outputs: ['/a.csv'] });
    const b = await pt.logRun({
      component: 'train',
      startedAt: T0 + 2,
      endedAt: T0 + 3,
      inputs: ['/a.csv'],
      error: new Error('x'),
    });
    await store.flush();
    expect(
      sent.map((e) => [(e as { eventType: string }).eventType, (e as { job: { name: string } }).job.name]),
    ).toEqual([
      ['START', 'load'],
      ['COMPLETE', 'load'],
      ['START', 'train'],
      ['FAIL', 'train'],
    ]);
    expect((sent[0] as { run: { runId: string } }).run.runId).toBe(a.id);
    expect((sent[3] as { run: { runId: string } }).run.runId).toBe(b.id);
  });

  it('keeps logging when the transport fails, and flush rejects with the undelivered count', async () => {
    const failures: unknown[] = [];
    const store = emittingStore(
      memoryStore(),
      { emit: async () => Promise.reject(new Error('down')) },
      { onError: (e) => failures.push(e) },
    );
    const pt = createPipetrace({ store });
    const run = await pt.logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await pt.logRun({ component: 'load', startedAt: T0 + 2, endedAt: T0 + 3 });
    await expect(store.flush()).rejects.toMatchObject({ code: 'unavailable', message: /4 events \(2 runs\)/ });
    expect(await pt.inspect(run.id)).toEqual(run);
    expect(failures).toHaveLength(2);
    // Reported once: the next flush answers for what was queued since.
    await expect(store.flush()).resolves.toEqual({ sent: 0, failed: 0 });
  });

  it('rejects flush when a real lineage server refuses the token (401) or is not there', async () => {
    const server = await lineageServer([401]);
    closers.push(server.close);
    const refused = emittingStore(memoryStore(), httpTransport({ url: server.url, token: 'wrong-token' }), {
      onError: () => {},
    });
    await createPipetrace({ store: refused }).logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await expect(refused.flush()).rejects.toMatchObject({
      code: 'unavailable',
      details: expect.objectContaining({ undelivered: 2 }),
    });
    expect(server.requests[0]!.auth).toBe('Bearer wrong-token');
    await server.close();
    closers.pop();
    const gone = emittingStore(memoryStore(), httpTransport({ url: server.url, retries: 0 }), { onError: () => {} });
    await createPipetrace({ store: gone }).logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await expect(gone.flush()).rejects.toMatchObject({
      code: 'unavailable',
      details: expect.objectContaining({ undelivered: 2 }),
    });
  });

  it('resolves flush with the events sent when all were delivered', async () => {
    const sent: LineageEvent[] = [];
    const store = emittingStore(memoryStore(), { emit: async (events) => void sent.push(...events) });
    await createPipetrace({ store }).logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await expect(store.flush()).resolves.toEqual({ sent: 2, failed: 0 });
  });

  it('keeps undelivered events in a bounded dead-letter buffer, with a hook, and can send them again', async () => {
    let up = false;
    const sent: LineageEvent[] = [];
    const letters: number[] = [];
    const store = emittingStore(
      memoryStore(),
      {
        emit: async (events) => {
          if (!up) throw new Error('down');
          sent.push(...events);
        },
      },
      { onError: () => {}, deadLetterLimit: 4, onDeadLetter: (letter) => letters.push(letter.events.length) },
    );
    const pt = createPipetrace({ store });
    for (let i = 0; i < 3; i++) await pt.logRun({ component: 'load', startedAt: T0 + i, endedAt: T0 + i + 1 });
    await expect(store.flush()).rejects.toMatchObject({
      details: { undelivered: 6, dropped: 2 },
      message: /2 dropped/,
    });
    expect(letters).toEqual([2, 2, 2]);
    // The oldest letter went out of the buffer to stay within 4 events.
    expect(store.deadLetters().map((l) => l.runs[0]!.startedAt)).toEqual([T0 + 1, T0 + 2]);
    up = true;
    await expect(store.redeliver()).resolves.toEqual({ sent: 4, failed: 0 });
    expect(sent.map((e) => (e as { eventType: string }).eventType)).toEqual(['START', 'COMPLETE', 'START', 'COMPLETE']);
    expect(store.deadLetters()).toEqual([]);
  });
});

describe('emitOnLog', () => {
  it('emits the runs any writer logs to a live store, until stopped', async () => {
    const sent: LineageEvent[] = [];
    const pt = createPipetrace({ store: memoryStore() });
    const live = emitOnLog(pt, { emit: async (events) => void sent.push(...events) });
    await pt.logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await live.flush();
    expect(sent.map((e) => (e as { eventType: string }).eventType)).toEqual(['START', 'COMPLETE']);
    live.stop();
    await pt.logRun({ component: 'load', startedAt: T0 + 2, endedAt: T0 + 3 });
    await live.flush();
    expect(sent).toHaveLength(2);
  });

  it('rejects flush when the transport failed', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const live = emitOnLog(pt, { emit: async () => Promise.reject(new Error('down')) }, { onError: () => {} });
    await pt.logRun({ component: 'load', startedAt: T0, endedAt: T0 + 1 });
    await expect(live.flush()).rejects.toMatchObject({
      code: 'unavailable',
      details: expect.objectContaining({ undelivered: 2 }),
    });
    live.stop();
  });

  it('refuses a store that is not live', () => {
    const store = Object.assign(Object.create(memoryStore()), { subscribe: undefined, kind: 'dead' });
    expect(() => emitOnLog(store, consoleTransport())).toThrow(/not live/);
  });
});
