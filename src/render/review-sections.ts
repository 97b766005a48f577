/**
 * Review text a reader can trust: the upstream rows only where some stand out, with their
 * original keys where the pairs kept them, and a method that cannot score says why.
 */
import type { ReviewMethod } from '../analysis/spectrum.js';
import { formatScore } from './format.js';

/** An upstream row as the row review ranks it (RowReview.rows). */
export interface UpstreamRow {
  id: string;
  group: number;
  rank: number;
  row?: { pointer: string; hash: string; key?: string };
  evidence: { ef: number; ep: number; score: number };
}

/**
 * The flagged rows an origin row must lie behind before it is ranked: the risk ratio's default
 * minimum support. Every flagged row has an origin of its own, so one or two flags behind a row
 * happen by chance whenever a few rows are flagged.
 */
export const ROW_MIN_SUPPORT = 3;

/**
 * A row stands out when it lies behind at least ROW_MIN_SUPPORT flagged rows and behind more
 * flagged rows than unflagged ones (a row shared by everything, a lookup table, is no evidence).
 * The CLI, the plain-text review and the dashboard all use this one rule.
 */
export function standsOut(r: Pick<UpstreamRow, 'evidence'>): boolean {
  return r.evidence.ef >= ROW_MIN_SUPPORT && r.evidence.ef > r.evidence.ep;
}

/** Why a row that does not stand out is not ranked, in a few words (for grouped counts). */
export function notRankedReason(r: Pick<UpstreamRow, 'evidence'>): string {
  return r.evidence.ef < ROW_MIN_SUPPORT
    ? `below the minimum support of ${ROW_MIN_SUPPORT}`
    : 'behind as many unflagged rows or more';
}

/** The rows that stand out among the first `groups` tie groups. */
export function standingRows<T extends UpstreamRow>(rows: readonly T[], groups: number): T[] {
  return rows.filter((r) => r.group <= groups && standsOut(r));
}

/**
 * The upstream-rows section: the rows that stand out in the first `groups` tie groups, with
 * their original keys where kept (`row.key`); nothing when none stands out.
 */
export function upstreamRowLines(rows: readonly UpstreamRow[], groups: number): string[] {
  const shown = standingRows(rows, groups);
  if (shown.length === 0) return [];
  const out = ['', `Upstream rows behind ${ROW_MIN_SUPPORT} or more flagged rows (more flagged than unflagged):`];
  for (const r of shown) {
    const key = r.row?.key;
    const name = key === undefined ? (r.row?.hash ?? r.id) : `${key} (${r.row?.hash})`;
    out.push(
      `  #${r.rank}  ${r.row?.pointer ?? '?'}  ${name}  score ${formatScore(r.evidence.score)}  ef=${r.evidence.ef} ep=${r.evidence.ep}`,
    );
  }
  return out;
}

/**
 * Why a run review has no candidate although outputs are flagged: the method's minimum support
 * (risk_ratio: 3 by default) is more flagged outputs than any candidate lies behind.
 */
export function cannotScoreText(method: ReviewMethod, F: number, minSupport: number): string {
  const few =
    F < minSupport
      ? `there ${F === 1 ? 'is only 1 flagged output' : `are only ${F} flagged outputs`}, fewer than its minimum support of ${minSupport}`
      : `no run lies behind ${minSupport} or more of the ${F} flagged outputs (its minimum support)`;
  return (
    `Run review (${method}): cannot score: ${few}. ` +
    `Flag more outputs, lower the minimum support (--min-support), or use --method ochiai.`
  );
}
