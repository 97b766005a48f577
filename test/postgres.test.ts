import { createServer } from 'node:net';
import { inspect } from 'node:util';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore, SCHEMA_VERSION } from '../adapters/postgres/index.js';
import { isPipetraceError, type PipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/pipetrace.js';
import { impact, reviewRows, traceRow } from '../src/rows/index.js';
import type { StoreChange } from '../src/store.js';
import { sampleComponent, sampleRun, storeConformance } from '../src/testing.js';
import { buildPipeline } from './analyst-data.js';
import { useTestPostgres } from './pg/use.js';

const pg = useTestPostgres();

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

const fresh = () => `case_${++n}`;
const open = (options: Parameters<typeof postgresStore>[1] = {}) =>
  postgresStore({ url: pg.url }, { schema: fresh(), ...options });

/** Every way an error could show its text: the password must be in none of them. */
function everyText(error: unknown): string {
  const e = error as Error & { cause?: unknown; details?: unknown };
  return [
    e.message,
    String(e),
    e.stack,
    JSON.stringify(e),
    JSON.stringify(e.cause),
    JSON.stringify(e.details),
    inspect(e, { depth: 10 }),
  ].join('\n');
}

async function failure(promise: Promise<unknown>): Promise<PipetraceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPipetraceError(error)) throw new Error(`expected a PipetraceError, got ${String(error)}`);
  return error;
}

