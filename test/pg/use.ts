import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type TestPostgres } from './server.js';

/**
 * One server for the calling test file: started before its tests, stopped after them. The
 * object returned reads through to it, so tests can hold it from the module's top level.
 */
export function useTestPostgres(): TestPostgres {
  let server: TestPostgres | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      server = await startPostgres();
    } catch (error) {
      // Every test of the file then fails with this reason (none is skipped).
      failure = error;
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  const get = (): TestPostgres => {
    if (failure !== undefined) throw failure;
    if (server === undefined) throw new Error('the test PostgreSQL is not running (use it inside tests)');
    return server;
  };
  return {
    get url() {
      return get().url;
    },
    get host() {
      return get().host;
    },
    get port() {
      return get().port;
    },
    get user() {
      return get().user;
    },
    get password() {
      return get().password;
    },
    urlFor: (database) => get().urlFor(database),
    createDatabase: (name) => get().createDatabase(name),
    stop: () => get().stop(),
  };
}
