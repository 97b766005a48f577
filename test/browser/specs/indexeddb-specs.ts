/**
 * Tests of the idb adapter beyond the conformance suite, written against the TestApi so they run
 * both in Node (fake-indexeddb) and in real Chromium (through the harness's shim).
 */
import { indexedDbStore, SCHEMA_VERSION } from '../../../adapters/indexeddb/index.js';
import { isPipetraceError } from '../../../src/errors.js';
import type { Store } from '../../../src/store.js';
import { type ConformanceTarget, sampleRun, type TestApi } from '../../../src/testing.js';
import { deleteRaw, freshName, openRaw, transactionDone, within } from './raw-idb.js';

const names = new WeakMap<Store, string>();

/** The conformance target for indexedDbStore: a fresh database per test, reopened by name. */
export function indexedDbTarget(additionalTests?: (t: TestApi) => void): ConformanceTarget {
  const open = (name: string) => {
    const store = indexedDbStore({ name });
    names.set(store, name);
    return store;
  };
  return {
    name: 'indexeddb (idb)',
    create: async () => open(freshName('pt-idb')),
    reopen: async (closed) => open(names.get(closed) ?? 'missing'),
    ...(additionalTests === undefined ? {} : { additionalTests }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A database as pipetrace's schema version 1 left it, written by hand with the raw API. */
async function createVersion1(name: string): Promise<void> {
  const db = await openRaw(name, 1, (raw) => {
    const runs = raw.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('started', ['startedAt', 'id']);
    runs.createIndex('component', ['component', 'startedAt', 'id']);
    raw.createObjectStore('components', { keyPath: 'name' });
    raw.createObjectStore('pointers', { keyPath: 'name' });
  });
  const tx = db.transaction(['runs', 'pointers'], 'readwrite');
  tx.objectStore('runs').put(sampleRun({ id: 'old-a', startedAt: 100, endedAt: 110, outputs: ['p'] }));
  tx.objectStore('runs').put(sampleRun({ id: 'old-b', startedAt: 200, endedAt: 210, inputs: ['p'], outputs: ['q'] }));
  tx.objectStore('pointers').put({ name: 'q', flagged: true, updatedAt: 5 });
  tx.objectStore('pointers').put({ name: 'p', flagged: false, updatedAt: 5 });
  await transactionDone(tx);
  db.close();
}

export function indexedDbSpecs(t: TestApi): void {
  const { it, expect } = t;

  it('upgrades a version 1 database written by an older pipetrace and keeps its runs', async () => {
    const name = freshName('pt-idb-v1');
    await createVersion1(name);
    const store = indexedDbStore({ name });
    try {
      expect((await store.latestWriters([{ pointer: 'p' }, { pointer: 'q' }])).map((w) => w?.id)).toEqual([
        'old-a',
        'old-b',
      ]);
      expect((await store.scanRuns({ input: 'p' })).runs.map((r) => r.id)).toEqual(['old-b']);
      expect((await store.scanRuns({ output: 'p' })).runs.map((r) => r.id)).toEqual(['old-a']);
      expect((await store.scanPointers({ flagged: true })).map((p) => p.name)).toEqual(['q']);
      const [old] = await store.getRuns(['old-a']);
      expect(Object.keys(old ?? {}).some((k) => k.startsWith('_'))).toBe(false);
      await store.putBlobs([{ key: 'k', data: new Uint8Array([1, 2]) }]);
      expect(Array.from((await store.getBlobs(['k']))[0] ?? [])).toEqual([1, 2]);
    } finally {
      await store.close();
    }
    const raw = await openRaw(name);
    expect(raw.version).toBe(SCHEMA_VERSION);
    raw.close();
    await deleteRaw(name);
  });

  it('steps aside when another tab deletes the database and works again on next use', async () => {
    const name = freshName('pt-idb-del');
    const store = indexedDbStore({ name });
    try {
      const a = sampleRun();
      await store.putRuns([a]);
      // Not blocked: the store closes its connection when asked to.
      await within(3000, 'deleting the database', deleteRaw(name));
      expect(await store.getRuns([a.id])).toEqual([undefined]);
      const b = sampleRun();
      await store.putRuns([b]);
      expect((await store.getRuns([b.id]))[0]?.id).toBe(b.id);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('fails with a clear unavailable error after another tab upgraded to a newer schema', async () => {
    const name = freshName('pt-idb-newer');
    const store = indexedDbStore({ name });
    try {
      await store.putRuns([sampleRun()]);
      const newer = await within(3000, 'the newer tab opening', openRaw(name, SCHEMA_VERSION + 1));
      newer.close();
      const error = await rejection(store.scanRuns({}));
      expect(isPipetraceError(error, 'unavailable')).toBe(true);
      expect(String((error as Error).message)).toContain('newer');
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('gives up an upgrade blocked by a connection that never closes, then succeeds once it does', async () => {
    const name = freshName('pt-idb-blocked');
    await createVersion1(name);
    const stubborn = await openRaw(name); // an old tab with no versionchange handler
    const store = indexedDbStore({ name, blockedTimeout: 100 });
    try {
      const error = await rejection(store.getRuns(['old-a']));
      expect(isPipetraceError(error, 'unavailable')).toBe(true);
      expect(String((error as Error).message)).toContain('blocked');
      stubborn.close();
      expect((await store.getRuns(['old-a']))[0]?.id).toBe('old-a');
    } finally {
      stubborn.close();
      await store.close();
    }
    await deleteRaw(name);
  });

  it('aborts the whole batch when one record cannot be stored', async () => {
    const name = freshName('pt-idb-bad');
    const store = indexedDbStore({ name });
    try {
      const good = sampleRun();
      const bad = { ...sampleRun(), id: undefined as unknown as string };
      const error = await rejection(store.putRuns([good, bad]));
      expect(isPipetraceError(error, 'invalid_input')).toBe(true);
      expect(await store.getRuns([good.id])).toEqual([undefined]);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('tells a store in another tab about runs this one committed', async () => {
    const name = freshName('pt-idb-live');
    const writer = indexedDbStore({ name });
    const reader = indexedDbStore({ name });
    try {
      const seen: unknown[] = [];
      const unsubscribe = reader.subscribe?.((change) => seen.push(change));
      const r = sampleRun();
      await writer.putRuns([r]);
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(seen).toEqual([{ kind: 'runs', ids: [r.id] }]);
      unsubscribe?.();
    } finally {
      await writer.close();
      await reader.close();
    }
    await deleteRaw(name);
  });

  it('refuses to work after close with an unavailable error', async () => {
    const store = indexedDbStore({ name: freshName('pt-idb-closed') });
    await store.close();
    expect(isPipetraceError(await rejection(store.getRuns(['x'])), 'unavailable')).toBe(true);
  });

  it('rejects a forged cursor or a time that is not a number without touching the store', async () => {
    const store = indexedDbStore({ name: freshName('pt-idb-hostile') });
    try {
      await store.putRuns([sampleRun()]);
      expect(isPipetraceError(await rejection(store.scanRuns({ cursor: '../../x' })), 'invalid_input')).toBe(true);
      expect(isPipetraceError(await rejection(store.scanRuns({ since: Number.NaN })), 'invalid_input')).toBe(true);
      expect((await store.scanRuns({})).runs.length).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('rejects an empty database name', () => {
    let error: unknown;
    try {
      indexedDbStore({ name: '' });
    } catch (e) {
      error = e;
    }
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
  });

  it('pages a scan filtered by component, input and start time without repeats or gaps', async () => {
    const name = freshName('pt-idb-scan');
    const store = indexedDbStore({ name });
    try {
      const runs = Array.from({ length: 300 }, (_, i) =>
        sampleRun({ startedAt: 1000 + (i % 10), component: i % 3 === 0 ? 'a' : 'b', inputs: [`in/${i % 4}`] }),
      );
      await store.putRuns(runs);
      const expected = runs
        .filter((r) => r.component === 'a' && r.inputs[0] === 'in/0' && r.startedAt >= 1002)
        .sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1))
        .map((r) => r.id);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.scanRuns({
          component: 'a',
          input: 'in/0',
          since: 1002,
          order: 'asc',
          limit: 3,
          cursor,
        });
        ids.push(...page.runs.map((r) => r.id));
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(ids).toEqual(expected);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });
}
