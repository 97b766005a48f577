import { describe, expect, it } from 'vitest';
import { CheckFailedError, type CheckResult, fail, isPipetraceError, pass, type Run } from '../src/index.js';
import { DAY, setup, storeSnapshot, T0 } from './helpers.js';

type Fares = { fares: (number | null)[]; out: string };

async function onlyRun(pt: ReturnType<typeof setup>['pt']): Promise<Run> {
  await pt.flush();
  const [run, ...rest] = await pt.recent(10);
  expect(rest).toEqual([]);
  return run as Run;
}

/** The results without durations (which vary), after checking each duration is a number from 0. */
function outcomes(run: Run): Omit<CheckResult, 'durationMs'>[] {
  return (run.checks ?? []).map(({ durationMs, ...rest }) => {
    expect(durationMs).toBeGreaterThanOrEqual(0);
    return rest;
  });
}

function noNullFares({ fares }: Fares) {
  const nulls = fares.filter((f) => f === null).length;
  return nulls === 0 ? true : fail(`${nulls} null fares`);
}

describe('checks on wrapped steps', () => {
  it('stores before- and after-check results with the run, in the order they ran, and keeps a synchronous step synchronous', async () => {
    const { pt } = setup();
    const clean = pt.wrap('clean', ({ fares }: Fares) => fares.filter((f) => f !== null).length, {
      inputs: ['out'],
      checks: {
        before: [noNullFares, { name: 'some fares', check: ({ fares }) => fares.length > 0 }],
        after: [{ name: 'kept rows', check: (n) => (n > 0 ? pass(`${n} rows`) : fail('no rows')) }],
      },
    });
    const result = clean({ fares: [1, null, 3], out: 'raw.csv' });
    expect(result).toBe(2);
    const run = await onlyRun(pt);
    expect(run.status).toBe('succeeded');
    expect(outcomes(run)).toEqual([
      { name: 'noNullFares', phase: 'before', outcome: 'fail', message: '1 null fares' },
      { name: 'some fares', phase: 'before', outcome: 'pass' },
      { name: 'kept rows', phase: 'after', outcome: 'pass', message: '2 rows' },
    ]);
  });

  it('awaits async checks, and runs the component’s checks before the wrap’s own', async () => {
    const { pt } = setup();
    await pt.component('train', {
      owner: 'ml',
      checks: { before: [{ name: 'component check', check: async () => true }] },
    });
    const train = pt.wrap('train', async (x: number) => x * 2, {
      outputs: () => 'model.bin',
      checks: {
        after: [
          {
            name: 'holdout error < 5',
            check: async (err: number) => (err < 5 ? true : fail(`holdout error ${err}`)),
          },
        ],
      },
    });
    await expect(train(4)).resolves.toBe(8);
    const run = await onlyRun(pt);
    expect(outcomes(run)).toEqual([
      { name: 'component check', phase: 'before', outcome: 'pass' },
      { name: 'holdout error < 5', phase: 'after', outcome: 'fail', message: 'holdout error 8' },
    ]);
    expect((await pt.components())[0]?.owner).toBe('ml');
  });

  it('keeps a component’s checks when its other fields change, and drops them on checks: {}', async () => {
    const { pt, clock } = setup();
    const step = pt.wrap('step', () => 1);
    await pt.component('step', { checks: { before: [{ name: 'kept', check: () => true }] } });
    await pt.tag('step', 'etl');
    await pt.component('step', { owner: 'ana' });
    step();
    await pt.flush();
    expect((await pt.recent(1))[0]?.checks?.map((c) => c.name)).toEqual(['kept']);
    await pt.component('step', { checks: {} });
    clock.t += 1;
    step();
    await pt.flush();
    expect((await pt.recent(1))[0]?.checks).toBeUndefined();
  });

  it('turns a throw of anything, a garbage answer and a hang into error results, and still stores the run', async () => {
    const { pt } = setup();
    const never = new Promise<boolean>(() => {});
    const step = pt.wrap('step', async (x: number) => x + 1, {
      checks: {
        before: [
          {
            name: 'throws a string',
            check: () => {
              throw 'no!';
            },
          },
          {
            name: 'throws an Error',
            check: () => {
              throw new RangeError('out of range');
            },
          },
          { name: 'rejects with an object', check: () => Promise.reject({ code: 7 }) },
          { name: 'returns undefined', check: (() => undefined) as never },
          { name: 'returns a number', check: (() => 3) as never },
          { name: 'returns a bad message', check: (() => ({ outcome: 'fail', message: 42 })) as never },
          { name: 'hangs', check: () => never, timeoutMs: 20 },
        ],
      },
    });
    await expect(step(1)).resolves.toBe(2);
    const run = await onlyRun(pt);
    expect(run.status).toBe('succeeded');
    expect(outcomes(run)).toEqual([
      { name: 'throws a string', phase: 'before', outcome: 'error', message: 'threw a non-Error: no!' },
      { name: 'throws an Error', phase: 'before', outcome: 'error', message: 'threw RangeError: out of range' },
      { name: 'rejects with an object', phase: 'before', outcome: 'error', message: 'threw a non-Error: {"code":7}' },
      {
        name: 'returns undefined',
        phase: 'before',
        outcome: 'error',
        message: 'returned undefined undefined; a check returns true, false, pass(message?) or fail(message)',
      },
      {
        name: 'returns a number',
        phase: 'before',
        outcome: 'error',
        message: 'returned number 3; a check returns true, false, pass(message?) or fail(message)',
      },
      {
        name: 'returns a bad message',
        phase: 'before',
        outcome: 'error',
        message: 'returned a message that is not a string: number 42',
      },
      { name: 'hangs', phase: 'before', outcome: 'error', message: 'timed out after 20 ms' },
    ]);
  });

  it('cuts a huge message instead of refusing the run', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', () => 1, {
      checks: { after: [{ name: 'loud', check: () => fail('x'.repeat(10_000)) }] },
    });
    step();
    const [check] = (await onlyRun(pt)).checks ?? [];
    expect(check?.message?.length).toBe(4096);
    expect(check?.message?.endsWith('…')).toBe(true);
  });
});

