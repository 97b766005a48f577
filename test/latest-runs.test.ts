/**
 * latestRuns: the newest run of each component with its staleness, in one answer (what home
 * shows under "stale"). Known answers in the memory store and over HTTP; bad input is a typed
 * error, in the facade and at the route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { httpApi } from '../dashboard/api.js';
import { MAX_LATEST_COMPONENTS } from '../src/analysis/latest-runs.js';
import { createPipetrace, isPipetraceError, type Pipetrace, type Run } from '../src/index.js';
import { DAY, setup, T0 } from './helpers.js';

/** ingest -> clean -> train; ingest ran again later, and train's input is 45 days old at NOW. */
const NOW = T0 + 45 * DAY;
let pt: Pipetrace;
let runs: Record<'ingest1' | 'clean' | 'train' | 'ingest2', Run>;
let server: PipetraceServer;

beforeAll(async () => {
  const ctx = setup(NOW);
  pt = ctx.pt;
  const log = (component: string, day: number, inputs: string[], outputs: string[]) =>
    pt.logRun({ component, startedAt: T0 + day * DAY, endedAt: T0 + day * DAY + 1000, inputs, outputs });
  await pt.component('docs', { description: 'no runs yet' });
  const ingest1 = await log('ingest', 0, [], ['raw.csv']);
  const clean = await log('clean', 0.5, ['raw.csv'], ['clean.csv']);
  const train = await log('train', 40, ['clean.csv'], ['model.pkl']);
  const ingest2 = await log('ingest', 44, [], ['raw.csv']);
  runs = { ingest1, clean, train, ingest2 };
  server = createServer({ store: ctx.store, env: {}, pipetrace: pt });
  await server.listen(0, '127.0.0.1');
});

afterAll(() => server?.close());

describe('latestRuns in the memory store', () => {
  it('answers each component with runs, by name, with its newest run and that run staleness', async () => {
    const latest = await pt.latestRuns();
    expect(latest.map((l) => l.component)).toEqual(['clean', 'ingest', 'train']);
    expect(latest.map((l) => l.run.id)).toEqual([runs.clean.id, runs.ingest2.id, runs.train.id]);
    const [clean, ingest, train] = latest;
    // clean read raw.csv of day 0 (45 days ago) and ingest has run again since.
    expect(clean?.staleness).toMatchObject({ run: runs.clean.id, stale: true, checkedAt: NOW });
    expect(clean?.staleness.reasons.map((r) => r.kind)).toEqual(['old_dependency', 'fresher_runs']);
    expect(ingest?.staleness).toMatchObject({ stale: false, reasons: [] });
    // train read clean.csv, almost 44.5 days old (ageDays rounds down); clean has no newer run.
    expect(train?.staleness.reasons).toEqual([
      expect.objectContaining({ kind: 'old_dependency', dependency: runs.clean.id, ageDays: 44.4, maxAgeDays: 30 }),
    ]);
    // The same answer as one staleness call per run.
    for (const l of latest) expect(l.staleness).toEqual(await pt.staleness({ run: l.run.id }));
  });

  it('takes the staleness options, the first `limit` components by name, or the components named', async () => {
    const lenient = await pt.latestRuns({ maxAgeDays: 60, maxFresherRuns: 2 });
    expect(lenient.map((l) => l.staleness.stale)).toEqual([false, false, false]);
    const before = await pt.latestRuns({ now: T0 + 41 * DAY });
    expect(before.map((l) => [l.component, l.staleness.stale])).toEqual([
      ['clean', true],
      ['ingest', false],
      ['train', true],
    ]);
    // clean, docs (no run): two components asked, one answered.
    expect((await pt.latestRuns({ limit: 2 })).map((l) => l.component)).toEqual(['clean']);
    expect((await pt.latestRuns({ components: ['train', 'docs', 'clean'] })).map((l) => l.component)).toEqual([
      'clean',
      'train',
    ]);
    expect(await pt.latestRuns({ components: 'docs' as never })).toEqual([]);
  });

  it('uses the staleness defaults and clock given to pipetrace', async () => {
    const strict = createPipetrace({ store: pt.store, now: () => T0 + 44.5 * DAY, staleness: { maxAgeDays: 100 } });
    const latest = await strict.latestRuns({ components: ['train'] });
    expect(latest[0]?.staleness).toMatchObject({ stale: false, maxAgeDays: 100, checkedAt: T0 + 44.5 * DAY });
  });

  it('refuses bad options with invalid_input naming the option, and unknown components with not_found', async () => {
    const refused = async (options: unknown, field: string) => {
      const error = await pt.latestRuns(options as never).catch((e: unknown) => e);
      expect(isPipetraceError(error), JSON.stringify(options)).toBe(true);
      expect(error).toMatchObject({ code: 'invalid_input', field });
    };
    await refused({ limit: 0 }, 'limit');
    await refused({ limit: MAX_LATEST_COMPONENTS + 1 }, 'limit');
    await refused({ limit: 1.5 }, 'limit');
    await refused({ maxAgeDays: -1 }, 'maxAgeDays');
    await refused({ maxFresherRuns: 0 }, 'maxFresherRuns');
    await refused({ now: 'yesterday' }, 'now');
    await refused({ components: [] }, 'components');
    await refused({ components: [42] }, 'components[0]');
    await refused({ component: 'train' }, 'options.component');
    await refused('train', 'options');
    await expect(pt.latestRuns({ components: ['train', 'nope'] })).rejects.toMatchObject({
      code: 'not_found',
      details: { what: 'component', name: 'nope' },
    });
  });
});

describe('latestRuns over HTTP', () => {
  const get = async (query: string) => {
    const res = await fetch(`${server.url}/api/v1/latest-runs${query}`);
    return { status: res.status, body: (await res.json()) as { latest?: unknown; error?: Record<string, unknown> } };
  };
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

  it('answers GET /latest-runs as the facade does, wrapped as { latest }', async () => {
    const all = await get('');
    expect(all.status).toBe(200);
    expect(all.body.latest).toEqual(plain(await pt.latestRuns()));
    const some = await get(`?components=train&components=ingest&maxAgeDays=60&now=${NOW}`);
    expect(some.body.latest).toEqual(plain(await pt.latestRuns({ components: ['train', 'ingest'], maxAgeDays: 60 })));
    expect((some.body.latest as { component: string }[]).map((l) => l.component)).toEqual(['ingest', 'train']);
  });

  it('answers the dashboard client alike', async () => {
    const client = httpApi({ url: server.url });
    expect(await client.latestRuns({ limit: 3, now: NOW - DAY })).toEqual(
      await pt.latestRuns({ limit: 3, now: NOW - DAY }),
    );
  });

  it('answers bad parameters with 400 invalid_input naming them, unknown components with 404', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=many', 'limit'],
      [`?limit=${MAX_LATEST_COMPONENTS + 1}`, 'limit'],
      ['?maxAgeDays=-2', 'maxAgeDays'],
      ['?now=soon', 'now'],
      ['?component=train', 'component'],
    ] as const) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toMatchObject({ code: 'invalid_input', field });
    }
    const missing = await get('?components=nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found' });
    await expect(httpApi({ url: server.url }).latestRuns({ limit: 0 })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'limit',
    });
  });
});
