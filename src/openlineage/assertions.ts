/**
 * Check results as the spec's `dataQualityAssertions` input dataset facet, and back. Export
 * puts a run's before-checks (checks of its inputs) on each input, and any check that names a
 * pointer on that pointer; pipetrace's own facet keeps every result exactly. Ingest reads the
 * facet from other producers (dbt test results arrive this way) as before-checks of the run.
 */
import type { CheckResult } from '../model.js';
import { isPlainObject } from '../validate.js';
import { standardFacet } from './facets.js';
import type { Facet, Facets } from './types.js';

/** The assertions facet for input `pointer`, or undefined when no check is about it. */
export function assertionsFacet(checks: readonly CheckResult[], pointer: string, producer: string): Facets | undefined {
  const about = checks.filter((c) => (c.pointer === undefined ? c.phase === 'before' : c.pointer === pointer));
  if (about.length === 0) return undefined;
  const assertions = about.map((c) => {
    const a: Record<string, unknown> = { assertion: c.name, name: c.name, success: c.outcome === 'pass' };
    if (c.column !== undefined) a.column = c.column;
    if (c.message !== undefined) a.actual = c.message;
    return a;
  });
  return { dataQualityAssertions: standardFacet('dataQualityAssertions', producer, { assertions }) };
}

/** The results in another producer's assertions facet on input `pointer`. */
export function checksFromAssertions(facet: Facet | undefined, pointer: string): CheckResult[] {
  const list = facet?.assertions;
  if (!Array.isArray(list)) return [];
  const out: CheckResult[] = [];
  for (const a of list) {
    if (!isPlainObject(a) || typeof a.success !== 'boolean') continue;
    const name = typeof a.name === 'string' && a.name.trim() !== '' ? a.name : a.assertion;
    if (typeof name !== 'string' || name.trim() === '') continue;
    const c: CheckResult = { name, phase: 'before', outcome: a.success ? 'pass' : 'fail', pointer };
    if (typeof a.column === 'string') c.column = a.column;
    const said =
      typeof a.actual === 'string' ? a.actual : typeof a.description === 'string' ? a.description : undefined;
    if (said !== undefined) c.message = said;
    out.push(c);
  }
  return out;
}