describe('the onFail policy', () => {
  it('record (the default) only records: the step runs and succeeds', async () => {
    const { pt } = setup();
    let calls = 0;
    const step = pt.wrap(
      'step',
      () => {
        calls++;
        return 'out.csv';
      },
      { outputs: (r) => r, checks: { before: [{ name: 'never', check: () => false }] } },
    );
    expect(step()).toBe('out.csv');
    const run = await onlyRun(pt);
    expect(calls).toBe(1);
    expect(run.status).toBe('succeeded');
    expect(await pt.flagged()).toEqual([]);
  });

  it('flag flags the run’s outputs, so review sees them; a passing check flags nothing', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', async (out: string, _ok: boolean) => out, {
      outputs: (r) => r,
      checks: { onFail: 'flag', after: [{ name: 'ok', check: (_r, _out, ok) => ok }] },
    });
    await step('good.csv', true);
    await step('bad.csv', false);
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['bad.csv']);
    const review = await pt.review();
    expect(review.flagged.map((f) => f.pointer)).toEqual(['bad.csv']);
  });

  it('fail on a before-check: the function is not called and the run is logged as failed with the check’s message', async () => {
    const { pt } = setup();
    let calls = 0;
    const load = pt.wrap(
      'load',
      (input: Fares) => {
        calls++;
        return input.fares.length;
      },
      { inputs: ['out'], checks: { onFail: 'fail', before: [noNullFares] } },
    );
    const thrown = (() => {
      try {
        load({ fares: [null, null], out: 'raw.csv' });
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(CheckFailedError);
    expect((thrown as CheckFailedError).message).toBe('before-check "noNullFares" failed: 2 null fares');
    expect(calls).toBe(0);
    const run = await onlyRun(pt);
    expect(run.status).toBe('failed');
    expect(run.inputs).toEqual(['raw.csv']);
    expect(run.error).toMatchObject({
      name: 'CheckFailedError',
      message: 'before-check "noNullFares" failed: 2 null fares',
    });
    expect(outcomes(run)).toEqual([{ name: 'noNullFares', phase: 'before', outcome: 'fail', message: '2 null fares' }]);
  });

  it('fail on an async before-check rejects the call without calling the function', async () => {
    const { pt } = setup();
    let calls = 0;
    const step = pt.wrap(
      'step',
      async () => {
        calls++;
        return 1;
      },
      { checks: { before: [{ name: 'slow no', check: async () => fail('nope'), onFail: 'fail' }] } },
    );
    await expect(step()).rejects.toThrow('before-check "slow no" failed: nope');
    expect(calls).toBe(0);
    expect((await onlyRun(pt)).status).toBe('failed');
  });

  it('fail on an after-check fails the run with the outputs it wrote, and the call throws', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', async () => ({ out: 'model.bin', err: 9 }), {
      outputs: ['out'],
      checks: { onFail: 'fail', after: [{ name: 'err < 5', check: (r) => r.err < 5 }] },
    });
    await expect(step()).rejects.toBeInstanceOf(CheckFailedError);
    const run = await onlyRun(pt);
    expect(run.status).toBe('failed');
    expect(run.outputs).toEqual(['model.bin']);
    expect(run.error?.message).toBe('after-check "err < 5" failed: returned false');
  });

  it('a check that errs counts as failing under its policy, and one check may set its own', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', (x: number) => x, {
      checks: {
        before: [
          { name: 'recorded', check: () => false },
          {
            name: 'broken',
            onFail: 'fail',
            check: () => {
              throw null;
            },
          },
        ],
      },
    });
    expect(() => step(1)).toThrow('before-check "broken" could not run: threw a non-Error: null');
    expect((await onlyRun(pt)).status).toBe('failed');
  });
});

