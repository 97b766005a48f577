import type { Fragment, Sql } from 'postgres';
import { planRunScan, type RunFilterField, type ScanBound, type ScanCondition } from '../../src/scan-plan.js';
import type { RunScan } from '../../src/store.js';

/** The columns of a run, as rows.ts reads them, from the runs table aliased `r`. */
export function runColumns(sql: Sql): Fragment {
  return sql`r.id, r.component, r.started_at AS started, r.ended_at AS ended, r.failed, r.inputs, r.outputs,
    r.dependencies, r.code, r.details, r.details_raw AS raw`;
}

/** Every filter has an index here: runs_component, run_outputs_scan, run_inputs_readers. */
const INDEXED: readonly RunFilterField[] = ['component', 'output', 'input'];

/** A filter as a condition on the run `r`. The arrays confirm pointer names, so two names sharing a key prefix never mix. */
function condition(sql: Sql, c: ScanCondition): Fragment {
  if (c.field === 'component') return sql`r.component = ${c.value}`;
  return c.field === 'output' ? sql`${c.value} = ANY(r.outputs)` : sql`${c.value} = ANY(r.inputs)`;
}

/** A bound of the plan on (start, key). A bound without an id sorts before every id of its time. */
function bound(sql: Sql, start: Fragment, key: Fragment, b: ScanBound, side: 'lower' | 'upper'): Fragment {
  if (b.id === undefined) return side === 'lower' ? sql`${start} >= ${b.startedAt}` : sql`${start} < ${b.startedAt}`;
  const at = sql`(${b.startedAt}::float8, ${b.id}::text COLLATE "C")`;
  if (side === 'lower') return b.open ? sql`(${start}, ${key}) > ${at}` : sql`(${start}, ${key}) >= ${at}`;
  return b.open ? sql`(${start}, ${key}) < ${at}` : sql`(${start}, ${key}) <= ${at}`;
}

/**
 * One page of a scan as a single query, from the shared plan (src/scan-plan.ts): the rows in
 * (startedAt, id) order walked along the plan's index (the readers or writers of a pointer, the
 * runs of a component, or all runs), filtered by the rest, within the plan's bounds, one row past
 * the page to learn whether more follow. `query` is undefined when the bounds hold nothing.
 */
export function scanQuery(
  sql: Sql,
  schema: string,
  scan: RunScan,
): { query: Promise<unknown[]> | undefined; limit: number } {
  const plan = planRunScan(scan, INDEXED);
  if (plan.empty) return { query: undefined, limit: plan.limit };
  const s = sql(schema);
  let source: Fragment = sql`${s}.runs r`;
  let start: Fragment = sql`r.started_at`;
  let key: Fragment = sql`r.id`;
  const where: Fragment[] = [];
  const index = plan.index;
  if (index?.field === 'output' || index?.field === 'input') {
    const link = index.field === 'output' ? sql`run_outputs` : sql`run_inputs`;
    source = sql`${s}.${link} k JOIN ${s}.runs r ON r.id = k.run_id`;
    start = sql`k.started_at`;
    key = sql`k.run_id`;
    where.push(sql`k.pkey = ${s}.pkey(${index.value})`);
  }
  if (index !== undefined) where.push(condition(sql, index));
  for (const c of plan.rest) where.push(condition(sql, c));
  if (plan.lower !== undefined) where.push(bound(sql, start, key, plan.lower, 'lower'));
  if (plan.upper !== undefined) where.push(bound(sql, start, key, plan.upper, 'upper'));
  const filter = where.length === 0 ? sql`` : sql`WHERE ${where.reduce((a, b) => sql`${a} AND ${b}`)}`;
  const sort = plan.desc ? sql`ORDER BY ${start} DESC, ${key} DESC` : sql`ORDER BY ${start}, ${key}`;
  return {
    query:
      sql`SELECT ${runColumns(sql)} FROM ${source} ${filter} ${sort} LIMIT ${plan.limit + 1}` as unknown as Promise<
        unknown[]
      >,
    limit: plan.limit,
  };
}
