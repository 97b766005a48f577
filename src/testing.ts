/**
 * The store conformance suite: one specification that every adapter must pass, written once
 * and run against each (the way unstorage's testDriver and keyv's storageTestSuite work).
 * Pass your test framework's functions in, so this module depends on none of them:
 *
 *   import { describe, it, expect } from 'vitest';
 *   import { storeConformance } from 'pipetrace/testing';
 *   storeConformance({ describe, it, expect }, { name: 'mine', create: () => myStore() });
 */
import type { CheckResult, Component, PointerRecord, Run } from './model.js';
import { createPipetrace } from './pipetrace.js';
import { compareRunOrder, type RunScan, type Store, type StoreChange } from './store.js';

/** The subset of a vitest/jest-style API the suite uses. */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void, timeout?: number): void;
  // biome-ignore lint/suspicious/noExplicitAny: matches any expect() implementation
  expect: (actual: unknown) => any;
}

export interface ConformanceTarget {
  /** Shown in the test names. */
  name: string;
  /** A fresh, empty store for each test. */
  create(): Promise<Store>;
  /** For durable stores: reopen the same data after `store` was closed. */
  reopen?(closed: Store): Promise<Store>;
  /** The store has no `deleteBlobs` (it is optional in the contract; every pipetrace adapter has it). */
  withoutDeleteBlobs?: boolean;
  /** The store offers `Store.readBlobs`: it is tested against getBlobs. */
  readBlobs?: boolean;
  /** The store offers `Store.sync`: its synchronous twin is tested against the async calls too. */
  sync?: boolean;
  /** Extra adapter-specific tests, run inside the same describe block. */
  additionalTests?(t: TestApi): void;
}

let sequence = 0;
/** A valid stored run with the given fields; ids are unique unless given. */
export function sampleRun(fields: Partial<Run> = {}): Run {
  sequence += 1;
  const startedAt = fields.startedAt ?? 1_700_000_000_000 + sequence * 1000;
  return {
    id: `run-${String(sequence).padStart(8, '0')}`,
    component: 'cleaning',
    startedAt,
    endedAt: startedAt + 10,
    status: 'succeeded',
    inputs: [],
    outputs: [],
    dependencies: [],
    notes: [],
    params: {},
    metrics: {},
    ...fields,
  };
}

export function sampleComponent(name: string, fields: Partial<Component> = {}): Component {
  return { name, description: '', owner: '', tags: [], createdAt: 1, updatedAt: 1, ...fields };
}

async function withStore(target: ConformanceTarget, body: (store: Store) => Promise<void>): Promise<void> {
  const store = await target.create();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

async function scanAll(store: Store, scan: Parameters<Store['scanRuns']>[0]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await store.scanRuns(cursor === undefined ? scan : { ...scan, cursor });
    ids.push(...page.runs.map((r) => r.id));
    if (page.cursor === undefined) return ids;
    cursor = page.cursor;
  }
  throw new Error('scan did not end');
}

/** One scan field's conformance case: runs that differ in it, a scan that sets it, and what it keeps. */
interface ScanFieldCase {
  /** Field values for run i of SCAN_TIMES. */
  fields?(i: number): Partial<Run>;
  /** The scan that sets the field (given the store, for a cursor from a previous page). */
  scan(store: Store): RunScan | Promise<RunScan>;
  /** The runs the scan returns, in order, from all the runs in (startedAt, id) order. */
  keep(sorted: Run[]): Run[];
  /** Values of the field a store rejects with invalid_input. */
  bad: unknown[];
}

// Out of order, with ties in startedAt that the ids decide.
const SCAN_TIMES = [3000, 1000, 4000, 2000, 4000, 6000, 2000, 5000];
const newestFirst = (sorted: Run[]) => sorted.slice().reverse();

