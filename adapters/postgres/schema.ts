import type { Sql, TransactionSql } from 'postgres';
import { PipetraceError } from '../../src/errors.js';

/**
 * The tables, numbered. A migration runs once per schema, in order, inside the transaction that
 * holds the schema's advisory lock; each records its number in `schema_version`. Released
 * migrations are never edited: a change is a new number.
 */
type Migration = (sql: TransactionSql, schema: string) => PromiseLike<unknown>[];

/**
 * Pointer names reach 4,096 characters, past what a btree entry holds (2,704 bytes), so the
 * link tables index a 128-bit prefix of their SHA-256 instead (`pkey`).
 */
const MIGRATIONS: readonly Migration[] = [
  (sql, schema) => {
    const s = sql(schema);
    return [
      sql`CREATE FUNCTION ${s}.pkey(name text) RETURNS bytea LANGUAGE sql STABLE STRICT PARALLEL SAFE
        AS $$ SELECT substring(sha256(convert_to(name, 'UTF8')) FROM 1 FOR 16) $$`,
      sql`CREATE TABLE ${s}.runs (
        id text COLLATE "C" PRIMARY KEY,
        component text COLLATE "C" NOT NULL,
        started_at float8 NOT NULL,
        ended_at float8 NOT NULL,
        failed boolean NOT NULL,
        inputs text[] NOT NULL,
        outputs text[] NOT NULL,
        dependencies text[] NOT NULL,
        code jsonb,
        details jsonb,
        details_raw bytea)`,
      sql`COMMENT ON COLUMN ${s}.runs.details IS 'notes, params, metrics, error and snapshot; NULL when the run has none'`,
      sql`COMMENT ON COLUMN ${s}.runs.details_raw IS 'details as UTF-8 JSON when they hold NUL, which jsonb cannot'`,
      sql`CREATE INDEX runs_order ON ${s}.runs (started_at, id)`,
      sql`CREATE INDEX runs_component ON ${s}.runs (component, started_at, id)`,
      sql`CREATE TABLE ${s}.run_inputs (
        run_id text COLLATE "C" NOT NULL,
        pkey bytea NOT NULL,
        started_at float8 NOT NULL,
        PRIMARY KEY (run_id, pkey))`,
      sql`CREATE INDEX run_inputs_readers ON ${s}.run_inputs (pkey, started_at, run_id)`,
      sql`CREATE TABLE ${s}.run_outputs (
        run_id text COLLATE "C" NOT NULL,
        pkey bytea NOT NULL,
        component text COLLATE "C" NOT NULL,
        started_at float8 NOT NULL,
        ended_at float8 NOT NULL,
        PRIMARY KEY (run_id, pkey))`,
      // latestWriters: the writers of a pointer in WriteKey order, answered from the index alone.
      sql`CREATE INDEX run_outputs_writers ON ${s}.run_outputs (pkey, ended_at, started_at, run_id) INCLUDE (component)`,
      sql`CREATE INDEX run_outputs_scan ON ${s}.run_outputs (pkey, started_at, run_id)`,
      sql`CREATE TABLE ${s}.components (
        name text COLLATE "C" PRIMARY KEY,
        description text NOT NULL,
        owner text NOT NULL,
        tags text[] NOT NULL,
        created_at float8 NOT NULL,
        updated_at float8 NOT NULL)`,
      sql`CREATE TABLE ${s}.pointers (
        pkey bytea PRIMARY KEY,
        name text NOT NULL,
        type text,
        flagged boolean NOT NULL,
        flagged_at float8,
        updated_at float8 NOT NULL)`,
      sql`CREATE INDEX pointers_flagged ON ${s}.pointers (pkey) WHERE flagged`,
      sql`CREATE TABLE ${s}.blobs (key text COLLATE "C" PRIMARY KEY, data bytea NOT NULL)`,
      // Row-lineage chunks are dense hashes: compressing them costs time and saves nothing.
      sql`ALTER TABLE ${s}.blobs ALTER COLUMN data SET STORAGE EXTERNAL`,
      // One call stores a batch of runs: one round trip, one transaction. The upsert locks each
      // run's row first, so of two writers replacing one run, the second rewrites its links
      // only after the first committed, and sees (and deletes) them.
      sql`CREATE FUNCTION ${s}.put_runs(batch json) RETURNS void LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
        DECLARE
          rs runs[];
          replaced text[];
        BEGIN
          rs := ARRAY(
            SELECT ROW(x.id, x.c, x.s, x.e, x.f, x.i, x.o, x.d, x.code, x.details, decode(x.raw, 'base64'))::runs
            FROM json_to_recordset(batch) AS x(id text, c text, s float8, e float8, f boolean, i text[], o text[],
              d text[], code jsonb, details jsonb, raw text)
            ORDER BY x.id);
          -- xmax is 0 on a row this statement inserted and set on one it updated (it locked it):
          -- only replaced runs have links to delete.
          WITH stored AS (
            INSERT INTO runs SELECT * FROM unnest(rs)
              ON CONFLICT (id) DO UPDATE SET component = excluded.component, started_at = excluded.started_at,
                ended_at = excluded.ended_at, failed = excluded.failed, inputs = excluded.inputs,
                outputs = excluded.outputs, dependencies = excluded.dependencies, code = excluded.code,
                details = excluded.details, details_raw = excluded.details_raw
              RETURNING id, xmax <> 0 AS old)
          SELECT array_agg(id) FILTER (WHERE old) INTO replaced FROM stored;
          IF replaced IS NOT NULL THEN
            DELETE FROM run_inputs WHERE run_id = ANY(replaced);
            DELETE FROM run_outputs WHERE run_id = ANY(replaced);
          END IF;
          -- DISTINCT rather than ON CONFLICT: a plain insert costs less than a speculative one.
          INSERT INTO run_inputs (run_id, pkey, started_at)
            SELECT DISTINCT r.id, pkey(p), r.started_at FROM unnest(rs) r, unnest(r.inputs) p;
          INSERT INTO run_outputs (run_id, pkey, component, started_at, ended_at)
            SELECT DISTINCT ON (r.id, p) r.id, pkey(p), r.component, r.started_at, r.ended_at
            FROM unnest(rs) r, unnest(r.outputs) p;
        END $$`,
      // Live updates: every committed write of runs, components or pointer records, whoever
      // made it, is announced on the channel 'pipetrace_<schema>' in payloads under 8,000 bytes.
      sql`CREATE FUNCTION ${s}.notify_names(channel text, kind text, names text[]) RETURNS void
        LANGUAGE sql AS $$
          -- Names grouped by the running total of their JSON size, to stay under NOTIFY's 8,000
          -- bytes; a name too long to announce (a pointer of thousands of characters) is left
          -- out, and its change still announced.
          SELECT pg_notify(channel, json_build_object('kind', kind, 'names', coalesce(list, '[]'))::text)
          FROM (
            SELECT json_agg(name ORDER BY name) FILTER (WHERE size <= 2000) AS list
            FROM (
              SELECT name, size, sum(size + 1) OVER (ORDER BY name) / 6000 AS chunk
              FROM (SELECT name, octet_length(to_json(name)::text) AS size FROM unnest(names) name) sized
            ) chunked
            GROUP BY chunk
          ) grouped
        $$`,
      sql`CREATE FUNCTION ${s}.notify_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
          -- Compiled per table, so each branch names only columns its table has.
          IF TG_ARGV[0] = 'runs' THEN
            PERFORM notify_names('pipetrace_' || TG_TABLE_SCHEMA, TG_ARGV[0], ARRAY(SELECT id FROM changed));
          ELSE
            PERFORM notify_names('pipetrace_' || TG_TABLE_SCHEMA, TG_ARGV[0], ARRAY(SELECT changed.name FROM changed));
          END IF;
          RETURN NULL;
        END $$`,
      ...(['runs', 'components', 'pointers'] as const).flatMap((table) =>
        (['insert', 'update'] as const).map(
          (event) =>
            sql`CREATE TRIGGER ${sql(`${table}_${event}_notify`)} AFTER ${event === 'insert' ? sql`INSERT` : sql`UPDATE`}
              ON ${s}.${sql(table)} REFERENCING NEW TABLE AS changed
              FOR EACH STATEMENT EXECUTE FUNCTION ${s}.notify_change(${sql.unsafe(`'${table}'`)})`,
        ),
      ),
    ];
  },
];