describe('declaring checks', () => {
  it('refuses a bad declaration with invalid_input naming it, and changes nothing', async () => {
    const { pt, store } = setup();
    const before = await storeSnapshot(store);
    const cases: [unknown, string][] = [
      [{ before: [() => true] }, 'checks.before[0]'],
      [{ before: [{ name: '', check: () => true }] }, 'checks.before[0].name'],
      [{ after: [{ name: 'x', check: 3 }] }, 'checks.after[0].check'],
      [{ after: [{ name: 'x', check: () => true, timeoutMs: -1 }] }, 'checks.after[0].timeoutMs'],
      [{ onFail: 'explode' }, 'checks.onFail'],
      [{ before: 'x' }, 'checks.before'],
      [{ befor: [] }, 'checks.befor'],
      [{ before: [noNullFares, noNullFares] }, 'checks.before[1].name'],
    ];
    for (const [checks, field] of cases) {
      const wrap = (() => {
        try {
          pt.wrap('step', () => 1, { checks: checks as never });
        } catch (e) {
          return e;
        }
      })();
      expect(isPipetraceError(wrap, 'invalid_input') && wrap.field, JSON.stringify(checks)).toBe(field);
      const component = await pt.component('step', { checks: checks as never }).catch((e: unknown) => e);
      expect(isPipetraceError(component, 'invalid_input') && component.field).toBe(field);
    }
    expect(await storeSnapshot(store)).toEqual(before);
  });

  it('takes results of checks run elsewhere on explicit runs and logRun, and refuses malformed ones', async () => {
    const { pt, store } = setup();
    const run = pt.startRun('dbt');
    run.addChecks([{ name: 'not_null_id', phase: 'after', outcome: 'pass', column: 'id' }]);
    expect(() => run.addChecks([{ name: 'x', phase: 'during', outcome: 'pass' } as never])).toThrow(
      /checks\[0\]\.phase/,
    );
    expect((await run.end()).checks).toEqual([{ name: 'not_null_id', phase: 'after', outcome: 'pass', column: 'id' }]);
    const before = await storeSnapshot(store);
    const bad = await pt
      .logRun({
        component: 'x',
        startedAt: T0,
        endedAt: T0,
        checks: [{ name: 'y', phase: 'after', outcome: 'maybe' }] as never,
      })
      .catch((e: unknown) => e);
    expect(isPipetraceError(bad, 'invalid_input') && bad.field).toBe('runs[0].checks[0].outcome');
    expect(await storeSnapshot(store)).toEqual(before);
  });
});

describe('pt.checks()', () => {
  it('lists results over time, oldest first, by component, time, outcome and name, newest kept under a limit', async () => {
    const { pt } = setup();
    const log = (component: string, day: number, outcome: 'pass' | 'fail') =>
      pt.logRun({
        component,
        startedAt: T0 + day * DAY,
        endedAt: T0 + day * DAY + 1,
        checks: [
          { name: 'a', phase: 'before', outcome },
          { name: 'b', phase: 'after', outcome: 'pass' },
        ],
      });
    const r0 = await log('clean', 0, 'pass');
    const r1 = await log('clean', 1, 'fail');
    await log('train', 2, 'fail');
    const r3 = await log('clean', 3, 'fail');
    await pt.logRun({ component: 'clean', startedAt: T0 + 4 * DAY, endedAt: T0 + 4 * DAY });

    const all = await pt.checks({ component: 'clean' });
    expect(all.truncated).toBe(false);
    expect(all.results.map((r) => [r.run, r.name, r.outcome])).toEqual([
      [r0.id, 'a', 'pass'],
      [r0.id, 'b', 'pass'],
      [r1.id, 'a', 'fail'],
      [r1.id, 'b', 'pass'],
      [r3.id, 'a', 'fail'],
      [r3.id, 'b', 'pass'],
    ]);
    expect(all.results[2]).toEqual({
      name: 'a',
      phase: 'before',
      outcome: 'fail',
      run: r1.id,
      component: 'clean',
      at: T0 + DAY,
      status: 'succeeded',
    });
    const failed = await pt.checks({ component: 'clean', outcome: 'fail', since: T0 + DAY / 2 });
    expect(failed.results.map((r) => r.run)).toEqual([r1.id, r3.id]);
    expect((await pt.checks({ outcome: 'fail' })).results.length).toBe(3);
    expect((await pt.checks({ name: 'b', until: T0 + 2 * DAY })).results.map((r) => r.run)).toEqual([r0.id, r1.id]);
    const limited = await pt.checks({ component: 'clean', limit: 3 });
    expect(limited.truncated).toBe(true);
    expect(limited.results.map((r) => [r.run, r.name])).toEqual([
      [r1.id, 'b'],
      [r3.id, 'a'],
      [r3.id, 'b'],
    ]);
    const bad = await pt.checks({ outcome: 'meh' as never }).catch((e: unknown) => e);
    expect(isPipetraceError(bad, 'invalid_input') && bad.field).toBe('outcome');
  });
});
