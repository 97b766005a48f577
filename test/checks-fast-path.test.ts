/**
 * The synchronous path of a checked call: no list of values per check, a plan merged once, and
 * clock readings shared between neighbouring checks and with the run's end. Known answers only:
 * every bound on a duration below comes from clock readings the test takes itself.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { CheckFailedError, createPipetrace, fail, type Run } from '../src/index.js';
import { setup } from './helpers.js';

/** Spins until `ms` have passed on the monotonic clock; returns the reading that ended it. */
function spin(ms: number): number {
  const start = performance.now();
  let now = start;
  while (now - start < ms) now = performance.now();
  return now;
}

async function onlyRun(pt: ReturnType<typeof createPipetrace>): Promise<Run> {
  await pt.flush();
  const [run, ...rest] = await pt.recent(10);
  expect(rest).toEqual([]);
  return run as Run;
}

describe('timing checks on the default clock', () => {
  it('times each check from the reading that ended the one before, and ends the run at the last one', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    // Readings taken inside the checks and the function bound what pipetrace may have measured.
    const at: Record<string, number> = {};
    const step = pt.wrap(
      'step',
      (x: number) => {
        at.fnStart = performance.now();
        at.fnEnd = spin(2);
        return x + 1;
      },
      {
        checks: {
          before: [
            {
              name: 'slow a',
              check: () => {
                at.aStart = performance.now();
                at.aEnd = spin(3);
                return true;
              },
            },
            {
              name: 'quick b',
              check: () => {
                at.bStart = performance.now();
                return true;
              },
            },
          ],
          after: [
            {
              name: 'slow c',
              check: () => {
                at.cStart = performance.now();
                at.cEnd = spin(3);
                return true;
              },
            },
          ],
        },
      },
    );
    const wallBefore = Date.now();
    const callStart = performance.now();
    expect(step(1)).toBe(2);
    const callEnd = performance.now();
    const wallAfter = Date.now();
    const run = await onlyRun(pt);
    const [a, b, c] = (run.checks ?? []).map((r) => r.durationMs as number);
    expect(run.checks?.map((r) => r.name)).toEqual(['slow a', 'quick b', 'slow c']);
    const t = at as Required<typeof at>;
    // a ran inside [first reading, b's start]; it took at least its own spin.
    expect(a).toBeGreaterThanOrEqual((t.aEnd as number) - (t.aStart as number));
    expect(a).toBeLessThanOrEqual((t.bStart as number) - callStart);
    // b is timed from the reading that ended a (after a's last statement), not from the first.
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThanOrEqual((t.fnStart as number) - (t.aEnd as number));
    // c starts at a reading taken after the function returned.
    expect(c).toBeGreaterThanOrEqual((t.cEnd as number) - (t.cStart as number));
    expect(c).toBeLessThanOrEqual(callEnd - (t.fnEnd as number));
    expect((a as number) + (b as number) + (c as number)).toBeLessThanOrEqual(callEnd - callStart);
    // The run's end comes from the last check's reading: it spans the checks and the function
    // (whole milliseconds, rounded down), and is never later than the wall clock after the call.
    expect(run.startedAt).toBeGreaterThanOrEqual(wallBefore);
    expect(run.endedAt).toBeLessThanOrEqual(wallAfter);
    const spanned = (a as number) + (b as number) + ((t.fnEnd as number) - (t.fnStart as number)) + (c as number);
    expect(run.endedAt - run.startedAt).toBeGreaterThanOrEqual(Math.floor(spanned));
  });

  it('a step that reads a checked step’s output right after it always finds it as a dependency', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const write = pt.wrap('write', (i: number) => `x${i}`, {
      outputs: (r) => r,
      checks: { before: [{ name: 'ok', check: () => true }], after: [{ name: 'named', check: (r) => r !== '' }] },
    });
    const read = pt.wrap('read', (_: string) => 0, { inputs: [0] });
    // Many pairs, so some straddle a millisecond: an end time later than the clock would lose one.
    for (let i = 0; i < 300; i++) read(write(i));
    await pt.flush();
    const runs = (await pt.recent(600)).reverse();
    for (let i = 0; i < 600; i += 2) {
      const [w, r] = [runs[i] as Run, runs[i + 1] as Run];
      expect([w.component, r.component]).toEqual(['write', 'read']);
      expect(r.dependencies).toEqual([w.id]);
      expect(w.endedAt).toBeLessThanOrEqual(r.startedAt);
    }
  });
});

