import type { Sql } from 'postgres';
import { invalid, PipetraceError } from '../../src/errors.js';
import { Listeners } from '../../src/listeners.js';
import type { Component, PointerRecord, Run } from '../../src/model.js';
import { pageOf } from '../../src/scan-plan.js';
import type {
  BlobRecord,
  RunPage,
  RunScan,
  Store,
  StoreCapabilities,
  StoreChange,
  WriterQuery,
  WriterRef,
} from '../../src/store.js';
import { BYTEA_ARRAY, FLOAT8_ARRAY, TEXT_ARRAY } from './array-types.js';
import { attempt, type Connection } from './connection.js';
import { LiveFeed } from './live.js';
import {
  blobColumns,
  type ComponentRow,
  componentBatch,
  type PointerRow,
  pointerBatch,
  prefixEnd,
  type RunRow,
  runBatch,
  toComponent,
  toPointer,
  toRun,
} from './rows.js';
import { runColumns, scanQuery } from './scan.js';

/** Above every WriteKey a run can have: "no bound" as a bound, so every query walks the same index range. */
const NO_BOUND = { endedAt: Number.MAX_VALUE, startedAt: Number.MAX_VALUE, id: '' };

function names(field: string, values: readonly string[]): string[] {
  if (!Array.isArray(values)) throw invalid(field, 'must be an array');
  for (const v of values) if (typeof v !== 'string') throw invalid(field, 'must be strings');
  return values.slice();
}

/** The names that can be stored: PostgreSQL text holds no NUL, so a name with one is never found. */
const storable = (list: readonly string[]) => list.filter((n) => !n.includes('\u0000'));

/** Which row answers each name asked, in the order asked. */
function inOrder<R, T>(asked: readonly string[], rows: readonly R[], key: (row: R) => string, to: (row: R) => T) {
  const byKey = new Map<string, R>();
  for (const row of rows) byKey.set(key(row), row);
  return asked.map((k) => {
    const row = byKey.get(k);
    return row === undefined ? undefined : to(row);
  });
}

