/**
 * A candidate of a review ranked one by one, shared by the row review and the run-level
 * review: runs, component versions and (row review only) origin rows, with the evidence and
 * the real differences that order candidates whose scores tie.
 */
import { groupByScore, type RankedCandidate, rankInGroups } from './ranking.js';

export interface ReviewCandidate extends RankedCandidate {
  kind: 'run' | 'component' | 'row';
  /** Run id, `component@version` (with ` params.k=v` for a param setting), or `pointer#hash`. */
  id: string;
  run?: { id: string; component: string; version?: string; startedAt?: number };
  /** A component at one code version (and, where that param changed, one param setting) across its runs. */
  component?: { name: string; version: string; runs: number; params?: Record<string, string> };
  /** An origin row; `key` is its original key as JSON text (rowKeyToText), where the pairs kept keys. */
  row?: { pointer: string; hash: string; key?: string };
  /**
   * Which outputs count. Row review: 'rows' when some population rows reach the candidate
   * through row lineage (then only those count), 'run' when rows reach it only at run level.
   * Run-level review: 'direct' when some outputs reach it without an aggregating step (then
   * only those count), 'aggregate' when outputs reach it only through one.
   */
  reach: 'rows' | 'run' | 'direct' | 'aggregate';
  /**
   * The fewest weak steps between the candidate and the flagged outputs or rows: steps without
   * row lineage (row review) or aggregating steps (run-level review); 0 when there are none.
   * Within a tie group fewer hops rank first: the more direct explanation.
   */
  hops: number;
  /** What sets a run or version apart from its component's other runs (breaks score ties). */
  differences: string[];
}

/** Order inside a score group (for rankInGroups): fewer hops first, then more differences. */
export function byDirectness(a: ReviewCandidate, b: ReviewCandidate): number {
  return a.hops - b.hops || b.differences.length - a.differences.length;
}

/** How a candidate's reach reads in a listing. */
export const REACH_TEXT: Record<ReviewCandidate['reach'], string> = {
  rows: 'through row lineage',
  run: 'at run level',
  direct: 'without an aggregating step',
  aggregate: 'only through an aggregating step',
};

/**
 * Ranks candidates as both reviews do: those with flagged support grouped by score, then
 * `explain` fills in the differences of the first `limit` score groups (`tied`: those sharing
 * their group with another), then each group is ordered by directness and differences.
 */
export async function rankCandidates<T extends ReviewCandidate>(
  candidates: T[],
  limit: number,
  explain: (top: T[], tied: Set<T>) => Promise<void>,
): Promise<T[]> {
  // `limit` counts score groups, as everywhere in a review: a tie is never cut in two.
  const top = groupByScore(candidates.filter((c) => c.evidence.ef > 0)).filter((c) => c.group <= limit);
  const sizes = new Map<number, number>();
  for (const c of top) sizes.set(c.group, (sizes.get(c.group) ?? 0) + 1);
  await explain(top, new Set(top.filter((c) => (sizes.get(c.group) ?? 0) > 1)));
  return rankInGroups(top, byDirectness);
}
