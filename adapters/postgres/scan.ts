import type { Fragment, Sql } from 'postgres';
import { decodeCursor, scanLimit } from '../../src/cursor.js';
import { invalid } from '../../src/errors.js';
import type { RunScan } from '../../src/store.js';

/** The columns of a run, as rows.ts reads them, from the runs table aliased `r`. */
export function runColumns(sql: Sql): Fragment {
  return sql`r.id, r.component, r.started_at AS started, r.ended_at AS ended, r.failed, r.inputs, r.outputs,
    r.dependencies, r.code, r.details, r.details_raw AS raw`;
}

function name(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(field, 'must be a non-empty string');
  return value;
}

function time(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number');
  return value;
}

/**
 * One page of a scan as a single query: the rows in (startedAt, id) order walked along one index
 * (the readers or writers of a pointer when the scan names one, else the runs of a component
 * or all runs), filtered by the rest, from strictly after the cursor, one row past the page to
 * learn whether more follow.
 */
export function scanQuery(
  sql: Sql,
  schema: string,
  scan: RunScan,
): { query: Promise<unknown[]> | undefined; limit: number } {
  if (typeof scan !== 'object' || scan === null) throw invalid('scan', 'must be an object');
  const limit = scanLimit(scan);
  const order = scan.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalid('order', 'must be "asc" or "desc"');
  const component = name('component', scan.component);
  const input = name('input', scan.input);
  const output = name('output', scan.output);
  const since = time('since', scan.since);
  const until = time('until', scan.until);
  const cursor = scan.cursor === undefined ? undefined : decodeCursor(name('cursor', scan.cursor) as string);
  if (cursor?.id.includes('\u0000')) throw invalid('cursor', 'not a cursor returned by a previous page');
  // PostgreSQL text holds no NUL: no run has such a name, so the page is empty.
  if ([component, input, output].some((n) => n?.includes('\u0000'))) return { query: undefined, limit };
  const s = sql(schema);

  // The index walked, in run order: k.started_at, k.run_id along the readers or writers of a
  // pointer, or the runs themselves (by component or all).
  let source: Fragment = sql`${s}.runs r`;
  let start: Fragment = sql`r.started_at`;
  let key: Fragment = sql`r.id`;
  const where: Fragment[] = [];
  const link = output !== undefined ? sql`run_outputs` : input !== undefined ? sql`run_inputs` : undefined;
  if (link !== undefined) {
    source = sql`${s}.${link} k JOIN ${s}.runs r ON r.id = k.run_id`;
    start = sql`k.started_at`;
    key = sql`k.run_id`;
    where.push(sql`k.pkey = ${s}.pkey(${(output ?? input) as string})`);
  }
  // The arrays confirm the names, so two names sharing a key prefix could never mix.
  if (output !== undefined) where.push(sql`${output} = ANY(r.outputs)`);
  if (input !== undefined) where.push(sql`${input} = ANY(r.inputs)`);
  if (component !== undefined) where.push(sql`r.component = ${component}`);
  if (since !== undefined) where.push(sql`${start} >= ${since}`);
  if (until !== undefined) where.push(sql`${start} < ${until}`);
  if (cursor !== undefined) {
    where.push(
      order === 'desc'
        ? sql`(${start}, ${key}) < (${cursor.startedAt}::float8, ${cursor.id}::text COLLATE "C")`
        : sql`(${start}, ${key}) > (${cursor.startedAt}::float8, ${cursor.id}::text COLLATE "C")`,
    );
  }
  const filter = where.length === 0 ? sql`` : sql`WHERE ${where.reduce((a, b) => sql`${a} AND ${b}`)}`;
  const sort = order === 'desc' ? sql`ORDER BY ${start} DESC, ${key} DESC` : sql`ORDER BY ${start}, ${key}`;
  return {
    query: sql`SELECT ${runColumns(sql)} FROM ${source} ${filter} ${sort} LIMIT ${limit + 1}` as unknown as Promise<
      unknown[]
    >,
    limit,
  };
}
