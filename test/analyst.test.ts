/**
 * The analyst in-thread, and the worker's API object called in-process (a worker cannot load
 * .ts under vitest; test/analyst-worker.test.ts runs the built worker for real).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import {
  createAnalyst,
  createWorkerApi,
  decodeSnapshot,
  encodeSnapshot,
  loadSnapshot,
  snapshotStore,
} from '../src/analyst/index.js';
import { observedStore } from '../src/analyst/observe.js';
import type { AnalystProgress, StoreSource } from '../src/analyst/types.js';
import { unpack, type WireResult, type WorkerApi } from '../src/analyst/worker-api.js';
import { isPipetraceError, PipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/index.js';
import { impact, reviewRows, traceRow } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { buildPipeline, type Pipeline } from './analyst-data.js';

const NOW = Date.UTC(2026, 3, 1);
const codeOf = (e: unknown) => (isPipetraceError(e) ? e.code : `not a PipetraceError: ${String(e)}`);

/** A worker API in this process, reading a snapshot of `store` like a real worker would. */
async function workerApiOver(store: Store): Promise<WorkerApi> {
  const api = createWorkerApi({
    openStore: async (source: StoreSource) => {
      if (source.kind !== 'snapshot') throw new Error('only snapshots here');
      return snapshotStore(decodeSnapshot(source.snapshot));
    },
    exit: () => {
      throw new Error('exit is not called in-process');
    },
  });
  await api.open({ kind: 'snapshot', snapshot: await encodeSnapshot(store) });
  return api;
}

const unwrap = (r: WireResult) => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return unpack(r);
};

let p: Pipeline;
beforeAll(async () => {
  p = await buildPipeline({ days: 40 });
});