/** A case for every field of RunScan: the compiler asks for one when a field is added. */
const SCAN_FIELD_CASES: { [K in keyof Required<RunScan>]: ScanFieldCase } = {
  component: {
    fields: (i) => ({ component: i % 3 === 0 ? 'train' : 'infer' }),
    scan: () => ({ component: 'train' }),
    keep: (sorted) => newestFirst(sorted).filter((r) => r.component === 'train'),
    bad: [42, ''],
  },
  input: {
    fields: (i) => ({ inputs: i % 2 === 0 ? ['a.csv'] : i % 3 === 0 ? ['b.csv', 'a.csv'] : ['b.csv'] }),
    scan: () => ({ input: 'a.csv' }),
    keep: (sorted) => newestFirst(sorted).filter((r) => r.inputs.includes('a.csv')),
    bad: [7, ''],
  },
  output: {
    fields: (i) => ({ outputs: i % 2 === 1 ? ['m.pkl'] : i % 3 === 0 ? ['x.json', 'm.pkl'] : ['x.json'] }),
    scan: () => ({ output: 'm.pkl' }),
    keep: (sorted) => newestFirst(sorted).filter((r) => r.outputs.includes('m.pkl')),
    bad: [7, ''],
  },
  since: {
    scan: () => ({ since: 3000 }),
    keep: (sorted) => newestFirst(sorted).filter((r) => r.startedAt >= 3000),
    bad: [Number.NaN, 'not a date'],
  },
  until: {
    scan: () => ({ until: 4000 }),
    keep: (sorted) => newestFirst(sorted).filter((r) => r.startedAt < 4000),
    bad: [Number.NaN, 'not a date'],
  },
  order: {
    scan: () => ({ order: 'asc' }),
    keep: (sorted) => sorted,
    bad: ['up', 1],
  },
  limit: {
    scan: () => ({ limit: 3 }),
    keep: newestFirst,
    bad: [0, 1.5, '3'],
  },
  cursor: {
    scan: async (store) => ({ cursor: (await store.scanRuns({ limit: 3 })).cursor }),
    keep: (sorted) => newestFirst(sorted).slice(3),
    bad: ['../../x', 5],
  },
};