/** The schema version this code creates and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new PipetraceError(
      'invalid_input',
      'schema: must be a lower-case SQL name of up to 40 letters, digits and underscores, not starting with a digit',
      { field: 'schema' },
    );
  }
  return schema;
}

function tooNew(schema: string, version: number): PipetraceError {
  return new PipetraceError(
    'storage',
    `the PostgreSQL schema "${schema}" is at version ${version}, newer than this pipetrace understands (version ${SCHEMA_VERSION}): upgrade pipetrace`,
    { details: { schema, version, supported: SCHEMA_VERSION } },
  );
}

async function versionOf(sql: Sql | TransactionSql, schema: string): Promise<number | undefined> {
  const [table] = await sql`SELECT to_regclass(${`${schema}.schema_version`}) AS t`;
  if (table?.t === null || table?.t === undefined) return undefined;
  const [row] = await sql`SELECT coalesce(max(version), 0) AS v FROM ${sql(schema)}.schema_version`;
  return Number(row?.v ?? 0);
}

/** The version, in one round trip where the schema exists (the common open); undefined when it does not. */
async function currentVersion(sql: Sql, schema: string): Promise<number | undefined> {
  try {
    const [row] = await sql`SELECT coalesce(max(version), 0) AS v FROM ${sql(schema)}.schema_version`;
    return Number(row?.v ?? 0);
  } catch (error) {
    // 42P01: no such table (nor, then, such schema): a fresh database.
    if ((error as { code?: unknown })?.code === '42P01' || (error as { code?: unknown })?.code === '3F000') {
      return versionOf(sql, schema);
    }
    throw error;
  }
}