describe('the synchronous path of a checked call', () => {
  it('hands checks every argument, the result first after the call, for any number of arguments', async () => {
    const { pt } = setup();
    const seen: unknown[][] = [];
    const record =
      (name: string) =>
      (...values: unknown[]) => {
        seen.push([name, ...values]);
        return true;
      };
    const checks = { before: [{ name: 'b', check: record('before') }], after: [{ name: 'a', check: record('after') }] };
    pt.wrap('zero', () => 'r0', { checks })();
    pt.wrap('one', (x: number) => `r${x}`, { checks })(1);
    pt.wrap('two', (x: number, y: number) => x + y, { checks })(1, 2);
    pt.wrap('three', (x: number, y: number, z: number) => x + y + z, { checks })(1, 2, 3);
    pt.wrap('four', (w: number, x: number, y: number, z: number) => w * x * y * z, { checks })(1, 2, 3, 4);
    expect(seen).toEqual([
      ['before'],
      ['after', 'r0'],
      ['before', 1],
      ['after', 'r1', 1],
      ['before', 1, 2],
      ['after', 3, 1, 2],
      ['before', 1, 2, 3],
      ['after', 6, 1, 2, 3],
      ['before', 1, 2, 3, 4],
      ['after', 24, 1, 2, 3, 4],
    ]);
    await pt.flush();
  });

  it('keeps `this` for the function, and stores results in the order they ran', async () => {
    const { pt } = setup();
    const order: string[] = [];
    const check = (name: string) => ({
      name,
      check: () => {
        order.push(name);
        return true;
      },
    });
    const counter = {
      n: 41,
      next: pt.wrap(
        'next',
        function (this: { n: number }) {
          order.push('call');
          return ++this.n;
        },
        { checks: { before: [check('b1'), check('b2'), check('b3')], after: [check('a1'), check('a2')] } },
      ),
    };
    expect(counter.next()).toBe(42);
    expect(order).toEqual(['b1', 'b2', 'b3', 'call', 'a1', 'a2']);
    await pt.flush();
    const run = (await pt.recent(1))[0] as Run;
    expect(run.checks?.map((c) => `${c.phase} ${c.name}`)).toEqual([
      'before b1',
      'before b2',
      'before b3',
      'after a1',
      'after a2',
    ]);
  });

  it('a failing after-check under fail throws from a synchronous call; the run is stored failed with its outputs', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', (n: number) => ({ out: 'rows.csv', n }), {
      outputs: ['out'],
      checks: {
        before: [{ name: 'positive', check: (n) => n > 0 }],
        after: [{ name: 'small', check: (r) => (r.n < 10 ? true : fail(`${r.n} rows`)), onFail: 'fail' }],
      },
    });
    expect(step(3)).toEqual({ out: 'rows.csv', n: 3 });
    expect(() => step(12)).toThrow(CheckFailedError);
    await pt.flush();
    const [failed, ok] = await pt.recent(2);
    expect(ok?.status).toBe('succeeded');
    expect(failed?.status).toBe('failed');
    expect(failed?.outputs).toEqual(['rows.csv']);
    expect(failed?.error?.message).toBe('after-check "small" failed: 12 rows');
    expect(failed?.checks?.map((c) => [c.name, c.outcome])).toEqual([
      ['positive', 'pass'],
      ['small', 'fail'],
    ]);
  });

  it('a synchronous step with an async after-check returns at once and stores every result once settled', async () => {
    const { pt } = setup();
    const step = pt.wrap('step', (x: number) => x * 2, {
      checks: {
        before: [{ name: 'sync', check: () => true }],
        after: [
          { name: 'async', check: async (r) => r > 0 },
          { name: 'then sync', check: () => fail('no') },
        ],
      },
    });
    expect(step(2)).toBe(4);
    await pt.flush();
    const [run] = await pt.recent(1);
    expect(run?.status).toBe('succeeded');
    expect(run?.checks?.map((c) => [c.phase, c.name, c.outcome])).toEqual([
      ['before', 'sync', 'pass'],
      ['after', 'async', 'pass'],
      ['after', 'then sync', 'fail'],
    ]);
  });

  it('a synchronous function that throws after async before-checks rejects the call and stores the failed run', async () => {
    const { pt } = setup();
    const step = pt.wrap(
      'step',
      (): number => {
        throw new RangeError('bad');
      },
      { checks: { before: [{ name: 'async', check: async () => true }] } },
    );
    await expect(step() as unknown as Promise<number>).rejects.toThrow('bad');
    const [run] = await pt.recent(1);
    expect(run?.status).toBe('failed');
    expect(run?.checks?.map((c) => c.name)).toEqual(['async']);
  });

  it('follows a component’s checks as they change, though the wrap merges its plan once per change', async () => {
    const { pt, clock } = setup();
    const step = pt.wrap('step', () => 1, { checks: { after: [{ name: 'own', check: () => true }] } });
    const names = async () => {
      clock.t += 1;
      step();
      await pt.flush();
      return (await pt.recent(1))[0]?.checks?.map((c) => c.name);
    };
    expect(await names()).toEqual(['own']);
    await pt.component('step', { checks: { before: [{ name: 'first', check: () => true }] } });
    expect(await names()).toEqual(['first', 'own']);
    await pt.component('other', { checks: { before: [{ name: 'elsewhere', check: () => true }] } });
    expect(await names()).toEqual(['first', 'own']);
    await pt.component('step', { checks: { before: [{ name: 'second', check: () => true }] } });
    expect(await names()).toEqual(['second', 'own']);
    await pt.component('step', { checks: {} });
    expect(await names()).toEqual(['own']);
  });
});
