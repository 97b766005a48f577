import { describe, expect, it } from 'vitest';
import { isPipetraceError } from '../src/index.js';
import { setup, T0 } from './helpers.js';

describe('explicit runs', () => {
  it('stores nothing until the run ends, then stores it whole', async () => {
    const { pt, store, clock } = setup();
    const run = pt.startRun('clean', { inputs: 'raw.csv' });
    run.addInputs(['raw.csv', 'lookup.csv']).addOutputs('clean.csv').addOutputs(['clean.csv']);
    run
      .note('dropped 3 rows')
      .param('threshold', 0.5)
      .setParams({ mode: 'strict', cols: ['a', 'b'] });
    run.metric('rows', 997).setMetrics({ dropped: 3 });
    expect((await store.scanRuns({})).runs).toEqual([]);
    expect(run.status).toBe('running');
    clock.t += 250;
    const stored = await run.end();
    expect(stored).toMatchObject({
      id: run.id,
      component: 'clean',
      startedAt: T0,
      endedAt: T0 + 250,
      status: 'succeeded',
      inputs: ['raw.csv', 'lookup.csv'],
      outputs: ['clean.csv'],
      notes: [{ at: T0, text: 'dropped 3 rows' }],
      params: { threshold: 0.5, mode: 'strict', cols: ['a', 'b'] },
      metrics: { rows: 997, dropped: 3 },
    });
    expect(await pt.inspect(run.id)).toEqual(stored);
    expect(run.status).toBe('succeeded');
  });

  it('collapses duplicate inputs and outputs in long lists too, keeping the order first added', async () => {
    const { pt } = setup();
    const names = Array.from({ length: 100 }, (_, i) => `part-${i % 40}`);
    const run = pt.startRun('merge').addInputs(names).addInputs(['part-0', 'extra', 'extra']);
    run.addOutputs(['out', 'out']).addOutputs('out');
    const stored = await run.end();
    expect(stored.inputs).toEqual([...Array.from({ length: 40 }, (_, i) => `part-${i}`), 'extra']);
    expect(stored.outputs).toEqual(['out']);
    const error = (() => {
      try {
        pt.startRun('merge').addInputs(['ok', 'ok', 42 as unknown as string]);
      } catch (e) {
        return e;
      }
    })();
    expect(isPipetraceError(error) && error.field).toBe('inputs[2]');
  });

  it('records a failed run with its error', async () => {
    const { pt } = setup();
    const run = pt.startRun('train');
    const stored = await run.fail(new RangeError('learning rate too high'));
    expect(stored.status).toBe('failed');
    expect(stored.error).toMatchObject({ name: 'RangeError', message: 'learning rate too high' });
    expect(stored.error?.stack).toContain('RangeError');
  });

  it('refuses to end a run twice and keeps the first result', async () => {
    const { pt } = setup();
    const run = pt.startRun('train');
    const first = await run.end();
    await expect(run.end()).rejects.toMatchObject({ code: 'conflict' });
    await expect(run.fail(new Error('late'))).rejects.toMatchObject({ code: 'conflict' });
    expect(() => run.addOutputs('x')).toThrow(/already ended/);
    expect(await pt.inspect(run.id)).toEqual(first);
  });

  it('refuses an end time before the start and leaves the run open', async () => {
    const { pt, store } = setup();
    const run = pt.startRun('train', { startedAt: T0 });
    await expect(run.end({ endedAt: T0 - 1 })).rejects.toMatchObject({ code: 'invalid_input', field: 'endedAt' });
    expect(run.status).toBe('running');
    expect((await store.scanRuns({})).runs).toEqual([]);
    await run.end({ endedAt: T0 + 5 });
    expect((await pt.inspect(run.id)).endedAt).toBe(T0 + 5);
  });

  it('gives time-sortable ids in the order runs start', async () => {
    const { pt, clock } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(pt.startRun('x').id);
      if (i % 10 === 0) clock.t += 1;
    }
    expect(ids.slice().sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('adds notes to a stored run', async () => {
    const { pt, clock } = setup();
    const run = await pt.startRun('train').end();
    clock.t += 10;
    const noted = await pt.addNote(run.id, 'looks off on Mondays');
    expect(noted.notes).toEqual([{ at: T0 + 10, text: 'looks off on Mondays' }]);
    expect((await pt.inspect(run.id)).notes).toHaveLength(1);
  });

  it('records the code version given to pipetrace unless the run sets its own', async () => {
    const { store } = setup();
    const { createPipetrace } = await import('../src/index.js');
    const pt = createPipetrace({ store, codeVersion: { commit: 'abc1234', dirty: true } });
    const a = await pt.startRun('train').end();
    const b = await pt.startRun('train', { code: { commit: 'def5678' } }).end();
    expect(a.code).toEqual({ commit: 'abc1234', dirty: true });
    expect(b.code).toEqual({ commit: 'def5678' });
  });
});

describe('wrapped functions', () => {
  it('logs a synchronous call with inputs from argument properties and outputs from the result', async () => {
    const { pt } = setup();
    const clean = pt.wrap(
      'clean',
      ({ source }: { source: string; limit: number }) => ({ out: `${source}.clean`, rows: 3 }),
      { inputs: ['source'], outputs: ['out'], params: (a) => ({ limit: a.limit }) },
    );
    const result: { out: string; rows: number } = clean({ source: 'raw.csv', limit: 7 });
    expect(result).toEqual({ out: 'raw.csv.clean', rows: 3 });
    await pt.flush();
    const [run] = await pt.recent(1);
    expect(run).toMatchObject({
      component: 'clean',
      inputs: ['raw.csv'],
      outputs: ['raw.csv.clean'],
      params: { limit: 7 },
      status: 'succeeded',
    });
  });

  it('logs an async call after it resolves, with selector functions and positional inputs', async () => {
    const { pt } = setup();
    const train = pt.wrap(
      'train',
      async (features: string, _labels: string) => {
        await new Promise((r) => setTimeout(r, 5));
        return [`model-${features}.pkl`, 'report.html'] as const;
      },
      { inputs: [0, 1], outputs: (result) => [result[0]] },
    );
    const out = await train('f.parquet', 'y.parquet');
    expect(out[0]).toBe('model-f.parquet.pkl');
    const [run] = await pt.recent(1);
    expect(run).toMatchObject({ inputs: ['f.parquet', 'y.parquet'], outputs: ['model-f.parquet.pkl'] });
  });

  it('logs a throwing function as a failed run and rethrows the same error', async () => {
    const { pt } = setup();
    const boom = new Error('bad row 17');
    const sync = pt.wrap(
      'clean',
      (_p: string) => {
        throw boom;
      },
      { inputs: [0] },
    );
    expect(() => sync('raw.csv')).toThrow(boom);
    const asyncFn = pt.wrap('train', async () => {
      throw new TypeError('nan loss');
    });
    await expect(asyncFn()).rejects.toThrow('nan loss');
    await pt.flush();
    const runs = await pt.recent(5);
    expect(runs.map((r) => [r.component, r.status, r.error?.message])).toEqual(
      expect.arrayContaining([
        ['clean', 'failed', 'bad row 17'],
        ['train', 'failed', 'nan loss'],
      ]),
    );
    expect(runs.find((r) => r.component === 'clean')?.inputs).toEqual(['raw.csv']);
  });

  it('rejects a selector that picks something other than pointer names', async () => {
    const { pt } = setup();
    const f = pt.wrap('x', (_n: number) => 1, { inputs: [0] });
    expect(() => f(42)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    const g = pt.wrap('x', (_o: { a: string }) => 1, { inputs: ['missing'] });
    try {
      g({ a: 'p' });
      expect.unreachable();
    } catch (e) {
      expect(isPipetraceError(e, 'invalid_input')).toBe(true);
    }
  });
});

describe('history, recent and inspect', () => {
  it('pages a history whose runs start in the same millisecond without repeats or gaps', async () => {
    const { pt } = setup();
    const logged = await pt.logRuns(
      Array.from({ length: 30 }, (_, i) => ({ component: 'etl', startedAt: T0 + (i < 20 ? 0 : i), endedAt: T0 + 100 })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await pt.history('etl', { limit: 7, cursor });
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(seen).toHaveLength(30);
    expect(new Set(seen)).toEqual(new Set(logged.map((r) => r.id)));
    const again = await pt.history('etl', { since: T0 + 25, until: T0 + 28 });
    expect(again.runs.map((r) => r.startedAt)).toEqual([T0 + 27, T0 + 26, T0 + 25]);
  });

  it('lists recent runs of all components newest first', async () => {
    const { pt } = setup();
    await pt.logRun({ component: 'a', startedAt: T0 + 1, endedAt: T0 + 2 });
    await pt.logRun({ component: 'b', startedAt: T0 + 3, endedAt: T0 + 4 });
    await pt.logRun({ component: 'a', startedAt: T0 + 2, endedAt: T0 + 9 });
    expect((await pt.recent(2)).map((r) => r.startedAt)).toEqual([T0 + 3, T0 + 2]);
  });

  it('says not found for an unknown run or component', async () => {
    const { pt } = setup();
    await expect(pt.inspect('nope')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('nope'),
    });
    await expect(pt.history('nobody')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('pointers and flags', () => {
  it('infers pointer types from names and lets a person override them', async () => {
    const { pt } = setup();
    const names = ['models/rf.pkl', 'https://api.example.com/predict', 's3://bucket/rides.parquet', 'raw.csv', 'thing'];
    // A pointer no run read or wrote is not found; these five were read once.
    await expect(pt.pointer('thing')).rejects.toMatchObject({ code: 'not_found' });
    await pt.logRun({ component: 'reader', startedAt: T0, endedAt: T0 + 1, inputs: names });
    const types = await Promise.all(
      ['models/rf.pkl', 'https://api.example.com/predict', 's3://bucket/rides.parquet', 'raw.csv', 'thing'].map(
        async (n) => (await pt.pointer(n)).type,
      ),
    );
    expect(types).toEqual(['model', 'endpoint', 'data', 'data', 'unknown']);
    expect((await pt.setPointerType('thing', 'model')).type).toBe('model');
    expect((await pt.pointer('thing')).type).toBe('model');
  });

  it('flags, unflags and lists flagged pointers', async () => {
    const { pt } = setup();
    await pt.logRun({
      component: 'infer',
      startedAt: T0,
      endedAt: T0 + 1,
      inputs: ['m.pkl'],
      outputs: ['p1', 'p2', 'p3'],
    });
    await pt.flag('p1');
    await pt.flag('p3');
    await pt.flag('m.pkl');
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['m.pkl', 'p1', 'p3']);
    await pt.unflag('p1');
    expect((await pt.pointer('p1')).flagged).toBe(false);
    expect(await pt.unflagAll()).toBe(2);
    expect(await pt.flagged()).toEqual([]);
  });

  it('refuses to flag a pointer no run has read or written', async () => {
    const { pt, store } = setup();
    await expect(pt.flag('typo.csv')).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.scanPointers()).toEqual([]);
  });
});

describe('code versions of logged runs', () => {
  it('uses the default code version unless a run gives its own or null for none', async () => {
    const { store } = setup();
    const { createPipetrace } = await import('../src/index.js');
    const pt = createPipetrace({ store, codeVersion: { commit: 'local' } });
    const [a, b, c] = await pt.logRuns([
      { component: 'x', startedAt: T0, endedAt: T0 },
      { component: 'x', startedAt: T0, endedAt: T0, code: { commit: 'theirs' } },
      { component: 'x', startedAt: T0, endedAt: T0, code: null },
    ]);
    expect([a?.code, b?.code, c?.code]).toEqual([{ commit: 'local' }, { commit: 'theirs' }, undefined]);
  });
});

describe('the first run in a process', () => {
  it("does not time pipetrace's start-up: the code version is read before the run starts", async () => {
    const { store } = setup();
    const { createPipetrace } = await import('../src/index.js');
    let t = T0;
    // The first code version costs 58 ms (git calls in Node); the run itself takes none.
    const pt = createPipetrace({
      store,
      now: () => t,
      codeVersion: () => {
        t += 58;
        return { commit: 'abc' };
      },
    });
    const run = await pt.startRun('first').end();
    expect(run.endedAt - run.startedAt).toBe(0);
    expect(run.code).toEqual({ commit: 'abc' });
  });
});
