import { describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { type CheckResult, createPipetrace, isPipetraceError, type Run, type Store } from '../src/index.js';
import { RunIndex } from '../src/run-index.js';
import { RunTable } from '../src/run-table.js';
import { StringIndex } from '../src/string-index.js';
import { sampleRun } from '../src/testing.js';

const run = (id: string, fields: Partial<Run> = {}): Run =>
  sampleRun({ id, component: 'c', startedAt: 10, endedAt: 20, ...fields });

describe('string index', () => {
  it('numbers keys densely in the order first seen and finds them again after growing', () => {
    const index = new StringIndex();
    const keys = Array.from({ length: 50_000 }, (_, i) => `key-${i}`);
    for (const [i, k] of keys.entries()) expect(index.add(k)).toBe(i);
    expect(index.size).toBe(keys.length);
    // Equal content in a different string object finds the same number.
    for (const i of [0, 1, 4095, 4096, 49_999]) {
      expect(index.find(`key-${String(i)}`)).toBe(i);
      expect(index.add(['key', String(i)].join('-'))).toBe(i);
      expect(index.key(i)).toBe(keys[i]);
    }
    expect(index.size).toBe(keys.length);
    expect(index.find('key-50000')).toBe(-1);
    expect(index.find('')).toBe(-1);
    expect(index.add('')).toBe(keys.length);
    expect(index.find('')).toBe(keys.length);
  });

  it('tells apart keys that differ only in case, order or one unicode code unit', () => {
    const index = new StringIndex();
    const keys = [
      'ab',
      'ba',
      'AB',
      'a\u00e9',
      'a\u0065\u0301',
      '\ud83d\ude00',
      '\ud83d\ude01',
      '__proto__',
      'constructor',
    ];
    for (const k of keys) index.add(k);
    expect(keys.map((k) => index.find(k))).toEqual(keys.map((_, i) => i));
  });
});

describe('run table', () => {
  it('resolves a dependency on a run stored later, once that run arrives', () => {
    const table = new RunTable();
    table.put(run('b', { startedAt: 30, endedAt: 40, dependencies: ['a'] }));
    expect(table.get('a')).toBeUndefined();
    expect(table.size).toBe(1);
    table.put(run('a', { outputs: ['x'] }));
    expect(table.get('b')?.dependencies).toEqual(['a']);
    expect(table.get('a')?.outputs).toEqual(['x']);
    expect(table.size).toBe(2);
    expect(table.scan({ order: 'asc' }).runs.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('stores runs correctly whether or not latestWriters asked for their inputs just before', () => {
    const table = new RunTable();
    table.put(run('w1', { outputs: ['p'] }));
    table.put(run('w2', { outputs: ['q'], startedAt: 11, endedAt: 21 }));
    // Asked for p and q, then a run with other inputs is stored: numbers must not be mixed up.
    const answers = table.latestWriters([
      { pointer: 'p', before: { endedAt: 50, startedAt: 50, id: 'r' } },
      { pointer: 'q', before: { endedAt: 50, startedAt: 50, id: 'r' } },
    ]);
    expect(answers.map((a) => a?.id)).toEqual(['w1', 'w2']);
    table.put(run('r', { startedAt: 50, endedAt: 60, inputs: ['q', 'new'], dependencies: ['w2'] }));
    table.put(run('s', { startedAt: 51, endedAt: 61, inputs: ['p'], dependencies: ['w1'] }));
    expect(table.get('r')).toMatchObject({ inputs: ['q', 'new'], dependencies: ['w2'] });
    expect(table.get('s')).toMatchObject({ inputs: ['p'], dependencies: ['w1'] });
    expect(table.scan({ input: 'new' }).runs.map((r) => r.id)).toEqual(['r']);
    expect(table.scan({ input: 'p' }).runs.map((r) => r.id)).toEqual(['s']);
  });

  it('moves a replaced run in every index, including readers already indexed', () => {
    const table = new RunTable();
    table.put(run('a', { inputs: ['in1'], outputs: ['out1'], component: 'c1' }));
    expect(table.scan({ input: 'in1' }).runs).toHaveLength(1);
    table.put(run('a', { inputs: ['in2'], outputs: ['out2'], component: 'c2', startedAt: 5, endedAt: 6 }));
    expect(table.size).toBe(1);
    expect(table.scan({ input: 'in1' }).runs).toEqual([]);
    expect(table.scan({ input: 'in2' }).runs.map((r) => r.id)).toEqual(['a']);
    expect(table.scan({ output: 'out1' }).runs).toEqual([]);
    expect(table.scan({ component: 'c1' }).runs).toEqual([]);
    expect(table.scan({ component: 'c2' }).runs.map((r) => r.startedAt)).toEqual([5]);
    expect(table.latestWriters([{ pointer: 'out1' }, { pointer: 'out2' }]).map((w) => w?.id)).toEqual([undefined, 'a']);
  });

  it('scans runs stored out of time order in order, and replaces one before they are sorted', () => {
    const table = new RunTable();
    // A shuffled import: start times 0..1999 in a fixed pseudo-random order, two components.
    const starts = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
    for (const t of starts) {
      table.put(run(`r${t}`, { startedAt: t, endedAt: t + 1, component: t % 2 === 0 ? 'even' : 'odd' }));
    }
    table.put(run('r10', { startedAt: 5000, endedAt: 5001, component: 'odd' }));
    const all: number[] = [];
    let cursor: string | undefined;
    do {
      const page = table.scan({ order: 'asc', limit: 300, cursor });
      all.push(...page.runs.map((r) => r.startedAt));
      cursor = page.cursor;
    } while (cursor !== undefined);
    const expected = [...starts.filter((t) => t !== 10), 5000].sort((a, b) => a - b);
    expect(all).toEqual(expected);
    const odd = table.scan({ component: 'odd', order: 'desc', limit: 3 }).runs.map((r) => r.id);
    expect(odd).toEqual(['r10', 'r1999', 'r1997']);
    expect(table.scan({ component: 'even', order: 'asc', limit: 2 }).runs.map((r) => r.id)).toEqual(['r0', 'r2']);
  });

  it('replaces a batch of runs with one sort a list at the next read, not one per replaced run', () => {
    const table = new RunTable();
    for (let i = 0; i < 3000; i++) table.put(run(`r${i}`, { startedAt: i, endedAt: i + 1, component: `c${i % 3}` }));
    table.scan({ limit: 1 });
    const sort = vi.spyOn(Array.prototype, 'sort');
    try {
      // Each replacement moves a run earlier (out of order): the old code sorted and spliced per run.
      for (let i = 2999; i >= 0; i -= 3) table.put(run(`r${i}`, { startedAt: -i, endedAt: -i + 1, component: 'c0' }));
      expect(sort.mock.calls.length).toBe(0);
      const first = table.scan({ order: 'asc', limit: 2 }).runs.map((r) => r.id);
      expect(first).toEqual(['r2999', 'r2996']);
      expect(sort.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      sort.mockRestore();
    }
  });

  it('answers scans like a plain list of its runs through random puts, replacements and reads', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const table = new RunTable();
      const truth = new Map<string, Run>();
      for (let step = 0; step < 300; step++) {
        const id = `r${rand(60)}`;
        const t = rand(40);
        const r = run(id, { startedAt: t, endedAt: t + rand(3), component: `c${rand(3)}` });
        table.put(r);
        truth.set(id, r);
        if (rand(5) === 0) {
          const component = rand(4) === 3 ? undefined : `c${rand(3)}`;
          const expected = [...truth.values()]
            .filter((x) => component === undefined || x.component === component)
            .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .map((x) => x.id);
          const got = table.scan({ order: 'asc', limit: 1000, ...(component === undefined ? {} : { component }) });
          expect(got.runs.map((x) => x.id)).toEqual(expected);
        }
      }
      expect(table.size).toBe(truth.size);
    }
  });

  it('keeps check results in columns: every field, empty lists, names in any order, replacements, and copies', () => {
    const table = new RunTable();
    const a: CheckResult = { name: 'a', phase: 'before', outcome: 'pass', durationMs: 0.5 };
    const b: CheckResult = { name: 'b', phase: 'after', outcome: 'fail', message: 'no rows', durationMs: 2 };
    const c: CheckResult = { name: 'c', phase: 'after', outcome: 'error', pointer: 'db.t', column: 'id' };
    const runs = [
      run('r0', { checks: [a, b] }),
      // The same names in another order, then other names at the same positions.
      run('r1', { checks: [b, a] }),
      run('r2', { checks: [c, { ...a, name: 'd' }] }),
      run('r3', { checks: [] }),
      run('r4'),
      run('r5', { checks: [{ ...b, message: 'other' }], metrics: { n: 1 } }),
    ];
    // Enough results that the columns grow more than once.
    for (let i = 0; i < 300; i++) runs.push(run(`m${i}`, { checks: [a, { ...b, message: `m${i}` }] }));
    for (const r of runs) table.put(r);
    for (const r of runs) expect(table.get(r.id)).toEqual(r);
    expect('checks' in (table.get('r4') as Run)).toBe(false);
    expect(Object.keys(table.get('r0')?.checks?.[1] ?? {})).toEqual([
      'name',
      'phase',
      'outcome',
      'message',
      'durationMs',
    ]);
    // A returned result is a copy.
    (table.get('r0')?.checks?.[0] as CheckResult).outcome = 'error';
    expect(table.get('r0')?.checks?.[0]).toEqual(a);
    // Replacing a run replaces its results, or drops them.
    table.put(run('r0', { checks: [c] }));
    table.put(run('r1'));
    table.put(run('r5', { checks: [a] }));
    expect(table.get('r0')?.checks).toEqual([c]);
    expect('checks' in (table.get('r1') as Run)).toBe(false);
    expect(table.get('r5')).toEqual(run('r5', { checks: [a] }));
  });

  it('keeps one copy of a code version shared by consecutive runs, yet returns it per run', () => {
    const table = new RunTable();
    const code = { commit: 'abc', tags: ['v1'] };
    table.put(run('a', { code }));
    table.put(run('b', { code: { commit: 'abc', tags: ['v1'] } }));
    table.put(run('c', { code: { commit: 'abc', tags: ['v2'] } }));
    code.tags.push('changed later');
    const [a, b, c] = ['a', 'b', 'c'].map((id) => table.get(id));
    expect(a?.code).toEqual({ commit: 'abc', tags: ['v1'] });
    expect(b?.code).toEqual({ commit: 'abc', tags: ['v1'] });
    expect(c?.code).toEqual({ commit: 'abc', tags: ['v2'] });
    a?.code?.tags?.push('mutated copy');
    expect(table.get('b')?.code?.tags).toEqual(['v1']);
  });

  it('refuses a malformed record before storing any of the batch', async () => {
    const store = memoryStore();
    const bad = { ...run('bad'), inputs: undefined } as unknown as Run;
    const error = await store.putRuns([run('good'), bad]).catch((e: unknown) => e);
    expect(isPipetraceError(error) && error.code === 'invalid_input').toBe(true);
    expect(await store.getRuns(['good'])).toEqual([undefined]);
  });
});

describe('run index (fs-json and the worker snapshot)', () => {
  it('scans runs stored out of time order in order, and replaces one before they are sorted', async () => {
    const index = new RunIndex<Run>();
    const starts = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
    for (const t of starts) {
      index.put(run(`r${t}`, { startedAt: t, endedAt: t + 1, component: t % 2 === 0 ? 'even' : 'odd' }));
    }
    index.put(run('r10', { startedAt: 5000, endedAt: 5001, component: 'odd' }));
    const page = await index.scanPage({ order: 'asc', limit: 5000 }, (runs) => runs);
    expect(page.runs.map((r) => r.startedAt)).toEqual([...starts.filter((t) => t !== 10), 5000].sort((a, b) => a - b));
    const odd = await index.scanPage({ component: 'odd', limit: 3 }, (runs) => runs);
    expect(odd.runs.map((r) => r.id)).toEqual(['r10', 'r1999', 'r1997']);
  });
});

describe('logging through a wrapped store', () => {
  it('never bypasses a wrapper that overrides putRuns, however it copies the memory store', async () => {
    const inner = memoryStore();
    const seen: string[] = [];
    const audit = async (runs: readonly Run[]) => {
      seen.push(...runs.map((r) => r.component));
      await inner.putRuns(runs);
    };
    // A copy of every member (methods bound, and the sync twin with them), putRuns replaced.
    const members = Object.getOwnPropertyNames(Object.getPrototypeOf(inner)) as (keyof Store)[];
    const bound = Object.fromEntries(
      members.map((m) => [m, typeof inner[m] === 'function' ? (inner[m] as () => unknown).bind(inner) : inner[m]]),
    );
    const spread: Store = { ...inner, ...bound, putRuns: audit } as Store;
    const derived: Store = Object.assign(Object.create(inner) as Store, { putRuns: audit });
    expect(spread.sync).toBeDefined();
    for (const [component, store] of [
      ['spread', spread],
      ['derived', derived],
    ] as const) {
      const pt = createPipetrace({ store });
      await pt.component(component); // known from now on: no component write on the way
      await pt.startRun(component).end();
      await pt.logRun({ component, startedAt: 1, endedAt: 2 });
    }
    expect(seen).toEqual(['spread', 'spread', 'derived', 'derived']);
  });
});

describe('logging through a failing store', () => {
  /** A memory store whose run writes fail while `failing` is set, through its sync and async paths. */
  function flaky(useSync: boolean) {
    const inner = memoryStore();
    const state = { failing: true };
    const fail = () => {
      if (state.failing) throw new Error('disk full');
    };
    const store: Store = Object.create(inner);
    Object.defineProperty(store, 'sync', {
      value: useSync
        ? {
            store,
            putRuns: (runs: Run[]) => {
              fail();
              inner.sync?.putRuns(runs);
            },
            latestWriters: inner.sync?.latestWriters,
          }
        : undefined,
    });
    store.putRuns = async (runs) => {
      fail();
      await inner.putRuns(runs);
    };
    return { store, state, inner };
  }

  for (const useSync of [true, false]) {
    it(`keeps the run open after a failed write so end() can be retried (${useSync ? 'sync' : 'async'} store)`, async () => {
      const { store, state, inner } = flaky(useSync);
      const pt = createPipetrace({ store, now: () => 1000 });
      await pt.component('train'); // known: the run's write is the only store call (sync when it can be)
      const handle = pt.startRun('train', { inputs: 'data.csv', outputs: 'model.pkl' });
      await expect(handle.end()).rejects.toThrow('disk full');
      expect(handle.status).toBe('running');
      expect((await inner.scanRuns({})).runs).toEqual([]);
      state.failing = false;
      const stored = await handle.end();
      expect(handle.status).toBe('succeeded');
      expect(await inner.getRuns([stored.id])).toEqual([stored]);
    });
  }
});
