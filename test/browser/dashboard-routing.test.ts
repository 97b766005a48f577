/**
 * The dashboard's pure parts in Node: hash routes round-trip any name, the command bar parses
 * the CLI's verbs, and the row lineage route answers over real HTTP with typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCandidates, dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer } from '../../adapters/http/server.js';
import { memoryStore } from '../../adapters/memory.js';
import { httpApi } from '../../dashboard/api.js';
import { parseCommand } from '../../dashboard/commands.js';
import { formatView, parseView, type View } from '../../dashboard/hash-router.js';
import { logSamplePipeline, type SampleResult } from '../../dashboard/sample.js';
import { createPipetrace } from '../../src/index.js';

describe('a pointer version in the command bar', () => {
  it('reads POINTER@DAY and POINTER --at DATE, and leaves an @ that is no date in the name', () => {
    expect(parseCommand('trace models/m.pkl@2026-12-02')).toEqual({
      kind: 'open',
      view: { view: 'trace', pointer: 'models/m.pkl', at: '2026-12-02' },
    });
    expect(parseCommand('trace models/m.pkl --at 2026-12-02T10:00:00Z')).toEqual({
      kind: 'open',
      view: { view: 'trace', pointer: 'models/m.pkl', at: '2026-12-02T10:00:00Z' },
    });
    expect(parseCommand('trace user@example.com')).toEqual({
      kind: 'open',
      view: { view: 'trace', pointer: 'user@example.com' },
    });
    expect(parseCommand('trace m --at never').kind).toBe('error');
  });
});

describe('hash routes', () => {
  const hostile = 'a/b?c=d#e f&%2F..\u00e9<script>';
  const views: View[] = [
    { view: 'recent' },
    { view: 'history', component: hostile, since: '2026-01-01', until: '2026-02-01' },
    { view: 'run', id: hostile },
    { view: 'trace', pointer: hostile, open: 'run-1' },
    { view: 'trace-run', run: hostile },
    { view: 'review', method: 'tarantula' },
    { view: 'flagged' },
    { view: 'rows', pointer: hostile, key: '["a",1]', direction: 'forward' },
    { view: 'retractions' },
    { view: 'retraction', label: `customer:${hostile}` },
    { view: 'monitor', pointer: hostile, column: hostile, task: hostile, metric: 'mae', window: '1d' },
  ];
  for (const v of views) {
    it(`round-trips the ${v.view} view with a name holding / ? # & and markup`, () => {
      const hash = formatView(v);
      expect(hash.startsWith('#/')).toBe(true);
      expect(hash.slice(1)).not.toMatch(/#/);
      expect(parseView(hash)).toEqual(JSON.parse(JSON.stringify(v)));
    });
  }

  it('falls back to the recent view for unknown, empty or malformed hashes', () => {
    for (const hash of ['', '#', '#/nope', '#/run/%E0%A4%A', '#/run/', '#/trace/a/b']) {
      expect(parseView(hash)).toEqual({ view: 'recent' });
    }
    expect(parseView('#/review?method=__proto__')).toEqual({ view: 'review', method: undefined });
  });
});

describe('the command bar', () => {
  it('opens views for the read commands, keeping spaces inside pointers', () => {
    expect(parseCommand('trace data/my file.csv')).toEqual({
      kind: 'open',
      view: { view: 'trace', pointer: 'data/my file.csv' },
    });
    expect(parseCommand('  history train 2026-01-01 ')).toEqual({
      kind: 'open',
      view: { view: 'history', component: 'train', since: '2026-01-01', until: undefined },
    });
    expect(parseCommand('inspect 019b-x')).toEqual({ kind: 'open', view: { view: 'run', id: '019b-x' } });
    expect(parseCommand('REVIEW coverage')).toEqual({ kind: 'open', view: { view: 'review', method: 'coverage' } });
    expect(parseCommand('')).toEqual({ kind: 'open', view: { view: 'recent' } });
  });

  it('turns row commands into JSON keys: JSON stays, a bare word becomes a string', () => {
    expect(parseCommand('row preds/a b.csv 42')).toEqual({
      kind: 'open',
      view: { view: 'rows', pointer: 'preds/a b.csv', key: '42', direction: 'backward' },
    });
    expect(parseCommand('impact raw.csv ride-7')).toEqual({
      kind: 'open',
      view: { view: 'rows', pointer: 'raw.csv', key: '"ride-7"', direction: 'forward' },
    });
  });

  it('parses writes, and names what is missing or unknown', () => {
    expect(parseCommand('flag predictions/1')).toEqual({ kind: 'flag', pointer: 'predictions/1' });
    expect(parseCommand('unflag predictions/1')).toEqual({ kind: 'unflag', pointer: 'predictions/1' });
    expect(parseCommand('tag train ml prod')).toEqual({ kind: 'tag', component: 'train', tags: ['ml', 'prod'] });
    expect(parseCommand('flag')).toEqual({ kind: 'error', message: 'flag: give a pointer' });
    expect(parseCommand('review best')).toMatchObject({ kind: 'error', message: expect.stringMatching(/ochiai/) });
    expect(parseCommand('drop table')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/unknown command "drop"/),
    });
  });
});

describe('the row lineage route', () => {
  let server: PipetraceServer;
  let sample: SampleResult;
  beforeAll(async () => {
    const store = memoryStore();
    sample = await logSamplePipeline(createPipetrace({ store }), { days: 1, batches: 1 });
    server = createServer({ store, routes: dashboardRoutes() });
    await server.listen(0, '127.0.0.1');
  });
  afterAll(() => server.close());

  it('walks a prediction row back to the clean row it came from', async () => {
    const api = httpApi({ url: server.url });
    const trace = await api.traceRow(sample.predictions, sample.rowKey);
    expect(trace.steps[0]?.run.component).toBe('infer');
    const link = trace.steps[0]?.links.find((l) => l.kind === 'map');
    expect(link?.rows[0]?.key).toMatch(/^ride-/);
  });

  it('walks a raw row forward to the outputs it reached', async () => {
    const api = httpApi({ url: server.url });
    const back = await api.traceRow(sample.predictions, sample.rowKey);
    const clean = back.steps[0]?.links.find((l) => l.kind === 'map');
    const forward = await api.impact(clean!.pointer, clean!.rows[0]!.key!);
    expect(forward.direction).toBe('forward');
    expect(JSON.stringify(forward)).toContain(sample.predictions);
  });

  it('answers 400 for a key that is not JSON or a parameter it does not know, and 404 for a pointer no run wrote or read', async () => {
    const get = (q: string) => fetch(`${server.url}/api/v1/rows/trace?${q}`);
    const p = encodeURIComponent(sample.predictions);
    expect((await get(`pointer=${p}&key=not-json`)).status).toBe(400);
    expect((await get(`pointer=${p}&key=1&direction=sideways`)).status).toBe(400);
    expect((await get(`pointer=${p}`)).status).toBe(400);
    expect((await get(`pointer=${p}&key=1&key=2`)).status).toBe(400);
    await expect(httpApi({ url: server.url }).traceRow('never/written.csv', 1)).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    });
    const objectKey = await get(`pointer=x&key=${encodeURIComponent('{"__proto__": 1}')}`);
    expect(objectKey.status).toBe(400);
    expect(((await objectKey.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
  });

  it('answers row queries from a server without the dashboard routes too (they are query routes)', async () => {
    const bare = createServer({ store: memoryStore() });
    await bare.listen(0, '127.0.0.1');
    try {
      const answer = await fetch(`${bare.url}/api/v1/rows/impact?pointer=never%2Fwritten.csv&key=%22a%22`);
      // The route is there (not a 404 for the path): the pointer is what is not found.
      expect(answer.status).toBe(404);
      expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('never/written.csv');
    } finally {
      await bare.close();
    }
  });
});

describe('finding the bundle', () => {
  it('looks beside a bundled server, inside dist/dashboard, and in a repo dist/', () => {
    expect(bundleCandidates('/pkg/dist')).toContain('/pkg/dist/dashboard/pipetrace-dashboard.js');
    expect(bundleCandidates('/pkg/dist/dashboard')).toContain('/pkg/dist/dashboard/pipetrace-dashboard.js');
    expect(bundleCandidates('/repo/adapters/http')).toContain('/repo/dist/dashboard/pipetrace-dashboard.js');
  });
});