/** Array parameters, typed for the client (see array-types.ts) and cast for the server. */
const texts = (sql: Sql, values: readonly string[]) => sql`${sql.typed(values as never, TEXT_ARRAY)}::text[]`;
const floats = (sql: Sql, values: readonly number[]) => sql`${sql.typed(values as never, FLOAT8_ARRAY)}::float8[]`;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class PostgresStore implements Store {
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  /** The schema the tables live in. */
  readonly schema: string;
  private readonly sql: Sql;
  private readonly listeners = new Listeners<StoreChange>();
  private readonly feed: LiveFeed | undefined;
  private closed = false;
  /** The URL it was opened from, password included: a true private, so no inspect or JSON shows it. */
  readonly #url: string | undefined;

  constructor(
    private readonly connection: Connection,
    schema: string,
    live: boolean,
    url?: string,
  ) {
    this.#url = url;
    this.sql = connection.sql;
    this.schema = schema;
    this.kind = `postgres:${connection.where}${schema === 'pipetrace' ? '' : `?schema=${schema}`}`;
    this.capabilities = { durable: true, concurrent: true, live, binary: true };
    this.feed = live
      ? new LiveFeed(connection, `pipetrace_${schema}`, (change) => this.listeners.emit(change))
      : undefined;
    if (!live) (this as { subscribe?: unknown }).subscribe = undefined;
  }

  /** Runs one operation: refused after close, retried on a lost connection, errors mapped. */
  private async op<T>(doing: string, body: (sql: Sql) => Promise<T>, write = false): Promise<T> {
    if (this.closed) throw new PipetraceError('unavailable', `the PostgreSQL store ${this.kind} is closed`);
    // A write waits for a pending LISTEN, so a subscriber hears every write made after subscribing.
    if (write && this.feed !== undefined) await this.feed.ready();
    return attempt(this.connection, doing, () => body(this.sql));
  }

  private get s() {
    return this.sql(this.schema);
  }

  async putRuns(runs: readonly Run[]): Promise<void> {
    if (!Array.isArray(runs)) throw invalid('runs', 'must be an array');
    if (runs.length === 0) return;
    const batch = runBatch(runs);
    await this.op('storing runs', (sql) => sql`SELECT ${this.s}.put_runs(${batch}::text::json)`, true);
  }

  async getRuns(ids: readonly string[]): Promise<(Run | undefined)[]> {
    const asked = names('ids', ids);
    if (asked.length === 0) return [];
    const rows = await this.op(
      'reading runs',
      (sql) =>
        sql<RunRow[]>`SELECT ${runColumns(sql)} FROM ${this.s}.runs r WHERE r.id = ANY(${texts(sql, storable(asked))})`,
    );
    return inOrder(asked, rows, (r) => r.id, toRun);
  }

  async scanRuns(scan: RunScan): Promise<RunPage> {
    const rows = await this.op('scanning runs', async (sql) => {
      const { query, limit } = scanQuery(sql, this.schema, scan);
      return { rows: query === undefined ? [] : ((await query) as RunRow[]), limit };
    });
    const runs = rows.rows.slice(0, rows.limit).map(toRun);
    return pageOf(runs, runs[runs.length - 1], rows.rows.length > rows.limit);
  }

  async latestWriters(queries: readonly WriterQuery[]): Promise<(WriterRef | undefined)[]> {
    if (!Array.isArray(queries)) throw invalid('queries', 'must be an array');
    if (queries.length === 0) return [];
    const pointers: string[] = [];
    const ends: number[] = [];
    const starts: number[] = [];
    const ids: string[] = [];
    /** Which query each row of the arrays answers: a pointer with NUL was never written, so it is not asked. */
    const asked: number[] = [];
    queries.forEach((q, k) => {
      if (typeof q?.pointer !== 'string') throw invalid('pointer', 'must be a string');
      if (q.pointer.includes('\u0000')) return;
      const b = q.before ?? NO_BOUND;
      if (typeof b.endedAt !== 'number' || typeof b.startedAt !== 'number' || typeof b.id !== 'string') {
        throw invalid('before', 'must be a write key: { endedAt, startedAt, id }');
      }
      if (b.id.includes('\u0000')) throw invalid('before.id', 'must not contain NUL');
      pointers.push(q.pointer);
      ends.push(b.endedAt);
      starts.push(b.startedAt);
      ids.push(b.id);
      asked.push(k);
    });
    // One round trip: for each query, one step down the writers index from its bound.
    const rows = await this.op(
      'finding latest writers',
      (sql) => sql<{ n: string; id: string; component: string; started: number; ended: number }[]>`
        SELECT q.n, w.run_id AS id, w.component, w.started_at AS started, w.ended_at AS ended
        FROM unnest(${texts(sql, pointers)}, ${floats(sql, ends)}, ${floats(sql, starts)}, ${texts(sql, ids)})
          WITH ORDINALITY AS q(pointer, e, s, id, n)
        CROSS JOIN LATERAL (
          SELECT o.run_id, o.component, o.started_at, o.ended_at FROM ${this.s}.run_outputs o
          WHERE o.pkey = ${this.s}.pkey(q.pointer)
            AND (o.ended_at, o.started_at, o.run_id) < (q.e, q.s, q.id COLLATE "C")
          ORDER BY o.ended_at DESC, o.started_at DESC, o.run_id DESC
          LIMIT 1) w`,
    );
    const found: (WriterRef | undefined)[] = queries.map(() => undefined);
    for (const row of rows) {
      found[asked[Number(row.n) - 1] as number] = {
        id: row.id,
        component: row.component,
        startedAt: row.started,
        endedAt: row.ended,
      };
    }
    return found;
  }

  async putComponents(components: readonly Component[]): Promise<void> {
    if (!Array.isArray(components)) throw invalid('components', 'must be an array');
    if (components.length === 0) return;
    const batch = componentBatch(components);
    await this.op(
      'storing components',
      (sql) => sql`
        INSERT INTO ${this.s}.components (name, description, owner, tags, created_at, updated_at)
        SELECT * FROM json_to_recordset(${batch}::text::json)
          AS x(name text, description text, owner text, tags text[], created float8, updated float8)
        ON CONFLICT (name) DO UPDATE SET description = excluded.description, owner = excluded.owner,
          tags = excluded.tags, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      true,
    );
  }

  private componentQuery(sql: Sql) {
    return sql`SELECT name, description, owner, tags, created_at AS created, updated_at AS updated
      FROM ${this.s}.components`;
  }

  async getComponents(asked: readonly string[]): Promise<(Component | undefined)[]> {
    const list = names('names', asked);
    if (list.length === 0) return [];
    const rows = await this.op(
      'reading components',
      (sql) => sql<ComponentRow[]>`${this.componentQuery(sql)} WHERE name = ANY(${texts(sql, storable(list))})`,
    );
    return inOrder(list, rows, (r) => r.name, toComponent);
  }

  async scanComponents(): Promise<Component[]> {
    const rows = await this.op('listing components', (sql) => sql<ComponentRow[]>`${this.componentQuery(sql)}`);
    return rows.map(toComponent).sort((a, b) => byCodeUnits(a.name, b.name));
  }

  async putPointers(pointers: readonly PointerRecord[]): Promise<void> {
    if (!Array.isArray(pointers)) throw invalid('pointers', 'must be an array');
    if (pointers.length === 0) return;
    const batch = pointerBatch(pointers);
    await this.op(
      'storing pointer records',
      (sql) => sql`
        INSERT INTO ${this.s}.pointers (pkey, name, type, flagged, flagged_at, updated_at)
        SELECT ${this.s}.pkey(x.name), x.name, x.type, x.flagged, x.flagged_at, x.updated
        FROM json_to_recordset(${batch}::text::json)
          AS x(name text, type text, flagged boolean, flagged_at float8, updated float8)
        ON CONFLICT (pkey) DO UPDATE SET name = excluded.name, type = excluded.type, flagged = excluded.flagged,
          flagged_at = excluded.flagged_at, updated_at = excluded.updated_at`,
      true,
    );
  }

  private pointerQuery(sql: Sql) {
    return sql`SELECT name, type, flagged, flagged_at AS flaggedat, updated_at AS updated FROM ${this.s}.pointers`;
  }

  async getPointers(asked: readonly string[]): Promise<(PointerRecord | undefined)[]> {
    const list = names('names', asked);
    if (list.length === 0) return [];
    const rows = await this.op(
      'reading pointer records',
      (sql) => sql<PointerRow[]>`${this.pointerQuery(sql)}
        WHERE pkey IN (SELECT ${this.s}.pkey(n) FROM unnest(${texts(sql, storable(list))}) n)`,
    );
    return inOrder(list, rows, (r) => r.name, toPointer);
  }

  async scanPointers(filter: { flagged?: boolean } = {}): Promise<PointerRecord[]> {
    const flagged = filter?.flagged;
    if (flagged !== undefined && typeof flagged !== 'boolean') throw invalid('flagged', 'must be a boolean');
    const rows = await this.op('listing pointer records', (sql) =>
      flagged === true
        ? sql<PointerRow[]>`${this.pointerQuery(sql)} WHERE flagged`
        : flagged === false
          ? sql<PointerRow[]>`${this.pointerQuery(sql)} WHERE NOT flagged`
          : sql<PointerRow[]>`${this.pointerQuery(sql)}`,
    );
    return rows.map(toPointer).sort((a, b) => byCodeUnits(a.name, b.name));
  }

  async putBlobs(blobs: readonly BlobRecord[]): Promise<void> {
    if (!Array.isArray(blobs)) throw invalid('blobs', 'must be an array');
    if (blobs.length === 0) return;
    const { keys, data } = blobColumns(blobs);
    await this.op(
      'storing blobs',
      (sql) => sql`
        INSERT INTO ${this.s}.blobs (key, data)
        SELECT * FROM unnest(${texts(sql, keys)}, ${sql.typed(data as never, BYTEA_ARRAY)}::bytea[])
        ON CONFLICT (key) DO UPDATE SET data = excluded.data`,
    );
  }

  async getBlobs(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const list = names('keys', keys);
    if (list.length === 0) return [];
    const rows = await this.op(
      'reading blobs',
      (sql) => sql<{ key: string; data: Uint8Array }[]>`
        SELECT key, data FROM ${this.s}.blobs WHERE key = ANY(${texts(sql, storable(list))})`,
    );
    // A fresh array each: the client's buffers may share memory with others.
    return inOrder(
      list,
      rows,
      (r) => r.key,
      (r) => new Uint8Array(r.data),
    );
  }

  async deleteBlobs(keys: readonly string[]): Promise<void> {
    const list = storable(names('keys', keys));
    if (list.length === 0) return;
    await this.op('deleting blobs', (sql) => sql`DELETE FROM ${this.s}.blobs WHERE key = ANY(${texts(sql, list)})`);
  }

  async listBlobs(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw invalid('prefix', 'must be a string');
    if (prefix.includes('\u0000')) return [];
    const end = prefixEnd(prefix);
    // A key range on the primary key: [prefix, the least string above all that start with it).
    const rows = await this.op('listing blobs', (sql) =>
      end === undefined
        ? sql<{ key: string }[]>`SELECT key FROM ${this.s}.blobs WHERE key >= ${prefix}::text COLLATE "C"`
        : sql<{ key: string }[]>`SELECT key FROM ${this.s}.blobs
            WHERE key >= ${prefix}::text COLLATE "C" AND key < ${end}::text COLLATE "C"`,
    );
    return rows
      .map((r) => r.key)
      .filter((k) => k.startsWith(prefix))
      .sort(byCodeUnits);
  }

  /**
   * How an analysis worker reopens this database itself instead of copying it (createAnalyst
   * reads it): undefined for a store over a caller's client, which has no URL to give.
   */
  workerSource(): { kind: 'postgres'; url: string; schema: string } | undefined {
    return this.#url === undefined ? undefined : { kind: 'postgres', url: this.#url, schema: this.schema };
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    if (this.closed) throw new PipetraceError('unavailable', `the PostgreSQL store ${this.kind} is closed`);
    const remove = this.listeners.add(listener);
    this.feed?.start();
    return remove;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.feed?.stop();
    // A connection the server dropped may sit in the client's reconnect backoff, which end()
    // would wait out: a second is plenty for in-flight queries, which have all settled here.
    if (this.connection.owned) await this.connection.sql.end({ timeout: 1 });
  }
}