export function storeConformance(t: TestApi, target: ConformanceTarget): void {
  const { describe, it, expect } = t;
  const run = (name: string, body: (store: Store) => Promise<void>) => it(name, () => withStore(target, body), 60_000);

  describe(`store conformance: ${target.name}`, () => {
    run('stores runs and returns them by id in the order asked', async (store) => {
      const a = sampleRun({
        inputs: ['raw.csv'],
        outputs: ['clean.csv'],
        params: { depth: 3, nested: { list: [1, 'two', null, true] } },
        metrics: { rmse: 0.5 },
        notes: [{ at: 5, text: 'hello' }],
        code: { commit: 'abc123', tags: ['v1'], dirty: false },
        snapshot: 'function f() {}',
      });
      const b = sampleRun({ status: 'failed', error: { name: 'TypeError', message: 'boom', stack: 'at x' } });
      await store.putRuns([a, b]);
      const got = await store.getRuns([b.id, 'missing', a.id]);
      expect(got).toEqual([b, undefined, a]);
    });

    run('returns copies: changing a returned or passed-in run does not change the store', async (store) => {
      const a = sampleRun({ inputs: ['x'], params: { k: { deep: 1 } } });
      await store.putRuns([a]);
      a.inputs.push('mutated');
      const [got] = await store.getRuns([a.id]);
      expect(got?.inputs).toEqual(['x']);
      (got?.params.k as Record<string, number>).deep = 2;
      got?.inputs.push('again');
      const [again] = await store.getRuns([a.id]);
      expect(again?.params).toEqual({ k: { deep: 1 } });
      expect(again?.inputs).toEqual(['x']);
    });

    run('keeps the check results of a run, alone and beside other details, as copies', async (store) => {
      const checks: CheckResult[] = [
        { name: 'no null fares', phase: 'before', outcome: 'pass', durationMs: 0.25 },
        { name: 'holdout error < 5', phase: 'after', outcome: 'fail', message: 'error 7.2', durationMs: 12 },
        { name: 'not_null_orders_id', phase: 'after', outcome: 'error', pointer: 'db.orders', column: 'id' },
      ];
      const alone = sampleRun({ checks });
      const beside = sampleRun({ checks: checks.slice(1), metrics: { n: 3 }, notes: [{ at: 1, text: 'x' }] });
      const none = sampleRun();
      await store.putRuns([alone, beside, none]);
      const got = await store.getRuns([alone.id, beside.id, none.id]);
      expect(got).toEqual([alone, beside, none]);
      expect('checks' in (got[2] as object)).toBe(false);
      (got[0]?.checks?.[0] as CheckResult).outcome = 'fail';
      const [again] = await store.getRuns([alone.id]);
      expect(again?.checks?.[0]?.outcome).toBe('pass');
      const page = await store.scanRuns({ component: alone.component, limit: 10 });
      expect(page.runs.find((r) => r.id === beside.id)?.checks).toEqual(checks.slice(1));
    });

    run('replaces a run with the same id instead of duplicating it', async (store) => {
      const a = sampleRun({ outputs: ['old.csv'] });
      await store.putRuns([a]);
      await store.putRuns([a]);
      const changed = { ...a, outputs: ['new.csv'], metrics: { n: 1 } };
      await store.putRuns([changed]);
      expect(await scanAll(store, {})).toEqual([a.id]);
      expect((await store.getRuns([a.id]))[0]).toEqual(changed);
      expect(await store.latestWriters([{ pointer: 'old.csv' }])).toEqual([undefined]);
      expect((await store.latestWriters([{ pointer: 'new.csv' }]))[0]?.id).toBe(a.id);
    });

    run('stores a batch of 1,000 runs in one call', async (store) => {
      const runs = Array.from({ length: 1000 }, (_, i) =>
        sampleRun({ component: i % 2 ? 'odd' : 'even', outputs: [`out/${i}`] }),
      );
      await store.putRuns(runs);
      const got = await store.getRuns(runs.map((r) => r.id));
      expect(got).toEqual(runs);
      expect((await scanAll(store, { component: 'odd', limit: 333 })).length).toBe(500);
    });

    run('scans newest first by default and oldest first on request', async (store) => {
      const runs = [sampleRun({ startedAt: 3000 }), sampleRun({ startedAt: 1000 }), sampleRun({ startedAt: 2000 })];
      await store.putRuns(runs);
      const desc = await store.scanRuns({});
      expect(desc.runs.map((r) => r.startedAt)).toEqual([3000, 2000, 1000]);
      expect(desc.cursor).toBeUndefined();
      const asc = await store.scanRuns({ order: 'asc' });
      expect(asc.runs.map((r) => r.startedAt)).toEqual([1000, 2000, 3000]);
    });

    run('pages through runs that start in the same millisecond without repeats or gaps', async (store) => {
      const runs = Array.from({ length: 25 }, (_, i) =>
        sampleRun({ id: `same-${String(i).padStart(2, '0')}`, startedAt: 5000 }),
      );
      runs.push(sampleRun({ id: 'earlier', startedAt: 4000 }), sampleRun({ id: 'later', startedAt: 6000 }));
      await store.putRuns(runs.slice().reverse());
      for (const order of ['asc', 'desc'] as const) {
        for (const limit of [1, 4, 7, 27, 100]) {
          const ids = await scanAll(store, { order, limit });
          const expected = runs
            .slice()
            .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1))
            .map((r) => r.id);
          expect(ids).toEqual(order === 'asc' ? expected : expected.reverse());
        }
      }
    });

    run('a run logged between pages neither repeats nor hides the runs already paged', async (store) => {
      await store.putRuns([1000, 2000, 3000, 4000].map((startedAt) => sampleRun({ startedAt })));
      const first = await store.scanRuns({ limit: 2 });
      await store.putRuns([sampleRun({ startedAt: 5000 })]);
      const second = await store.scanRuns({ limit: 2, cursor: first.cursor });
      expect([...first.runs, ...second.runs].map((r) => r.startedAt)).toEqual([4000, 3000, 2000, 1000]);
    });

    run('filters scans by component, input, output and time range', async (store) => {
      const a = sampleRun({ component: 'train', startedAt: 1000, inputs: ['f.csv'], outputs: ['m.pkl'] });
      const b = sampleRun({ component: 'train', startedAt: 2000, inputs: ['g.csv'], outputs: ['m.pkl'] });
      const c = sampleRun({ component: 'infer', startedAt: 3000, inputs: ['m.pkl'], outputs: ['p.json'] });
      await store.putRuns([a, b, c]);
      expect(await scanAll(store, { component: 'train' })).toEqual([b.id, a.id]);
      expect(await scanAll(store, { output: 'm.pkl' })).toEqual([b.id, a.id]);
      expect(await scanAll(store, { input: 'm.pkl' })).toEqual([c.id]);
      expect(await scanAll(store, { component: 'train', input: 'f.csv' })).toEqual([a.id]);
      expect(await scanAll(store, { since: 2000 })).toEqual([c.id, b.id]);
      expect(await scanAll(store, { until: 2000 })).toEqual([a.id]);
      expect(await scanAll(store, { since: 1500, until: 2500, order: 'asc' })).toEqual([b.id]);
      expect(await scanAll(store, { component: 'nobody' })).toEqual([]);
    });

    for (const [field, c] of Object.entries(SCAN_FIELD_CASES)) {
      run(`scans by ${field} alone, page by page, and rejects a bad ${field}`, async (store) => {
        const runs = SCAN_TIMES.map((startedAt, i) =>
          // Ids sort against the order of insertion, so ties in startedAt are decided by id.
          sampleRun({ id: `scan-${String.fromCharCode(104 - i)}`, startedAt, ...c.fields?.(i) }),
        );
        await store.putRuns(runs);
        const scan = await c.scan(store);
        const want = c.keep(runs.slice().sort(compareRunOrder)).map((r) => r.id);
        expect(want.length).toBeGreaterThan(0);
        const limit = scan.limit ?? 100;
        const page = await store.scanRuns(scan);
        expect(page.runs.map((r) => r.id)).toEqual(want.slice(0, limit));
        expect(page.cursor === undefined).toBe(want.length <= limit);
        for (const size of scan.limit === undefined ? [1, 2, 3] : [scan.limit]) {
          expect(await scanAll(store, { ...scan, limit: size })).toEqual(want);
        }
        if (scan.order === undefined && scan.cursor === undefined) {
          expect(await scanAll(store, { ...scan, order: 'asc', limit: 2 })).toEqual(want.slice().reverse());
        }
        for (const bad of c.bad) {
          const error = await store.scanRuns({ ...scan, [field]: bad } as RunScan).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect((error as { code?: unknown } | undefined)?.code).toBe('invalid_input');
        }
      });
    }

    run('finds the latest writer of a pointer below a bound, ties ordered by start then id', async (store) => {
      const w1 = sampleRun({ id: 'w1', startedAt: 100, endedAt: 200, outputs: ['p'] });
      const w2 = sampleRun({ id: 'w2', startedAt: 150, endedAt: 300, outputs: ['p'] });
      const w3a = sampleRun({ id: 'w3a', startedAt: 300, endedAt: 300, outputs: ['p'] });
      const w3b = sampleRun({ id: 'w3b', startedAt: 300, endedAt: 300, outputs: ['p'] });
      const long = sampleRun({ id: 'long', startedAt: 50, endedAt: 250, outputs: ['p'] });
      await store.putRuns([w3b, long, w1, w3a, w2]);
      const found = await store.latestWriters([
        { pointer: 'p' },
        { pointer: 'p', before: { endedAt: 300, startedAt: 300, id: 'w3b' } },
        { pointer: 'p', before: { endedAt: 300, startedAt: 300, id: 'w3a' } },
        { pointer: 'p', before: { endedAt: 260, startedAt: 260, id: 'zzz' } },
        { pointer: 'p', before: { endedAt: 200, startedAt: 200, id: 'x' } },
        { pointer: 'p', before: { endedAt: 100, startedAt: 100, id: 'x' } },
        { pointer: 'unknown' },
      ]);
      expect(found.map((w) => w?.id)).toEqual(['w3b', 'w3a', 'w2', 'long', 'w1', undefined, undefined]);
      expect(found[0]).toEqual({ id: 'w3b', component: 'cleaning', startedAt: 300, endedAt: 300 });
    });

    if (target.sync === true) {
      run('answers the same through its synchronous twin', async (store) => {
        const sync = store.sync;
        if (sync === undefined) throw new Error('the target says it has Store.sync, but the store has none');
        expect(sync.store).toBe(store);
        const w1 = sampleRun({ id: 'w1', startedAt: 100, endedAt: 200, outputs: ['p'] });
        const w2 = sampleRun({ id: 'w2', startedAt: 300, endedAt: 400, outputs: ['p'], inputs: ['p'] });
        sync.putRuns([w1]);
        await store.putRuns([w2]);
        const queries = [{ pointer: 'p' }, { pointer: 'p', before: { endedAt: 300, startedAt: 300, id: 'w2' } }];
        expect(sync.latestWriters(queries)).toEqual(await store.latestWriters(queries));
        expect(sync.latestWriters(queries).map((w) => w?.id)).toEqual(['w2', 'w1']);
        expect(await store.getRuns(['w1', 'w2'])).toEqual([w1, w2]);
        expect(() => sync.putRuns([{ ...w1, inputs: undefined } as unknown as Run])).toThrow();
      });
    }

    run('keeps names that look like paths or reserved device names exactly as given', async (store) => {
      const names = [
        '../../etc/x',
        'con',
        'a/b',
        'C:\\temp\\x',
        'ünïcødé ✓',
        'x'.repeat(4000),
        's3://bucket/key?x=1#f',
      ];
      const runs = names.map((n) => sampleRun({ component: n.slice(0, 200), outputs: [n], inputs: [n + '.in'] }));
      await store.putRuns(runs);
      expect(await store.getRuns(runs.map((r) => r.id))).toEqual(runs);
      for (const n of names) {
        expect((await store.latestWriters([{ pointer: n }]))[0]?.component).toBe(n.slice(0, 200));
      }
      await store.putComponents(names.map((n) => sampleComponent(n.slice(0, 200))));
      expect((await store.scanComponents()).length).toBe(names.length);
    });

    run('stores components, replaces them by name and lists them by name', async (store) => {
      await store.putComponents([
        sampleComponent('train', { owner: 'a' }),
        sampleComponent('clean', { tags: ['etl'] }),
      ]);
      await store.putComponents([sampleComponent('train', { owner: 'b', tags: ['ml', 'gpu'] })]);
      expect((await store.scanComponents()).map((c) => [c.name, c.owner])).toEqual([
        ['clean', ''],
        ['train', 'b'],
      ]);
      const [train, none] = await store.getComponents(['train', 'none']);
      expect(train?.tags).toEqual(['ml', 'gpu']);
      expect(none).toBeUndefined();
    });

    run('stores pointer records and lists the flagged ones', async (store) => {
      const p = (name: string, flagged: boolean): PointerRecord => ({ name, flagged, updatedAt: 1 });
      await store.putPointers([p('b', true), p('a', false), { ...p('c', true), type: 'model', flaggedAt: 9 }]);
      expect((await store.scanPointers({ flagged: true })).map((x) => x.name)).toEqual(['b', 'c']);
      expect((await store.scanPointers()).map((x) => x.name)).toEqual(['a', 'b', 'c']);
      await store.putPointers([p('b', false)]);
      expect((await store.scanPointers({ flagged: true })).map((x) => x.name)).toEqual(['c']);
      expect(await store.getPointers(['c', 'zz'])).toEqual([
        { name: 'c', flagged: true, type: 'model', flaggedAt: 9, updatedAt: 1 },
        undefined,
      ]);
    });

    run('stores binary blobs under any key, returns copies and lists them by prefix', async (store) => {
      const keys = ['rows/r1/0', 'rows/r1/1', 'rows/r2/0', '../../etc/passwd', 'a/b\\c:d', 'k'.repeat(1000), 'ünï'];
      const blobs = keys.map((key, i) => ({
        key,
        data: Uint8Array.from({ length: 300 + i }, (_, j) => (j * 7 + i) & 255),
      }));
      await store.putBlobs(blobs);
      const got = await store.getBlobs([...keys, 'rows/none']);
      expect(got.map((b) => (b === undefined ? undefined : Array.from(b)))).toEqual([
        ...blobs.map((b) => Array.from(b.data)),
        undefined,
      ]);
      expect(await store.listBlobs('rows/r1/')).toEqual(['rows/r1/0', 'rows/r1/1']);
      expect((await store.listBlobs('')).length).toBe(keys.length);
      got[0]?.fill(0);
      blobs[1]?.data.fill(0);
      const [again0, again1] = await store.getBlobs(['rows/r1/0', 'rows/r1/1']);
      expect(again0?.[1]).toBe(7);
      expect(again1?.[1]).toBe(8);
      await store.putBlobs([{ key: 'rows/r1/0', data: new Uint8Array([1, 2, 3]) }]);
      expect(Array.from((await store.getBlobs(['rows/r1/0']))[0] ?? [])).toEqual([1, 2, 3]);
      const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i & 255);
      await store.putBlobs([{ key: 'big', data: big }]);
      expect((await store.getBlobs(['big']))[0]?.length).toBe(big.length);
    });

    if (target.readBlobs === true) {
      run('reads blobs one at a time, in the order asked, through readBlobs', async (store) => {
        if (store.readBlobs === undefined) throw new Error('the store has no readBlobs');
        const sizes = [5, 20_000, 0, 150_000, 17, 20_000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        const blobs = sizes.map((n, i) => ({
          key: `scan/${String(i).padStart(2, '0')}`,
          data: Uint8Array.from({ length: n }, (_, j) => (j * 13 + i) & 255),
        }));
        await store.putBlobs(blobs);
        const keys = ['scan/03', 'scan/none', ...blobs.map((b) => b.key), 'scan/03'];
        const text = (d: Uint8Array | undefined) => (d === undefined ? undefined : Array.from(d).join(','));
        const wanted = (await store.getBlobs(keys)).map(text);
        // Each is read before the next is asked for: until then it is valid.
        const got: (string | undefined)[] = [];
        for await (const data of store.readBlobs(keys)) got.push(text(data));
        expect(got).toEqual(wanted);
        expect(got[1]).toBe(undefined);
        // A loop left early, then a blob written again: later reads see the new bytes.
        for await (const data of store.readBlobs(keys)) {
          expect(data?.length).toBe(150_000);
          break;
        }
        await store.putBlobs([{ key: 'scan/03', data: new Uint8Array([4, 5]) }]);
        const again: (string | undefined)[] = [];
        for await (const data of store.readBlobs(['scan/03', 'scan/00'])) again.push(text(data));
        expect(again).toEqual(['4,5', wanted[2]]);
      });
    }

    if (target.withoutDeleteBlobs !== true) {
      run('deletes blobs by key, ignores unknown keys, and can store a deleted key again', async (store) => {
        if (store.deleteBlobs === undefined) throw new Error('the store has no deleteBlobs');
        const blob = (key: string, n: number) => ({ key, data: new Uint8Array([n, n + 1]) });
        await store.putBlobs([blob('ol/a', 1), blob('ol/b', 2), blob('ol/c', 3)]);
        await store.deleteBlobs(['ol/a', 'ol/c', 'ol/never']);
        await store.deleteBlobs([]);
        expect(await store.listBlobs('ol/')).toEqual(['ol/b']);
        expect((await store.getBlobs(['ol/a', 'ol/b', 'ol/c'])).map((d) => d && Array.from(d))).toEqual([
          undefined,
          [2, 3],
          undefined,
        ]);
        await store.putBlobs([blob('ol/a', 9)]);
        expect(Array.from((await store.getBlobs(['ol/a']))[0] ?? [])).toEqual([9, 10]);
        if (target.reopen !== undefined) {
          await store.deleteBlobs(['ol/b']);
          await store.close();
          const again = await target.reopen(store);
          try {
            expect(await again.listBlobs('ol/')).toEqual(['ol/a']);
          } finally {
            await again.close();
          }
        }
      });
    }

    run('an empty batch is a no-op', async (store) => {
      await store.putRuns([]);
      await store.putComponents([]);
      await store.putPointers([]);
      await store.putBlobs([]);
      expect((await store.scanRuns({})).runs).toEqual([]);
      expect(await store.listBlobs('')).toEqual([]);
    });

    run('tells live subscribers about committed writes when it is live', async (store) => {
      if (!store.capabilities.live) {
        expect(store.subscribe).toBeUndefined();
        return;
      }
      const seen: unknown[] = [];
      const unsubscribe = store.subscribe?.((change) => seen.push(change));
      const r = sampleRun();
      await store.putRuns([r]);
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(seen).toContainEqual({ kind: 'runs', ids: [r.id] });
      unsubscribe?.();
    });

    throwingListenerConformance(run, expect);

    run('answers the newest run of each component with its staleness in one query (latestRuns)', async (store) => {
      const t0 = Date.UTC(2026, 0, 1);
      const pt = createPipetrace({ store, now: () => t0 + 3_600_000 });
      const log = (component: string, at: number, inputs: string[], outputs: string[]) =>
        pt.logRun({ component, startedAt: t0 + at, endedAt: t0 + at + 5, inputs, outputs });
      await pt.component('idle', { owner: 'nobody' });
      await log('clean', 0, [], ['clean.csv']);
      const train = await log('train', 10, ['clean.csv'], ['model.pkl']);
      const clean = await log('clean', 20, [], ['clean.csv']);
      const infer = await log('infer', 30, ['model.pkl'], ['preds.csv']);
      const latest = await pt.latestRuns();
      // By component name; idle has no run, so no entry; train's input has a newer version.
      expect(latest.map((l) => [l.component, l.run.id, l.staleness.stale])).toEqual([
        ['clean', clean.id, false],
        ['infer', infer.id, false],
        ['train', train.id, true],
      ]);
      expect(latest[2]?.run).toEqual(train);
      expect(latest[2]?.staleness).toEqual(await pt.staleness({ run: train.id }));
      // Only what the in-browser runner's expect knows (toEqual, toBe): no toMatchObject here.
      const reasons = (latest[2]?.staleness.reasons ?? []) as { kind: string; latest?: string }[];
      expect(reasons.map((r) => [r.kind, r.latest])).toEqual([['fresher_runs', clean.id]]);
      // The first three components by name: clean, idle (no run) and infer.
      expect((await pt.latestRuns({ limit: 3 })).map((l) => l.component)).toEqual(['clean', 'infer']);
      expect((await pt.latestRuns({ components: ['train', 'idle'] })).map((l) => l.run.id)).toEqual([train.id]);
      const missing = await pt.latestRuns({ components: ['missing'] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((missing as { code?: unknown } | undefined)?.code).toBe('not_found');
    });

    run('keeps the profiles a run records, and drift and monitor read them back', async (store) => {
      const pt = createPipetrace({ store });
      const day = (d: number, shift: number) =>
        pt
          .startRun('cleaning', { startedAt: 1_700_000_000_000 + d * 86_400_000 })
          .profile('clean.csv', {
            km: Float64Array.from({ length: 2000 }, (_, i) => (i % 100) / 10 + shift),
            city: Array.from({ length: 2000 }, (_, i) => (i % 4 === 0 ? null : ['Oslo', 'Bergen'][i % 2])),
          })
          .end();
      await day(0, 0);
      const second = await day(1, 5);
      const profile = await pt.profile('clean.csv');
      expect(profile.run.id).toBe(second.id);
      expect(profile.columns.map((c) => [c.name, c.type, c.count, c.missing])).toEqual([
        ['km', 'number', 2000, 0],
        ['city', 'string', 1500, 500],
      ]);
      expect(Math.abs((profile.columns[0]?.mean ?? 0) - 9.95)).toBeLessThan(1e-9);
      const drift = await pt.drift('clean.csv');
      expect(drift.outputs[0]?.reference?.kind).toBe('previous');
      expect(drift.outputs[0]?.columns.map((c) => [c.column, c.drifted])).toEqual([
        ['km', true],
        ['city', false],
      ]);
      expect((await pt.monitor()).drifted).toEqual(['cleaning']);
      if (target.reopen !== undefined) {
        await store.close();
        const again = await target.reopen(store);
        try {
          const kept = await createPipetrace({ store: again }).profile('clean.csv');
          expect(Math.abs((kept.columns[0]?.mean ?? 0) - 9.95)).toBeLessThan(1e-9);
        } finally {
          await again.close();
        }
      }
    });

    run("keeps a task's outputs and late feedback, joins them and flags the rows that missed", async (store) => {
      const t0 = 1_700_000_000_000;
      const pt = createPipetrace({ store, now: () => t0 });
      const keys = ['r1', 'r2', 'r3', 'r4'];
      await pt
        .startRun('inference', { startedAt: t0, inputs: ['features.csv'], outputs: ['pred.csv'] })
        .rows({ output: 'pred.csv', input: 'features.csv', kind: 'map', outputKeys: keys, inputKeys: keys })
        .end({ endedAt: t0 + 1000 });
      const fare = pt.task('fare');
      await fare.logOutputs(keys, [10, 20, 30, 40], { at: t0, pointer: 'pred.csv' });
      // The truth comes a day later, one id before its output exists.
      const late = await fare.logFeedback(['r1', 'r2', 'r3', 'r9'], [10.5, 29, 30, 7], { at: t0 + 86_400_000 });
      expect([late.logged, late.unmatched, late.unmatchedIds]).toEqual([4, 1, ['r9']]);
      const mae = await fare.metrics({ metric: 'mae', window: '1d' });
      expect(mae.points.map((p) => [p.value, p.count])).toEqual([[9.5 / 3, 3]]);
      expect(mae.unmatched).toBe(1);
      expect(await pt.tasks()).toEqual([
        { name: 'fare', outputs: 4, feedback: 4, outputBatches: 1, feedbackBatches: 1 },
      ]);
      const flagged = await fare.flagMisses({ absError: 1 });
      expect([flagged.checked, flagged.missed, flagged.pointers]).toEqual([
        3,
        1,
        [{ pointer: 'pred.csv', missed: 1, flaggedRows: 1 }],
      ]);
      expect((await pt.flaggedRows('pred.csv')).rows.map((r) => r.key)).toEqual(['r2']);
      // Refused input stores nothing.
      const refusal = await fare.logFeedback(['r4', 'r5'], [1]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(String(refusal)).toMatch(/lengths must be equal/);
      expect((await pt.tasks())[0]?.feedback).toBe(4);
      if (target.reopen !== undefined) {
        await store.close();
        const again = await target.reopen(store);
        try {
          const kept = createPipetrace({ store: again }).task('fare');
          await kept.logOutputs(['r9'], [8], { at: t0 });
          const joined = await kept.metrics({ metric: 'count' });
          expect([joined.points[0]?.count, joined.unmatched]).toEqual([4, 0]);
        } finally {
          await again.close();
        }
      }
    });

    run('stores neither run nor profile when a profile is refused', async (store) => {
      const pt = createPipetrace({ store });
      const handle = pt.startRun('cleaning').profile('clean.csv', { km: [1, 2, 3] });
      expect(() => handle.profile('clean.csv', { km: ['a', 'b'] })).toThrow(/mixed types/);
      expect(() => handle.profile('other.csv', { a: [1, 2], b: [1] })).toThrow(/unequal length/);
      // The refused batches left the first one as it was.
      await handle.end();
      expect((await pt.profile('clean.csv')).columns[0]?.count).toBe(3);
      expect(await store.listBlobs('profile/')).toHaveLength(1);
      // A recorder's rows are checked when the run ends: a bad one then stores nothing at all.
      const later = pt.startRun('cleaning', { outputs: ['x.csv'] });
      const recorder = later.rowRecorder('x.csv', 'raw.csv', 'map', { profile: true });
      recorder.add('k1', 'r1', { km: 1 });
      recorder.add('k2', 'r2', { km: 'one' });
      // (The suite's matchers stop at toThrow: no `rejects` in the browser's shim.)
      const refusal = await later.end().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(String(refusal)).toMatch(/mixed types/);
      expect((await store.scanRuns({})).runs.map((r) => r.id)).not.toContain(later.id);
      expect(await store.listBlobs('profile/')).toHaveLength(1);
      expect(await store.listBlobs('rows/')).toEqual([]);
    });

    run(
      'keeps labels and retractions: what a label reached, the flags a retraction set, and closing it',
      async (store) => {
        const pt = createPipetrace({ store });
        const t0 = 1_700_000_000_000;
        const at = (ms: number) => t0 + ms;
        const step = (component: string, input: string, output: string, start: number) =>
          pt.startRun(component, { startedAt: at(start), inputs: input, outputs: output });
        const rides = ['r1', 'r2', 'r3', 'r4'];
        await step('clean', 'raw.csv', 'clean.csv', 0)
          .rows({ output: 'clean.csv', input: 'raw.csv', kind: 'keep', keys: rides.slice(1) })
          .end({ endedAt: at(10) });
        await step('score', 'clean.csv', 'scores.csv', 100)
          .rows({
            output: 'scores.csv',
            input: 'clean.csv',
            kind: 'map',
            outputKeys: ['s2', 's3', 's4'],
            inputKeys: rides.slice(1),
          })
          .end({ endedAt: at(110) });
        await step('train', 'clean.csv', 'model.pkl', 200).end({ endedAt: at(210) });
        const labelled = await pt.label('raw.csv', 'customer:7', { rows: ['r1', 'r3'] });
        expect(labelled.rowCount).toBe(2);
        const answer = await pt.labelled('customer:7');
        expect(answer.outputs.map((o) => [o.pointer, o.rowLevel, o.rowCount])).toEqual([
          ['clean.csv', true, 1],
          ['scores.csv', true, 1],
          ['model.pkl', false, 0],
        ]);
        const report = await pt.retract('customer:7', { reason: 'deletion request' });
        expect(report.flagged).toEqual({ pointers: 1, rows: 2 });
        expect((await pt.flagged()).map((p) => p.name)).toEqual(['model.pkl']);
        expect((await pt.flaggedRows('scores.csv')).rows.map((r) => r.hash)).toEqual(
          report.files.find((f) => f.pointer === 'scores.csv')?.rows.map((r) => r.hash),
        );
        const check = async (again: Store, open: boolean) => {
          const pt2 = createPipetrace({ store: again });
          expect((await pt2.retractions({ all: true })).map((r) => [r.label, r.reason, r.open])).toEqual([
            ['customer:7', 'deletion request', open],
          ]);
          expect((await pt2.labelled('customer:7')).sources[0]?.rowCount).toBe(2);
        };
        await check(store, true);
        await pt.closeRetraction('customer:7');
        expect(await pt.flagged()).toEqual([]);
        expect((await pt.flaggedRows('scores.csv')).rows).toEqual([]);
        await check(store, false);
        if (target.reopen !== undefined) {
          await store.close();
          const again = await target.reopen(store);
          try {
            await check(again, false);
          } finally {
            await again.close();
          }
        }
      },
    );

    if (target.reopen !== undefined) {
      const reopen = target.reopen;
      it('keeps everything after close and reopen', async () => {
        const store = await target.create();
        const runs = [sampleRun({ outputs: ['o'] }), sampleRun({ inputs: ['o'] })];
        await store.putRuns(runs);
        await store.putComponents([sampleComponent('cleaning', { owner: 'me' })]);
        await store.putPointers([{ name: 'o', flagged: true, updatedAt: 3 }]);
        await store.close();
        const again = await reopen(store);
        try {
          expect(await again.getRuns(runs.map((r) => r.id))).toEqual(runs);
          expect((await again.scanComponents())[0]?.owner).toBe('me');
          expect((await again.scanPointers({ flagged: true })).map((p) => p.name)).toEqual(['o']);
          expect((await again.latestWriters([{ pointer: 'o' }]))[0]?.id).toBe(runs[0]?.id);
        } finally {
          await again.close();
        }
      }, 60_000);
    }

    target.additionalTests?.(t);
  });
}

/**
 * A live store's listener that throws is reported (console.error by default) and changes
 * nothing else: the write resolves, the data is stored, the other listeners still hear it.
 */
function throwingListenerConformance(
  run: (name: string, body: (store: Store) => Promise<void>) => void,
  expect: TestApi['expect'],
): void {
  run('a throwing listener is reported and neither fails the write nor silences the others', async (store) => {
    if (!store.capabilities.live || store.subscribe === undefined) return;
    const boom = new Error('listener failed on purpose');
    const reported: unknown[][] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => {
      reported.push(args);
    };
    const heard: StoreChange[] = [];
    const stopThrowing = store.subscribe(() => {
      throw boom;
    });
    const stopHearing = store.subscribe((change) => heard.push(change));
    try {
      const r = sampleRun();
      await store.putRuns([r]);
      await store.putComponents([sampleComponent('throwing-listener')]);
      await store.putPointers([{ name: 'throwing-listener.csv', flagged: true, updatedAt: 1 }]);
      for (let i = 0; i < 50 && !heard.some((c) => c.kind === 'pointers'); i++)
        await new Promise((res) => setTimeout(res, 20));
      expect(await store.getRuns([r.id])).toEqual([r]);
      expect((await store.getComponents(['throwing-listener']))[0]?.name).toBe('throwing-listener');
      expect((await store.getPointers(['throwing-listener.csv']))[0]?.flagged).toBe(true);
      expect(heard).toContainEqual({ kind: 'runs', ids: [r.id] });
      expect(heard).toContainEqual({ kind: 'components', names: ['throwing-listener'] });
      expect(heard).toContainEqual({ kind: 'pointers', names: ['throwing-listener.csv'] });
      expect(reported.some((args) => args.includes(boom))).toBe(true);
    } finally {
      stopThrowing();
      stopHearing();
      console.error = consoleError;
    }
  });
}