describe('the analyst in-thread', () => {
  it('returns what Pipetrace and the row functions return for every analysis', async () => {
    const pt = createPipetrace({ store: p.store });
    const analyst = createAnalyst({ store: p.store, worker: 'never' });
    expect(analyst.mode).toBe('in-thread');
    expect(await analyst.trace(p.last)).toEqual(await pt.trace(p.last));
    expect(await analyst.trace({ run: p.middleRun }, { depth: 2 })).toEqual(
      await pt.trace({ run: p.middleRun }, { depth: 2 }),
    );
    expect(await analyst.staleness(p.last, { now: NOW })).toEqual(await pt.staleness(p.last, { now: NOW }));
    expect(await analyst.review({ method: 'tarantula' })).toEqual(await pt.review({ method: 'tarantula' }));
    expect(await analyst.history('clean', { limit: 5 })).toEqual(await pt.history('clean', { limit: 5 }));
    expect(await analyst.inspect(p.middleRun)).toEqual(await pt.inspect(p.middleRun));
    expect(await analyst.recent(3)).toEqual(await pt.recent(3));
    expect(await analyst.flagged()).toEqual(await pt.flagged());
    expect(await analyst.components()).toEqual(await pt.components());
    expect(await analyst.traceRow('preds/0/0', 'p0-1')).toEqual(await traceRow(p.store, 'preds/0/0', 'p0-1'));
    expect(await analyst.impact('raw/1', '1-4')).toEqual(await impact(p.store, 'raw/1', '1-4'));
    expect(await analyst.reviewRows()).toEqual(await reviewRows(p.store));
  });

  it('takes signal and onProgress from the options without passing them to the analysis', async () => {
    const analyst = createAnalyst({ store: p.store, worker: 'never' });
    const events: AnalystProgress[] = [];
    const signal = new AbortController().signal;
    const withCall = await analyst.trace(p.last, { depth: 1, signal, onProgress: (e) => events.push(e) });
    expect(withCall).toEqual(await analyst.trace(p.last, { depth: 1 }));
    expect(await analyst.inspect(p.middleRun, { signal })).toEqual(await analyst.inspect(p.middleRun));
    expect(await analyst.recent(undefined, { signal })).toHaveLength(10);
    const done = events.at(-1);
    expect(done).toMatchObject({ method: 'trace', phase: 'done', where: 'in-thread' });
    expect(done?.reads).toBeGreaterThan(0);
  });

  it('rejects at once with aborted when the signal is already aborted, reading nothing', async () => {
    let reads = 0;
    const store = observedStore(p.store, { cancelled: () => false, onRead: () => reads++ });
    const analyst = createAnalyst({ store, worker: 'never' });
    const error = await analyst.review({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('aborted');
    expect(reads).toBe(0);
  });

  it('rejects with aborted when aborted mid-call, and stops reading the store', async () => {
    let reads = 0;
    const controller = new AbortController();
    // A slow store: every read waits a timer tick, and the third read aborts the call.
    const slow = observedStore(p.store, { cancelled: () => false, onRead: () => reads++ });
    const delayed = new Proxy(slow, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await new Promise((r) => setTimeout(r, 1));
          if (reads === 3) controller.abort();
          return value.apply(target, args);
        };
      },
    });
    const analyst = createAnalyst({ store: delayed, worker: 'never' });
    const error = await analyst.trace(p.last, { signal: controller.signal }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('aborted');
    await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBeLessThanOrEqual(4);
  });

  it('never calls onProgress after the call settled, though an aborted read still completes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const reading = new Promise<void>((r) => {
      entered = r;
    });
    // The first read waits for the gate, so it completes (and reports) only after the abort.
    const gated = new Proxy(p.store, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function' || key === 'subscribe') return value;
        return async (...args: unknown[]) => {
          entered();
          await gate;
          return value.apply(target, args);
        };
      },
    });
    const controller = new AbortController();
    const events: AnalystProgress[] = [];
    const analyst = createAnalyst({ store: gated, worker: 'never' });
    const pending = analyst.review({ signal: controller.signal, onProgress: (e) => events.push(e) });
    await reading;
    controller.abort();
    expect(codeOf(await pending.catch((e: unknown) => e))).toBe('aborted');
    release();
    await new Promise((r) => setTimeout(r, 20)); // the read completes and the analysis winds down
    expect(events).toEqual([]);
  });

  it("names nodeWorkerFactory in the browser build of 'pipetrace/worker' too, and says why it cannot work there", async () => {
    const { nodeWorkerFactory } = await import('../worker/browser.js');
    const factory = nodeWorkerFactory();
    const error = (() => {
      try {
        factory();
      } catch (e) {
        return e;
      }
    })();
    expect(codeOf(error)).toBe('unavailable');
    expect((error as Error).message).toMatch(/browser build of 'pipetrace\/worker'/);
  });

  it('keeps error codes: a missing run is not_found, a bad depth is invalid_input', async () => {
    const analyst = createAnalyst({ store: p.store, worker: 'never' });
    expect(codeOf(await analyst.inspect('no-such-run').catch((e: unknown) => e))).toBe('not_found');
    expect(codeOf(await analyst.trace(p.last, { depth: -1 }).catch((e: unknown) => e))).toBe('invalid_input');
  });

  it('falls back in-thread under auto when no worker can be made, and says why', async () => {
    const analyst = createAnalyst({
      store: p.store,
      workerFactory: () => {
        throw new Error('Worker is not defined');
      },
    });
    expect(analyst.mode).toBe('undecided');
    expect((await analyst.trace(p.last)).root).toBe('infer-39');
    expect(analyst.mode).toBe('in-thread');
    expect(analyst.fallbackReason).toMatch(/Worker is not defined/);
    expect(createAnalyst({ store: p.store }).fallbackReason).toMatch(/no workerFactory/);
  });

  it('fails with unavailable under always when the worker cannot be made', async () => {
    const analyst = createAnalyst({
      store: p.store,
      worker: 'always',
      workerFactory: () => {
        throw new Error('Worker is not defined');
      },
    });
    const error = await analyst.review().catch((e: unknown) => e);
    expect(codeOf(error)).toBe('unavailable');
    expect((error as Error).message).toMatch(/could not start: Worker is not defined/);
  });

  it('rejects bad options and bad call options with invalid_input', async () => {
    const bad: (() => unknown)[] = [
      () => createAnalyst({} as never),
      () => createAnalyst({ store: p.store, worker: 'sometimes' as never }),
      () => createAnalyst({ store: p.store, worker: 'always' }),
      () => createAnalyst({ store: p.store, workerFactory: 'worker.js' as never }),
      () => createAnalyst({ store: p.store, source: { kind: '../etc' } as never }),
    ];
    for (const make of bad)
      expect(
        codeOf(
          (() => {
            try {
              make();
            } catch (e) {
              return e;
            }
          })(),
        ),
      ).toBe('invalid_input');
    const analyst = createAnalyst({ store: p.store, worker: 'never' });
    const calls = [
      () => analyst.trace(p.last, { signal: 'stop' as never }),
      () => analyst.review({ onProgress: 42 as never }),
      () => analyst.inspect(p.middleRun, 'extra' as never),
      () => (analyst.flagged as (...a: unknown[]) => Promise<unknown>)({ signal: undefined }, 'too', 'many'),
    ];
    for (const call of calls) expect(codeOf(await call().catch((e: unknown) => e))).toBe('invalid_input');
  });
});

