import { type IDBPDatabase, wrap } from 'idb';
import { upgradeSchema } from './schema.js';

export interface OpenHandlers {
  /** Other connections keep an older version open; the open waits until they close. */
  blocked(): void;
  /** Another connection wants to upgrade or delete the database: close this one. */
  blocking(db: IDBPDatabase<unknown>): void;
  /** The browser closed the connection (storage cleared, disk error). */
  terminated(): void;
}

/**
 * idb's openDB with the IDBFactory passed in (a storage bucket's `indexedDB`, or a test's),
 * upgrading the schema from whatever version the database had.
 */
export function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  handlers: OpenHandlers,
): Promise<IDBPDatabase<unknown>> {
  const request = factory.open(name, version);
  request.addEventListener('upgradeneeded', (event) => {
    if (request.transaction !== null) upgradeSchema(request.result, request.transaction, event.oldVersion);
  });
  request.addEventListener('blocked', () => handlers.blocked());
  const opened = wrap(request) as Promise<IDBPDatabase<unknown>>;
  opened.then(
    (db) => {
      db.addEventListener('close', () => handlers.terminated());
      db.addEventListener('versionchange', () => handlers.blocking(db));
    },
    () => undefined,
  );
  return opened;
}
