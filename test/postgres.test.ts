import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from '../adapters/postgres/index.js';
import { storeConformance } from '../src/testing.js';
import { startPostgres, type TestPostgres } from './pg/server.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

let n = 0;
// Each test gets a schema of its own on the one server.
storeConformance(
  { describe, it, expect },
  {
    name: 'postgres',
    create: () => postgresStore({ url: pg.url }, { schema: `conformance_${++n}` }),
    reopen: (closed) => postgresStore({ url: pg.url }, { schema: (closed as PostgresStore).schema }),
  },
);