describe('the worker API object', () => {
  it('gives the same results from a snapshot as the analyst does in-thread', async () => {
    const api = await workerApiOver(p.store);
    const analyst = createAnalyst({ store: p.store, worker: 'never' });
    let id = 1;
    const call = async (method: string, ...args: unknown[]) => unwrap(await api.call(id++, method, args));
    expect(await call('trace', p.last)).toEqual(await analyst.trace(p.last));
    expect(await call('staleness', p.last, { now: NOW })).toEqual(await analyst.staleness(p.last, { now: NOW }));
    expect(await call('review')).toEqual(await analyst.review());
    expect(await call('history', 'infer', { limit: 3 })).toEqual(await analyst.history('infer', { limit: 3 }));
    expect(await call('traceRow', 'preds/2/0', 'p2-7')).toEqual(await analyst.traceRow('preds/2/0', 'p2-7'));
    expect(await call('reviewRows', { metric: 'coverage' })).toEqual(await analyst.reviewRows({ metric: 'coverage' }));
    expect(api.ping()).toBe('pong');
  });

  it('refuses methods that are not analyses, such as __proto__, constructor or putRuns', async () => {
    const api = await workerApiOver(p.store);
    for (const method of ['__proto__', 'constructor', 'putRuns', 'toString', '']) {
      const result = await api.call(1, method, []);
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'method' } });
    }
    expect(await api.call(2, 'trace', 'not-an-array' as never)).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('says no store is open before open is called', async () => {
    const api = createWorkerApi({ openStore: async () => memoryStore(), exit: () => {} });
    expect(await api.call(1, 'recent', [])).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('stops a call at its next store read once cancelled', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const store = memoryStore();
    const pt = createPipetrace({ store });
    await pt.logRun({ component: 'a', startedAt: 1, endedAt: 2, outputs: ['x'] });
    const gated = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (key !== 'latestWriters') return value;
        return async (queries: never) => {
          await gate;
          return target.latestWriters(queries);
        };
      },
    });
    const api = createWorkerApi({ openStore: async () => gated, exit: () => {} });
    await api.open({ kind: 'indexeddb', name: 'unused' });
    const pending = api.call(7, 'trace', ['x']);
    await new Promise((r) => setTimeout(r, 5));
    api.cancel(7);
    release();
    // The trace's first read was already waiting; the read after it sees the cancel.
    expect(await pending).toMatchObject({ ok: false, error: { code: 'aborted' } });
    const again = await api.call(8, 'trace', ['x']);
    expect(again.ok).toBe(true);
  });

  it('is read-only: an analysis cannot write through the store it is given', async () => {
    const view = observedStore(p.store, { cancelled: () => false });
    expect(codeOf(await view.putRuns([]).catch((e: unknown) => e))).toBe('invalid_input');
    expect(codeOf(await view.putBlobs([]).catch((e: unknown) => e))).toBe('invalid_input');
  });
});

