/**
 * Tests of the Dexie adapter beyond the conformance suite, written against the TestApi so they
 * run both in Node (fake-indexeddb) and in real Chromium (through the harness's shim).
 */
import Dexie from 'dexie';
import { dexieStore, pipetraceTables } from '../../../adapters/dexie/index.js';
import { isPipetraceError } from '../../../src/errors.js';
import type { RunPage, Store } from '../../../src/store.js';
import { type ConformanceTarget, sampleRun, type TestApi } from '../../../src/testing.js';
import { deleteRaw, freshName, openRaw, transactionDone, within } from './raw-idb.js';

const names = new WeakMap<Store, string>();

/** A Dexie database of pipetrace's own, fresh per test, reopened by name. */
export function dexieTarget(additionalTests?: (t: TestApi) => void): ConformanceTarget {
  const open = (name: string) => {
    const store = dexieStore({ name });
    names.set(store, name);
    return store;
  };
  return {
    name: 'dexie (own database)',
    create: async () => open(freshName('pt-dexie')),
    reopen: async (closed) => open(names.get(closed) ?? 'missing'),
    ...(additionalTests === undefined ? {} : { additionalTests }),
  };
}

/** An app's Dexie database with its own tables and pipetrace's beside them. */
export function appDatabase(name: string): Dexie {
  const db = new Dexie(name);
  db.version(1).stores({ todos: '++id, title' });
  db.version(2).stores({ todos: '++id, title, done', ...pipetraceTables() });
  return db;
}

const appDbs = new WeakMap<Store, Dexie>();

