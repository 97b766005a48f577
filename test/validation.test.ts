import { describe, expect, it } from 'vitest';
import { createPipetrace, isPipetraceError, PipetraceError } from '../src/index.js';
import { setup, storeSnapshot, T0 } from './helpers.js';

const BAD_NAMES: [string, unknown][] = [
  ['an empty name', ''],
  ['a non-string name', 42],
  ['null', null],
  ['an enormous name', 'x'.repeat(100_000)],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['a NUL byte', 'a\u0000b'],
  ['a control character', 'tab\there'],
  ['surrounding white space', ' clean '],
];

/** Runs `call` against a store holding one pipeline and checks it fails with `code`, changing nothing. */
async function rejectsAndChangesNothing(call: (pt: ReturnType<typeof setup>['pt']) => unknown, code = 'invalid_input') {
  const { pt, store } = setup();
  const run = await pt.logRun({
    component: 'train',
    startedAt: T0,
    endedAt: T0 + 1,
    inputs: ['f'],
    outputs: ['m.pkl'],
  });
  await pt.flag('m.pkl');
  const before = await storeSnapshot(store);
  let error: unknown;
  try {
    await call(pt);
  } catch (e) {
    error = e;
  }
  expect(isPipetraceError(error, code as never), `expected a ${code} error, got ${String(error)}`).toBe(true);
  expect((error as PipetraceError).message.length).toBeGreaterThan(10);
  expect(await storeSnapshot(store)).toEqual(before);
  return { error: error as PipetraceError, run };
}