/**
 * Brings the schema to SCHEMA_VERSION. Openers that find it current take no lock; the others
 * queue on a transaction-scoped advisory lock, so concurrent openers migrate exactly once.
 */
export async function migrate(sql: Sql, schema: string): Promise<void> {
  const seen = await currentVersion(sql, schema);
  if (seen !== undefined && seen > SCHEMA_VERSION) throw tooNew(schema, seen);
  if (seen === SCHEMA_VERSION) return;
  await sql.begin(async (tx) => {
    await tx`SET LOCAL client_min_messages = warning`;
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`pipetrace schema ${schema}`}, 0))`;
    const [encoding] = await tx`SELECT current_setting('server_encoding') AS e`;
    if (encoding?.e !== 'UTF8') {
      throw new PipetraceError('storage', `the PostgreSQL database must use UTF8, not ${encoding?.e}`);
    }
    // A schema made beforehand by an administrator needs no CREATE right on the database.
    const [made] = await tx`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${schema}`;
    if (made?.n === 0) await tx`CREATE SCHEMA ${tx(schema)}`;
    await tx`CREATE TABLE IF NOT EXISTS ${tx(schema)}.schema_version (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now())`;
    const version = (await versionOf(tx, schema)) ?? 0;
    if (version > SCHEMA_VERSION) throw tooNew(schema, version);
    // The functions name the tables unqualified: they resolve them in the schema current here.
    await tx`SELECT set_config('search_path', ${schema}, true)`;
    for (let n = version + 1; n <= SCHEMA_VERSION; n++) {
      for (const statement of (MIGRATIONS[n - 1] as Migration)(tx, schema)) await statement;
      await tx`INSERT INTO ${tx(schema)}.schema_version (version) VALUES (${n})`;
    }
  });
}