/** pipetrace's tables inside an app's database; the store never closes the app's db. */
export function dexieAppTarget(): ConformanceTarget {
  const open = (name: string) => {
    const db = appDatabase(name);
    const store = dexieStore({ db });
    appDbs.set(store, db);
    return store;
  };
  return {
    name: 'dexie (inside an app database)',
    create: async () => open(freshName('pt-dexie-app')),
    reopen: async (closed) => {
      const db = appDbs.get(closed);
      db?.close();
      return open(db?.name ?? 'missing');
    },
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

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function dexieSpecs(t: TestApi): void {
  const { it, expect } = t;

  it('upgrades a version 1 database written by an older pipetrace and keeps its runs', async () => {
    const name = freshName('pt-dexie-v1');
    // Dexie keeps version n as IndexedDB version n * 10 and names compound indexes [a+b].
    const raw = await openRaw(name, 10, (db) => {
      const runs = db.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('[startedAt+id]', ['startedAt', 'id']);
      runs.createIndex('[component+startedAt+id]', ['component', 'startedAt', 'id']);
      db.createObjectStore('components', { keyPath: 'name' });
      db.createObjectStore('pointers', { keyPath: 'name' });
    });
    const tx = raw.transaction(['runs', 'pointers'], 'readwrite');
    tx.objectStore('runs').put(sampleRun({ id: 'old-a', startedAt: 100, endedAt: 110, outputs: ['p'] }));
    tx.objectStore('runs').put(sampleRun({ id: 'old-b', startedAt: 200, endedAt: 210, inputs: ['p'], outputs: ['q'] }));
    tx.objectStore('pointers').put({ name: 'q', flagged: true, updatedAt: 5 });
    await transactionDone(tx);
    raw.close();
    const store = dexieStore({ name });
    try {
      expect((await store.latestWriters([{ pointer: 'p' }, { pointer: 'q' }])).map((w) => w?.id)).toEqual([
        'old-a',
        'old-b',
      ]);
      expect((await store.scanRuns({ input: 'p' })).runs.map((r) => r.id)).toEqual(['old-b']);
      expect((await store.scanPointers({ flagged: true })).map((p) => p.name)).toEqual(['q']);
      await store.putBlobs([{ key: 'k', data: new Uint8Array([7]) }]);
      expect(Array.from((await store.getBlobs(['k']))[0] ?? [])).toEqual([7]);
      expect(store.db.verno).toBe(2);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('gives up an upgrade blocked by a connection that never closes, then succeeds once it does', async () => {
    const name = freshName('pt-dexie-blocked');
    const raw = await openRaw(name, 10, (db) => {
      const runs = db.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('[startedAt+id]', ['startedAt', 'id']);
      runs.createIndex('[component+startedAt+id]', ['component', 'startedAt', 'id']);
      db.createObjectStore('components', { keyPath: 'name' });
      db.createObjectStore('pointers', { keyPath: 'name' });
    });
    const tx = raw.transaction('runs', 'readwrite');
    tx.objectStore('runs').put(sampleRun({ id: 'old-a', outputs: ['p'] }));
    await transactionDone(tx);
    // `raw` stays open with no versionchange handler, like an old tab.
    const store = dexieStore({ name, blockedTimeout: 100 });
    try {
      const error = await rejection(store.getRuns(['old-a']));
      expect(isPipetraceError(error, 'unavailable')).toBe(true);
      expect(String((error as Error).message)).toContain('blocked');
      raw.close();
      expect((await store.getRuns(['old-a']))[0]?.id).toBe('old-a');
      expect((await store.latestWriters([{ pointer: 'p' }]))[0]?.id).toBe('old-a');
    } finally {
      raw.close();
      await store.close();
    }
    await deleteRaw(name);
  });

  it("keeps the app's own tables working and leaves the app's database open on close", async () => {
    const db = appDatabase(freshName('pt-dexie-app'));
    const store = dexieStore({ db });
    try {
      const todos = db.table('todos');
      await todos.add({ title: 'write docs', done: 0 });
      const r = sampleRun({ outputs: ['model.pkl'] });
      await store.putRuns([r]);
      expect((await store.getRuns([r.id]))[0]).toEqual(r);
      await store.close();
      expect(db.isOpen()).toBe(true);
      expect((await todos.toArray()).map((x) => x.title)).toEqual(['write docs']);
      expect(db.tables.map((x) => x.name).sort()).toEqual([
        'pipetrace_blobs',
        'pipetrace_components',
        'pipetrace_pointers',
        'pipetrace_runs',
        'todos',
      ]);
    } finally {
      db.close();
      await Dexie.delete(db.name);
    }
  });

  it('says how to declare the tables when the app database lacks them', async () => {
    const db = new Dexie(freshName('pt-dexie-bare'));
    db.version(1).stores({ todos: '++id' });
    const store = dexieStore({ db });
    try {
      const error = await rejection(store.getRuns(['x']));
      expect(isPipetraceError(error, 'invalid_input')).toBe(true);
      expect(String((error as Error).message)).toContain('pipetraceTables()');
    } finally {
      await store.close();
      db.close();
      await Dexie.delete(db.name);
    }
  });

  it('re-runs a live query when runs arrive', async () => {
    const store = dexieStore({ name: freshName('pt-dexie-live') });
    const pages: RunPage[] = [];
    const subscription = store.live((s) => s.scanRuns({ component: 'train' })).subscribe((page) => pages.push(page));
    try {
      for (let i = 0; i < 100 && pages.length === 0; i++) await wait(10);
      expect(pages[0]?.runs).toEqual([]);
      const r = sampleRun({ component: 'train' });
      await store.putRuns([r]);
      for (let i = 0; i < 100 && pages.length < 2; i++) await wait(10);
      expect(pages[pages.length - 1]?.runs.map((x) => x.id)).toEqual([r.id]);
    } finally {
      subscription.unsubscribe();
      await store.close();
      await Dexie.delete(store.db.name);
    }
  });

  it('tells subscribers about writes made through another connection to the same database', async () => {
    const name = freshName('pt-dexie-sub');
    const writer = dexieStore({ name });
    const reader = dexieStore({ name });
    const seen: unknown[] = [];
    const unsubscribe = reader.subscribe?.((change) => seen.push(change));
    try {
      const runs = [sampleRun({ id: 'sub-b' }), sampleRun({ id: 'sub-a' })];
      await writer.putRuns(runs);
      await writer.putPointers([{ name: 'p', flagged: true, updatedAt: 1 }]);
      for (let i = 0; i < 100 && seen.length < 2; i++) await wait(10);
      expect(seen).toEqual([
        { kind: 'runs', ids: ['sub-a', 'sub-b'] },
        { kind: 'pointers', names: ['p'] },
      ]);
      unsubscribe?.();
      await writer.putRuns([sampleRun()]);
      await wait(50);
      expect(seen.length).toBe(2);
    } finally {
      await writer.close();
      await reader.close();
      await Dexie.delete(name);
    }
  });

  it('steps aside when another tab deletes the database and works again on next use', async () => {
    const name = freshName('pt-dexie-del');
    const store = dexieStore({ name });
    try {
      const a = sampleRun();
      await store.putRuns([a]);
      await within(3000, 'deleting the database', deleteRaw(name));
      const b = sampleRun();
      await store.putRuns([b]);
      expect(await store.getRuns([a.id, b.id])).toEqual([undefined, b]);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('keeps working after another tab upgraded the database to a newer version with the same tables', async () => {
    const name = freshName('pt-dexie-newer');
    const store = dexieStore({ name });
    try {
      const a = sampleRun();
      await store.putRuns([a]);
      const current = await openRaw(name);
      const version = current.version;
      current.close();
      const newer = await within(3000, 'the newer tab opening', openRaw(name, version + 10));
      newer.close();
      // Dexie reopens at the newer version when the tables it needs are all there.
      expect((await store.getRuns([a.id]))[0]?.id).toBe(a.id);
      const b = sampleRun();
      await store.putRuns([b]);
      expect((await store.getRuns([b.id]))[0]?.id).toBe(b.id);
    } finally {
      await store.close();
    }
    await deleteRaw(name);
  });

  it('rejects a forged cursor or a time that is not a number without touching the store', async () => {
    const store = dexieStore({ name: freshName('pt-dexie-hostile') });
    try {
      await store.putRuns([sampleRun()]);
      expect(isPipetraceError(await rejection(store.scanRuns({ cursor: '../../x' })), 'invalid_input')).toBe(true);
      expect(isPipetraceError(await rejection(store.scanRuns({ since: Number.NaN })), 'invalid_input')).toBe(true);
      expect((await store.scanRuns({})).runs.length).toBe(1);
    } finally {
      await store.close();
      await Dexie.delete(store.db.name);
    }
  });

  it('aborts the whole batch when one record cannot be stored', async () => {
    const store = dexieStore({ name: freshName('pt-dexie-bad') });
    try {
      const good = sampleRun();
      const bad = { ...sampleRun(), id: undefined as unknown as string };
      const error = await rejection(store.putRuns([good, bad]));
      expect(isPipetraceError(error)).toBe(true);
      expect(await store.getRuns([good.id])).toEqual([undefined]);
    } finally {
      await store.close();
      await Dexie.delete(store.db.name);
    }
  });
}