describe('snapshots', () => {
  it('carry every run, component, pointer record and blob into an equal memory store', async () => {
    const snapshot = await encodeSnapshot(p.store);
    for (const buffer of [snapshot.runs.data, snapshot.blobData]) expect(buffer).toBeInstanceOf(ArrayBuffer);
    const copy = await loadSnapshot(memoryStore(), decodeSnapshot(snapshot));
    const all = async (s: Store) => ({
      runs: (await s.scanRuns({ limit: 10_000, order: 'asc' })).runs,
      components: await s.scanComponents(),
      pointers: await s.scanPointers(),
      blobs: await s.getBlobs(await s.listBlobs('')),
      keys: await s.listBlobs(''),
    });
    const [a, b] = [await all(p.store), await all(copy)];
    expect(b.runs.length).toBeGreaterThan(150);
    expect(b.keys.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
  });

  it('open in the worker as a read-only store that answers every read like the original', async () => {
    const copy = snapshotStore(decodeSnapshot(await encodeSnapshot(p.store)));
    const reads = async (s: Store) => ({
      page: await s.scanRuns({ component: 'features', limit: 7, order: 'asc' }),
      byInput: await s.scanRuns({ input: 'features/10', limit: 50 }),
      runs: await s.getRuns(['clean-3', 'missing', p.middleRun]),
      writers: await s.latestWriters([
        { pointer: p.last },
        { pointer: 'clean/5', before: { endedAt: 0, startedAt: 0, id: '' } },
      ]),
      components: await s.scanComponents(),
      some: await s.getComponents(['train', 'nope']),
      flagged: await s.scanPointers({ flagged: true }),
      pointers: await s.getPointers(['preds/7/0', 'nope']),
      keys: await s.listBlobs('rows/'),
      blobs: await s.getBlobs((await s.listBlobs('')).slice(0, 3)),
    });
    expect(await reads(copy)).toEqual(await reads(p.store));
    for (const write of [
      () => copy.putRuns([]),
      () => copy.putPointers([]),
      () => copy.putComponents([]),
      () => copy.putBlobs([]),
    ]) {
      expect(codeOf(await write().catch((e: unknown) => e))).toBe('invalid_input');
    }
    const [run] = await copy.getRuns(['clean-3']);
    expect(() => run?.inputs.push('x')).toThrow(TypeError);
  });

  it('of an empty store decode to an empty store', async () => {
    const records = decodeSnapshot(await encodeSnapshot(memoryStore()));
    expect(records).toEqual({ runs: [], components: [], pointers: [], blobs: [] });
  });

  it('that are malformed are refused with invalid_input', async () => {
    const good = await encodeSnapshot(p.store);
    const text = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;
    const ends = (...n: number[]) => Uint32Array.from(n).buffer;
    const broken: unknown[] = [
      null,
      { ...good, version: 2 },
      { ...good, runs: { data: text('[{"id":"a"}]'), ends: ends(999) } },
      { ...good, runs: { data: text('[{"id":'), ends: ends(7) } },
      { ...good, runs: { data: text('{"id":"a"}'), ends: ends(10) } },
      { ...good, runs: { data: text('[{"nope":1}]'), ends: ends(12) } },
      { ...good, pointers: { data: text('["x"]'), ends: ends(5) } },
      { ...good, blobEnds: new Float64Array([1e12]).buffer },
      { ...good, blobKeys: { data: 'x', ends: ends() } },
    ];
    for (const snapshot of broken) {
      const error = (() => {
        try {
          decodeSnapshot(snapshot);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(PipetraceError);
      expect(codeOf(error)).toBe('invalid_input');
    }
  });
});
