import type { PointerRecord, Run } from '../../src/model.js';

/**
 * The IndexedDB layout both browser adapters share. Bump SCHEMA_VERSION when it changes and add
 * a step to UPGRADES, so a database written by an older pipetrace is migrated in place.
 *
 * v1: runs (by id; indexes by start and by component), components, pointers.
 * v2: runs carry derived index keys for inputs, outputs and writes (multiEntry), pointers a
 *     sparse 'flagged' index, and a 'blobs' store for binary values.
 */
export const SCHEMA_VERSION = 2;

export const RUNS = 'runs';
export const COMPONENTS = 'components';
export const POINTERS = 'pointers';
export const BLOBS = 'blobs';

/** Index names on the runs store, and the key each holds. */
export const BY_START = 'started'; // [startedAt, id]
export const BY_COMPONENT = 'component'; // [component, startedAt, id]
export const BY_INPUT = 'inputs'; // [pointer, startedAt, id], one per input
export const BY_OUTPUT = 'outputs'; // [pointer, startedAt, id], one per output
export const BY_WRITE = 'writes'; // [pointer, endedAt, startedAt, id, component], one per output
export const FLAGGED = 'flagged'; // on pointers: 1, present only while flagged

/**
 * A run as stored: the run plus the keys its multiEntry indexes need. IndexedDB keeps those
 * indexes in step with every put, so replacing a run needs no read-before-write.
 */
export type StoredRun = Run & {
  _i: [string, number, string][];
  _o: [string, number, string][];
  _w: [string, number, number, string, string][];
};

export type StoredPointer = PointerRecord & { _f?: 1 };

export function toStoredRun(run: Run): StoredRun {
  const { id, startedAt, endedAt, component } = run;
  return {
    ...run,
    _i: run.inputs.map((p) => [p, startedAt, id]),
    _o: run.outputs.map((p) => [p, startedAt, id]),
    _w: run.outputs.map((p) => [p, endedAt, startedAt, id, component]),
  };
}

/** The run without its index keys. The value came from a structured clone, so it is a copy. */
export function fromStoredRun(stored: StoredRun): Run {
  const { _i, _o, _w, ...run } = stored;
  return run;
}

export function toStoredPointer(pointer: PointerRecord): StoredPointer {
  return pointer.flagged ? { ...pointer, _f: 1 } : { ...pointer };
}

export function fromStoredPointer(stored: StoredPointer): PointerRecord {
  const { _f, ...pointer } = stored;
  return pointer;
}

/** A blob's bytes as an ArrayBuffer of exactly its length (a view may cover a larger buffer). */
export function blobBuffer(data: Uint8Array): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined when
 * there is none (empty prefix, or only U+FFFF code units).
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const unit = prefix.charCodeAt(i);
    if (unit < 0xffff) return prefix.slice(0, i) + String.fromCharCode(unit + 1);
  }
  return undefined;
}

type Upgrade = (db: IDBDatabase, tx: IDBTransaction) => void;

/** UPGRADES[v - 1] takes a database from version v - 1 to v, inside the versionchange transaction. */
export const UPGRADES: readonly Upgrade[] = [
  (db) => {
    const runs = db.createObjectStore(RUNS, { keyPath: 'id' });
    runs.createIndex(BY_START, ['startedAt', 'id']);
    runs.createIndex(BY_COMPONENT, ['component', 'startedAt', 'id']);
    db.createObjectStore(COMPONENTS, { keyPath: 'name' });
    db.createObjectStore(POINTERS, { keyPath: 'name' });
  },
  (db, tx) => {
    const runs = tx.objectStore(RUNS);
    runs.createIndex(BY_INPUT, '_i', { multiEntry: true });
    runs.createIndex(BY_OUTPUT, '_o', { multiEntry: true });
    runs.createIndex(BY_WRITE, '_w', { multiEntry: true });
    tx.objectStore(POINTERS).createIndex(FLAGGED, '_f');
    db.createObjectStore(BLOBS);
    // Backfill: requests queue inside the versionchange transaction, which commits after them.
    rewriteAll(runs, (value) => toStoredRun(value as Run));
    rewriteAll(tx.objectStore(POINTERS), (value) => toStoredPointer(value as PointerRecord));
  },
];

function rewriteAll(store: IDBObjectStore, rewrite: (value: unknown) => unknown): void {
  const request = store.openCursor();
  request.onsuccess = () => {
    const cursor = request.result;
    if (cursor === null) return;
    cursor.update(rewrite(cursor.value));
    cursor.continue();
  };
}

/** Runs every upgrade step from `oldVersion` to SCHEMA_VERSION. */
export function upgradeSchema(db: IDBDatabase, tx: IDBTransaction, oldVersion: number): void {
  for (let v = oldVersion; v < SCHEMA_VERSION; v++) UPGRADES[v]?.(db, tx);
}
