/**
 * The PostgreSQL store: one lineage for a team, in tables of their own schema, through the
 * `postgres` client (porsager). Node only.
 *
 *   import { postgresStore } from 'pipetrace/adapters/postgres';
 *   const store = await postgresStore({ url: process.env.PIPETRACE_DATABASE_URL });
 */
import { invalid } from '../../src/errors.js';
import { checkOptions, checkWholeNumber } from '../../src/validate.js';
import { attempt, type ConnectOptions, connect, type PostgresTarget } from './connection.js';
import { checkSchemaName, migrate } from './schema.js';
import { PostgresStore } from './store.js';

export type { Connection, ConnectOptions, PostgresTarget } from './connection.js';
export { SCHEMA_VERSION } from './schema.js';
export type { PostgresStore } from './store.js';

export interface PostgresStoreOptions extends ConnectOptions {
  /** The schema holding pipetrace's tables (default 'pipetrace'); created on first open. */
  schema?: string;
  /** Hear writes from every process through LISTEN/NOTIFY (default true). */
  live?: boolean;
}

const OPTIONS = ['schema', 'live', 'max', 'connectTimeout'] as const;

/**
 * Connects, creates or migrates the schema (under an advisory lock, so any number of processes
 * may open at once), and returns the store. With `{ sql }` the caller's client is used and left
 * open on close; with `{ url }` the store makes its own and ends it on close.
 */
export async function postgresStore(
  target: PostgresTarget,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const o = checkOptions<PostgresStoreOptions>('options', options, OPTIONS);
  const schema = checkSchemaName(o.schema ?? 'pipetrace');
  if (o.max !== undefined) checkWholeNumber('max', o.max, 1);
  if (o.connectTimeout !== undefined && !(typeof o.connectTimeout === 'number' && o.connectTimeout > 0)) {
    throw invalid('connectTimeout', 'must be a positive number of seconds');
  }
  if (o.live !== undefined && typeof o.live !== 'boolean') throw invalid('live', 'must be a boolean');
  const connection = connect(target, o);
  try {
    await attempt(connection, 'opening the schema', () => migrate(connection.sql, schema));
  } catch (error) {
    if (connection.owned) await connection.sql.end({ timeout: 1 }).catch(() => {});
    throw error;
  }
  const url = 'url' in target && connection.owned ? target.url : undefined;
  return new PostgresStore(connection, schema, o.live !== false, url);
}