describe('postgres store', () => {
  it('keeps names with quotes, semicolons and SQL as data', async () => {
    const store = await open();
    try {
      const hostile = [`'; DROP TABLE runs; --`, `"quoted" name`, `x' OR '1'='1`, `$$; SELECT 1; $$`, `back\\slash`];
      const runs = hostile.map((h) => sampleRun({ id: `${h}-id`, component: h, inputs: [`${h}.in`], outputs: [h] }));
      await store.putRuns(runs);
      await store.putComponents(hostile.map((h) => sampleComponent(h, { description: h, tags: [h] })));
      await store.putPointers(hostile.map((h) => ({ name: h, flagged: true, updatedAt: 1 })));
      await store.putBlobs(hostile.map((h) => ({ key: h, data: new Uint8Array([1]) })));
      expect(await store.getRuns(runs.map((r) => r.id))).toEqual(runs);
      for (const h of hostile) {
        expect((await store.latestWriters([{ pointer: h }]))[0]?.id).toBe(`${h}-id`);
        expect((await store.scanRuns({ component: h })).runs.map((r) => r.id)).toEqual([`${h}-id`]);
        expect((await store.scanRuns({ input: `${h}.in` })).runs.map((r) => r.id)).toEqual([`${h}-id`]);
        expect(await store.listBlobs(h)).toEqual([h]);
      }
      expect((await store.scanComponents()).map((c) => c.name)).toEqual([...hostile].sort());
      expect((await store.scanPointers({ flagged: true })).map((p) => p.name)).toEqual([...hostile].sort());
    } finally {
      await store.close();
    }
  });

  it('refuses NUL in names before writing anything, and keeps NUL inside run details', async () => {
    const store = await open();
    try {
      const pt = createPipetrace({ store });
      const refused = await failure(pt.logRun({ component: 'a\u0000b', startedAt: 1, endedAt: 2 }));
      expect(refused.code).toBe('invalid_input');
      // A record that reaches the store without the core's checks is refused by the store.
      const direct = await failure(store.putRuns([sampleRun({ id: 'ok' }), sampleRun({ outputs: ['x\u0000y'] })]));
      expect(direct.code).toBe('invalid_input');
      const pointer = await failure(store.putPointers([{ name: 'p\u0000', flagged: true, updatedAt: 1 }]));
      expect(pointer.code).toBe('invalid_input');
      expect((await store.scanRuns({})).runs).toEqual([]);
      expect(await store.scanPointers()).toEqual([]);
      // Reads of such names find nothing, as in any store, rather than failing.
      await store.putRuns([sampleRun({ id: 'a', component: 'a', inputs: ['a'], outputs: ['a'] })]);
      await store.putBlobs([{ key: 'a', data: new Uint8Array([1]) }]);
      expect(await store.getRuns(['a\u0000', 'a'])).toEqual([undefined, expect.objectContaining({ id: 'a' })]);
      expect((await store.latestWriters([{ pointer: 'a\u0000' }, { pointer: 'a' }])).map((w) => w?.id)).toEqual([
        undefined,
        'a',
      ]);
      // A scan checks its names as every store does (planRunScan): NUL is bad input there.
      for (const field of ['component', 'input', 'output'] as const) {
        expect((await failure(store.scanRuns({ [field]: 'a\u0000' }))).code).toBe('invalid_input');
      }
      expect(await store.getComponents(['a\u0000'])).toEqual([undefined]);
      expect(await store.getPointers(['a\u0000'])).toEqual([undefined]);
      expect(await store.getBlobs(['a\u0000', 'a'])).toEqual([undefined, new Uint8Array([1])]);
      await store.deleteBlobs(['a\u0000']);
      expect(await store.listBlobs('a\u0000')).toEqual([]);
      expect(await store.listBlobs('')).toEqual(['a']);
      // JSONB cannot hold NUL either; details that do are kept exactly all the same.
      const run = sampleRun({ params: { text: 'a\u0000b', plain: 1 }, error: { name: 'E', message: '\u0000' } });
      await store.putRuns([run]);
      expect(await store.getRuns([run.id])).toEqual([run]);
    } finally {
      await store.close();
    }
  });

  it('sends and reads arrays of awkward names alike through its own client and a caller-made one', async () => {
    // Its own client declares the array types (no type catalogue fetched); a caller's fetches them.
    const awkward = ['NULL', 'null', 'a,b', '{x}', 'q"uote', 'back\\slash', '\\"', ' pad ', 'é ✓ 𝄞', '"'];
    const schema = fresh();
    const own = await postgresStore({ url: pg.url }, { schema });
    const client = postgres(pg.url, { onnotice: () => {} });
    const theirs = await postgresStore({ sql: client }, { schema });
    try {
      const run = sampleRun({ inputs: awkward, outputs: awkward.map((a) => `${a}.out`), dependencies: awkward });
      await own.putRuns([run]);
      await own.putComponents([sampleComponent('awkward', { tags: awkward })]);
      await theirs.putBlobs(awkward.map((key, i) => ({ key, data: new Uint8Array([i, 0, 255]) })));
      for (const store of [own, theirs]) {
        expect(await store.getRuns([run.id, 'NULL'])).toEqual([run, undefined]);
        expect((await store.getComponents(['awkward']))[0]?.tags).toEqual(awkward);
        expect(await store.getBlobs(awkward)).toEqual(awkward.map((_, i) => new Uint8Array([i, 0, 255])));
        const writers = await store.latestWriters(awkward.map((a) => ({ pointer: `${a}.out` })));
        expect(writers.map((w) => w?.id)).toEqual(awkward.map(() => run.id));
        expect((await store.scanRuns({ input: 'a,b' })).runs.map((r) => r.id)).toEqual([run.id]);
      }
      await theirs.deleteBlobs(['NULL', '"']);
      expect(await own.listBlobs('')).toEqual(awkward.filter((a) => a !== 'NULL' && a !== '"').sort());
    } finally {
      await own.close();
      await theirs.close();
      await client.end();
    }
  });

  it('stores a run that lists a pointer twice (a record the core did not make) once per pointer', async () => {
    const store = await open();
    try {
      const run = sampleRun({ inputs: ['a', 'a'], outputs: ['b', 'b'] });
      await store.putRuns([run]);
      expect((await store.getRuns([run.id]))[0]).toEqual(run);
      expect((await store.scanRuns({ input: 'a' })).runs.map((r) => r.id)).toEqual([run.id]);
      expect((await store.scanRuns({ output: 'b' })).runs.map((r) => r.id)).toEqual([run.id]);
    } finally {
      await store.close();
    }
  });

  it('lists blobs by prefix exactly, whatever characters end the prefix', async () => {
    const store = await open();
    try {
      const keys = [
        'a',
        'a/',
        'a/b',
        'a/b/c',
        'a0',
        'a\u{10ffff}',
        'a\u{10ffff}x',
        'ab',
        'b',
        'é',
        'é/1',
        '\u{1f600}k',
      ];
      await store.putBlobs(keys.map((key) => ({ key, data: new Uint8Array([1]) })));
      for (const prefix of ['', 'a', 'a/', 'a/b', 'a\u{10ffff}', 'é', '\u{1f600}', 'zz']) {
        expect(await store.listBlobs(prefix)).toEqual(keys.filter((k) => k.startsWith(prefix)).sort());
      }
    } finally {
      await store.close();
    }
  });

  it('answers latestWriters from the writers index, never a scan of the table', async () => {
    const client = postgres(pg.url, { max: 1, onnotice: () => {} });
    const schema = fresh();
    const store = await postgresStore({ sql: client }, { schema });
    try {
      const runs = Array.from({ length: 3000 }, (_, i) =>
        sampleRun({ startedAt: 1000 + i, outputs: [`p${i % 300}`], component: `c${i % 7}` }),
      );
      await store.putRuns(runs);
      await client`ANALYZE ${client(schema)}.run_outputs`;
      const stats = async () => {
        await client`SELECT pg_stat_force_next_flush()`;
        const [row] = await client`SELECT seq_scan, idx_scan FROM pg_stat_user_tables
          WHERE schemaname = ${schema} AND relname = 'run_outputs'`;
        return { seq: Number(row?.seq_scan), idx: Number(row?.idx_scan) };
      };
      const before = await stats();
      const found = await store.latestWriters(
        Array.from({ length: 50 }, (_, i) => ({
          pointer: `p${i}`,
          before: { endedAt: 2000, startedAt: 2000, id: 'x' },
        })),
      );
      const after = await stats();
      expect(found.map((w) => w?.startedAt)).toEqual(Array.from({ length: 50 }, (_, i) => 1900 + i));
      expect(after.seq).toBe(before.seq);
      expect(after.idx).toBeGreaterThanOrEqual(before.idx + 50);
      // The caller's client stays the caller's: closing the store leaves it open.
      await store.close();
      expect((await client`SELECT 1 AS one`)[0]?.one).toBe(1);
    } finally {
      await store.close();
      await client.end();
    }
  });

  it('keeps schemas apart and refuses a bad schema name', async () => {
    const a = await open();
    const b = await open();
    try {
      await a.putRuns([sampleRun({ id: 'only-in-a' })]);
      expect((await b.getRuns(['only-in-a']))[0]).toBeUndefined();
      expect(a.kind).toBe(`postgres:127.0.0.1:${pg.port}/postgres?schema=${a.schema}`);
    } finally {
      await a.close();
      await b.close();
    }
    for (const schema of ['Upper', '1x', 'a-b', 'x"; DROP SCHEMA public; --', '']) {
      expect((await failure(postgresStore({ url: pg.url }, { schema }))).code).toBe('invalid_input');
    }
    expect((await failure(postgresStore({ url: pg.url }, { shema: 'x' } as never))).code).toBe('invalid_input');
    for (const options of [{ max: 0 }, { max: 1.5 }, { connectTimeout: -1 }, { live: 'yes' as never }]) {
      expect((await failure(postgresStore({ url: pg.url }, options))).code).toBe('invalid_input');
    }
  });

  it('refuses a bad scan field with invalid_input', async () => {
    const store = await open();
    try {
      const bad = [
        { component: '' },
        { input: 7 },
        { output: '' },
        { since: Number.NaN },
        { until: 'soon' },
        { order: 'up' },
        { limit: 0 },
        { cursor: '../../x' },
      ];
      for (const scan of bad) expect((await failure(store.scanRuns(scan as never))).code).toBe('invalid_input');
    } finally {
      await store.close();
    }
  });

  it('refuses calls after close', async () => {
    const store = await open();
    await store.close();
    expect((await failure(store.getRuns(['x']))).code).toBe('unavailable');
    await store.close();
  });
});