describe('bad input gets a typed error and changes nothing', () => {
  for (const [what, name] of BAD_NAMES) {
    it(`rejects ${what} as a component name`, async () => {
      const { error } = await rejectsAndChangesNothing((pt) => pt.component(name as string));
      expect(error.field).toBe('component');
    });

    it(`rejects ${what} as a pointer in a logged run`, async () => {
      const { error } = await rejectsAndChangesNothing((pt) =>
        pt.logRun({ component: 'x', startedAt: T0, endedAt: T0, inputs: ['ok', name as string] }),
      );
      expect(error.field).toBe('runs[0].inputs[1]');
    });
  }

  it('rejects invalid dates, naming the field', async () => {
    for (const startedAt of ['not a date', Number.NaN, new Date('nope'), 1e20, {}]) {
      const { error } = await rejectsAndChangesNothing((pt) =>
        pt.logRun({ component: 'x', startedAt: startedAt as never, endedAt: T0 }),
      );
      expect(error.field).toBe('runs[0].startedAt');
    }
  });

  it('rejects an end before the start', async () => {
    const { error } = await rejectsAndChangesNothing((pt) =>
      pt.logRun({ component: 'x', startedAt: T0, endedAt: T0 - 1 }),
    );
    expect(error.message).toMatch(/endedAt: is before startedAt/);
  });

  it('rejects non-JSON params, naming the path', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [unknown, string][] = [
      [{ f: () => 1 }, 'runs[0].params.f'],
      [{ n: Number.POSITIVE_INFINITY }, 'runs[0].params.n'],
      [{ d: new Date() }, 'runs[0].params.d'],
      [{ deep: { m: new Map() } }, 'runs[0].params.deep.m'],
      [{ big: 10n }, 'runs[0].params.big'],
      [{ c: cyclic }, 'runs[0].params.c.self'],
      [JSON.parse('{"__proto__": 1}'), 'runs[0].params key'],
      [{ undef: undefined }, 'runs[0].params.undef'],
    ];
    for (const [params, field] of cases) {
      const { error } = await rejectsAndChangesNothing((pt) =>
        pt.logRun({ component: 'x', startedAt: T0, endedAt: T0, params: params as never }),
      );
      expect(error.field).toBe(field);
    }
  });

  it('limits params to 256 KB per run, not per key', async () => {
    const params = { a: 'x'.repeat(100_000), b: 'x'.repeat(100_000), c: 'x'.repeat(100_000) };
    const { error } = await rejectsAndChangesNothing((pt) =>
      pt.logRun({ component: 'x', startedAt: T0, endedAt: T0, params }),
    );
    expect(error.field).toBe('runs[0].params');
    expect(error.message).toMatch(/262144 bytes/);
    await rejectsAndChangesNothing((pt) => pt.startRun('x').setParams(params).end());
  });

  it('accepts only ISO 8601 date strings', async () => {
    for (const startedAt of ['foo 3', 'March 1, 2001', '3/1/2001', '2001-03-01 garbage', '2001-13-01']) {
      const { error } = await rejectsAndChangesNothing((pt) =>
        pt.logRun({ component: 'x', startedAt: startedAt as never, endedAt: T0 }),
      );
      expect(error.field).toBe('runs[0].startedAt');
    }
    const { pt } = setup();
    const ok = ['2001-03-01', '2001-03-01T10:20Z', '2001-03-01T10:20:30.123+02:00', '2001-03-01T10:20:30Z'];
    for (const startedAt of ok) {
      const run = await pt.logRun({ component: 'x', startedAt, endedAt: '2030-01-01T00:00:00Z' });
      expect(run.startedAt).toBe(Date.parse(startedAt));
    }
  });

  it('rejects non-finite metrics', async () => {
    await rejectsAndChangesNothing((pt) =>
      pt.logRun({ component: 'x', startedAt: T0, endedAt: T0, metrics: { loss: Number.NaN } }),
    );
    await rejectsAndChangesNothing((pt) => pt.startRun('x').metric('loss', Number.NaN));
  });

  it('stores no run of a batch when one run in it is bad', async () => {
    await rejectsAndChangesNothing((pt) =>
      pt.logRuns([
        { component: 'ok', startedAt: T0, endedAt: T0 },
        { component: 'ok', startedAt: T0, endedAt: 'never' },
      ]),
    );
    await rejectsAndChangesNothing(
      (pt) =>
        pt.logRuns([
          { id: 'same', component: 'ok', startedAt: T0, endedAt: T0 },
          { id: 'same', component: 'ok', startedAt: T0, endedAt: T0 },
        ]),
      'conflict',
    );
  });

  it('rejects unknown run ids and bad query options', async () => {
    await rejectsAndChangesNothing((pt) => pt.inspect('unknown-run'), 'not_found');
    await rejectsAndChangesNothing((pt) => pt.addNote('unknown-run', 'hi'), 'not_found');
    await rejectsAndChangesNothing((pt) => pt.history('train', { limit: -1 }));
    await rejectsAndChangesNothing((pt) => pt.history('train', { cursor: 'garbage' }));
    await rejectsAndChangesNothing((pt) => pt.history('train', { since: 'yesterday-ish' }));
    await rejectsAndChangesNothing((pt) => pt.recent(0));
    await rejectsAndChangesNothing((pt) => pt.trace('m.pkl', { depth: -1 }));
    await rejectsAndChangesNothing((pt) => pt.trace({} as never));
    await rejectsAndChangesNothing((pt) => pt.review({ method: 'magic' as never }));
    await rejectsAndChangesNothing((pt) => pt.staleness('m.pkl', { maxFresherRuns: 0 }));
    await rejectsAndChangesNothing((pt) => pt.setPointerType('m.pkl', 'table' as never));
  });

  it('rejects bad values on a run handle and leaves the handle as it was', async () => {
    const { pt } = setup();
    const run = pt.startRun('x');
    run.addInputs('a');
    expect(() => run.addInputs(['b', '__proto__'])).toThrow(PipetraceError);
    expect(() => run.param('k', { nested: Symbol('s') } as never)).toThrow(/params.k.nested/);
    expect(() => run.setParams({ ok: 1, bad: Number.NaN })).toThrow(/params.bad/);
    expect(() => run.note(42 as never)).toThrow(/note/);
    const stored = await run.end();
    expect(stored.inputs).toEqual(['a']);
    expect(stored.params).toEqual({});
  });

  it('rejects a missing store and a bad code version', () => {
    expect(() => createPipetrace({} as never)).toThrow(/options.store/);
    const { store } = setup();
    expect(() => createPipetrace({ store, codeVersion: { dirty: 'yes' } as never })).toThrow(/codeVersion.dirty/);
  });
});