describe('postgres store migrations', () => {
  it('lets four stores open one fresh database at once, migrating it exactly once', async () => {
    const url = pg.createDatabase('concurrent_open');
    const stores = await Promise.all([1, 2, 3, 4].map(() => postgresStore({ url })));
    try {
      await Promise.all(stores.map((s, i) => s.putRuns([sampleRun({ id: `from-${i}` })])));
      expect((await stores[0]?.scanRuns({}))?.runs.map((r) => r.id).sort()).toEqual([
        'from-0',
        'from-1',
        'from-2',
        'from-3',
      ]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const client = postgres(url, { onnotice: () => {} });
    try {
      const rows = await client`SELECT version FROM pipetrace.schema_version ORDER BY version`;
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    } finally {
      await client.end();
    }
  });

  it('refuses a database migrated by a newer pipetrace, naming both versions', async () => {
    const store = await open();
    const schema = store.schema;
    await store.close();
    const client = postgres(pg.url, { onnotice: () => {} });
    try {
      await client`INSERT INTO ${client(schema)}.schema_version (version) VALUES (${SCHEMA_VERSION + 5})`;
      const error = await failure(postgresStore({ url: pg.url }, { schema }));
      expect(error.code).toBe('storage');
      expect(error.message).toContain(`version ${SCHEMA_VERSION + 5}`);
      expect(error.message).toContain(`version ${SCHEMA_VERSION})`);
      expect(error.message).toContain('upgrade pipetrace');
    } finally {
      await client.end();
    }
  });
});

describe('postgres store connection faults', () => {
  it('reports a refused connection as unavailable, naming the host and never the password', async () => {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const secret = 'S3cret-p%40ss';
    const error = await failure(postgresStore({ url: `postgres://someone:${secret}@127.0.0.1:${port}/db` }));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(`127.0.0.1:${port}/db`);
    const text = everyText(error);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('S3cret-p@ss');
  });

  it('reports a host that does not resolve as unavailable, naming it', async () => {
    const error = await failure(postgresStore({ url: 'postgres://u:hidden-pw-9@no-such-host.invalid:5432/db' }));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('no-such-host.invalid:5432/db');
    expect(everyText(error)).not.toContain('hidden-pw-9');
  });

  it('reports a wrong password as unauthorized without the password', async () => {
    const wrong = `wrong-${pg.password.slice(3, 10)}`;
    const error = await failure(postgresStore({ url: `postgres://${pg.user}:${wrong}@127.0.0.1:${pg.port}/postgres` }));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain(`127.0.0.1:${pg.port}/postgres`);
    expect(everyText(error)).not.toContain(wrong);
  });

  it('refuses a malformed or foreign URL without echoing it', async () => {
    for (const url of ['postgres://u:p4ss-w0rd@[bad', 'mysql://u:p4ss-w0rd@host/db', 'not a url p4ss-w0rd']) {
      const error = await failure(postgresStore({ url }));
      expect(error.code).toBe('invalid_input');
      expect(everyText(error)).not.toContain('p4ss-w0rd');
    }
  });

  it('takes any URL the client understands: several hosts, URL-encoded passwords', async () => {
    const hosts = `127.0.0.1:${pg.port},127.0.0.1:${pg.port}`;
    const store = await postgresStore(
      { url: `postgresql://${pg.user}:${encodeURIComponent(pg.password)}@${hosts}/postgres` },
      { schema: fresh() },
    );
    try {
      expect(store.kind).toMatch(/^postgres:127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/postgres/);
      await store.putRuns([sampleRun({ id: 'multi' })]);
      expect((await store.getRuns(['multi']))[0]?.id).toBe('multi');
    } finally {
      await store.close();
    }
  });

  it('reports a missing database as unavailable', async () => {
    const error = await failure(postgresStore({ url: pg.urlFor('no_such_database') }));
    expect(error.code).toBe('unavailable');
    expect(everyText(error)).not.toContain(pg.password);
  });

  it('survives its connections being dropped: the next calls reconnect', async () => {
    const store = await open({ max: 2 });
    const admin = postgres(pg.url, { onnotice: () => {} });
    try {
      await store.putRuns([sampleRun({ id: 'before-drop' })]);
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'pipetrace' AND pid <> pg_backend_pid()`;
      await store.putRuns([sampleRun({ id: 'after-drop' })]);
      expect((await store.getRuns(['before-drop', 'after-drop'])).map((r) => r?.id)).toEqual([
        'before-drop',
        'after-drop',
      ]);
    } finally {
      await store.close();
      await admin.end();
    }
  });
});

describe('postgres store live updates', () => {
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('tells a store about runs, components and pointers written through another store', async () => {
    const schema = fresh();
    const writer = await postgresStore({ url: pg.url }, { schema, live: false });
    const watcher = await postgresStore({ url: pg.url }, { schema });
    try {
      expect(writer.capabilities.live).toBe(false);
      expect(writer.subscribe).toBeUndefined();
      const heard: StoreChange[] = [];
      const stop = watcher.subscribe((change) => heard.push(change));
      // The LISTEN is in place once a write through the watcher itself is heard.
      await watcher.putPointers([{ name: 'warm-up', flagged: false, updatedAt: 1 }]);
      await until(() => heard.length > 0);
      heard.length = 0;

      const runs = Array.from({ length: 1000 }, (_, i) => sampleRun({ id: `live-${'x'.repeat(100)}-${i}` }));
      await writer.putRuns(runs);
      await writer.putComponents([sampleComponent('live-component')]);
      await writer.putPointers([
        { name: 'p'.repeat(3000), flagged: true, updatedAt: 1 },
        { name: 'short', flagged: true, updatedAt: 1 },
      ]);
      const ids = () => heard.flatMap((c) => (c.kind === 'runs' ? c.ids : []));
      await until(() => ids().length >= runs.length && heard.some((c) => c.kind === 'pointers'));
      // A batch too large for one notification arrives in several, every id once.
      expect(ids().sort()).toEqual(runs.map((r) => r.id).sort());
      expect(heard.filter((c) => c.kind === 'runs').length).toBeGreaterThan(1);
      expect(heard).toContainEqual({ kind: 'components', names: ['live-component'] });
      // A name too long to announce is left out; the change itself is still announced.
      expect(heard).toContainEqual({ kind: 'pointers', names: ['short'] });

      stop();
      heard.length = 0;
      await writer.putRuns([sampleRun()]);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([]);
    } finally {
      await writer.close();
      await watcher.close();
    }
  });

  it('listens again after its connection dropped, and says that changes may have been missed', async () => {
    const schema = fresh();
    const writer = await postgresStore({ url: pg.url }, { schema, live: false });
    const watcher = await postgresStore({ url: pg.url }, { schema });
    const admin = postgres(pg.url, { onnotice: () => {} });
    try {
      const heard: StoreChange[] = [];
      watcher.subscribe((change) => heard.push(change));
      await watcher.putComponents([sampleComponent('warm-up')]);
      await until(() => heard.length > 0);
      heard.length = 0;
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE query ILIKE 'listen%' AND pid <> pg_backend_pid()`;
      await until(() => heard.length > 0);
      expect(heard).toEqual([{ kind: 'resync' }]);
      await writer.putRuns([sampleRun({ id: 'after-reconnect' })]);
      await until(() => heard.length > 1);
      expect(heard).toContainEqual({ kind: 'runs', ids: ['after-reconnect'] });
    } finally {
      await writer.close();
      await watcher.close();
      await admin.end();
    }
  });

  it('hears writes made with plain SQL too, since triggers announce them', async () => {
    const schema = fresh();
    const watcher = await postgresStore({ url: pg.url }, { schema });
    const client = postgres(pg.url, { onnotice: () => {} });
    try {
      const heard: StoreChange[] = [];
      watcher.subscribe((change) => heard.push(change));
      await watcher.putComponents([sampleComponent('first')]);
      await client`UPDATE ${client(schema)}.components SET owner = 'someone' WHERE name = 'first'`;
      await until(() => heard.length >= 2);
      expect(heard).toEqual([
        { kind: 'components', names: ['first'] },
        { kind: 'components', names: ['first'] },
      ]);
    } finally {
      await watcher.close();
      await client.end();
    }
  });
});

describe('postgres store permissions', () => {
  it('opens a schema an administrator made for a user who may not create schemas', async () => {
    const admin = postgres(pg.url, { onnotice: () => {} });
    const password = 'limited-user-pw';
    try {
      await admin`CREATE ROLE limited LOGIN PASSWORD ${admin.unsafe(`'${password}'`)}`;
      await admin`REVOKE CREATE ON DATABASE postgres FROM PUBLIC`;
      await admin`CREATE SCHEMA team AUTHORIZATION limited`;
      const url = `postgres://limited:${password}@127.0.0.1:${pg.port}/postgres`;
      const denied = await failure(postgresStore({ url }, { schema: 'elsewhere' }));
      expect(denied.code).toBe('storage');
      expect(denied.message).toMatch(/permission denied/);
      const store = await postgresStore({ url }, { schema: 'team' });
      try {
        await store.putRuns([sampleRun({ id: 'by-limited' })]);
        expect((await store.getRuns(['by-limited']))[0]?.id).toBe('by-limited');
      } finally {
        await store.close();
      }
    } finally {
      await admin.end();
    }
  });
});

describe('pipetrace over the postgres store', () => {
  it('answers every question as it does over the memory store: traces, review, staleness, rows', async () => {
    const store = await open();
    try {
      const inMemory = await buildPipeline({ days: 30 });
      const inPostgres = await buildPipeline({ days: 30, store });
      const now = Date.UTC(2026, 3, 1);
      const ask = async (s: typeof store | typeof inMemory.store) => {
        const pt = createPipetrace({ store: s });
        return {
          trace: await pt.trace(inMemory.last),
          middle: await pt.trace({ run: inMemory.middleRun }, { depth: 2 }),
          staleness: await pt.staleness(inMemory.last, { now }),
          review: await pt.review({ method: 'ochiai' }),
          history: await pt.history('clean', { limit: 5 }),
          recent: await pt.recent(3),
          flagged: await pt.flagged(),
          components: await pt.components(),
          traceRow: await traceRow(s, 'preds/0/0', 'p0-1'),
          impact: await impact(s, 'raw/1', '1-4'),
          reviewRows: await reviewRows(s),
        };
      };
      const expected = await ask(inMemory.store);
      expect(expected.trace.nodes.length).toBeGreaterThan(20);
      expect(expected.traceRow.steps.length).toBeGreaterThan(0);
      expect(await ask(store)).toEqual(expected);
      expect(inPostgres.last).toBe(inMemory.last);
    } finally {
      await store.close();
    }
  }, 60_000);
});
