/**
 * Ranking shared by the run review and the row review: candidates carry the same Evidence,
 * and every rank and group number starts at 1 (the best is #1).
 */
import type { Evidence } from './evidence.js';

export interface RankedGroup<T> {
  /** 1 for the best group; candidates in one group have equal evidence and are tied. */
  rank: number;
  score: number;
  ef: number;
  ep: number;
  candidates: T[];
}

/**
 * Groups candidates with equal evidence (ef, ep) and orders the groups by score, then by more
 * flagged support, then by fewer unflagged outputs. `order` sorts candidates inside a group.
 */
export function rankGroups<T extends { evidence: Evidence }>(
  candidates: T[],
  order: (a: T, b: T) => number,
  limit: number,
): RankedGroup<T>[] {
  // One number per (ef, ep) pair while ep <= P (always so in a review), a string otherwise.
  const groups = new Map<number | string, RankedGroup<T>>();
  for (const c of candidates) {
    const { ef, ep, P } = c.evidence;
    const key = ep <= P ? ef * (P + 1) + ep : `${ef}:${ep}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { rank: 0, score: c.evidence.score, ef: c.evidence.ef, ep: c.evidence.ep, candidates: [] };
      groups.set(key, g);
    }
    g.candidates.push(c);
  }
  const sorted = [...groups.values()].sort((a, b) => b.score - a.score || b.ef - a.ef || a.ep - b.ep);
  return sorted.slice(0, limit).map((g, i) => ({ ...g, rank: i + 1, candidates: g.candidates.sort(order) }));
}

/** A candidate ranked one by one (the row review): its score group and its own rank. */
export interface RankedCandidate {
  id: string;
  evidence: Evidence;
  /** Candidates with equal scores share a group; 1 is the top group. */
  group: number;
  /** Position from 1; candidates nothing tells apart share the rank of the first of them. */
  rank: number;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Sorts by score (then id) and numbers the groups of equal score from 1. */
export function groupByScore<T extends RankedCandidate>(cands: T[]): T[] {
  cands.sort((a, b) => b.evidence.score - a.evidence.score || byId(a, b));
  let group = 0;
  let last = Number.NaN;
  for (const c of cands) {
    if (!(Math.abs(c.evidence.score - last) <= 1e-12)) {
      group++;
      last = c.evidence.score;
    }
    c.group = group;
  }
  return cands;
}

/**
 * Orders each score group by `order` (then id) and ranks from 1; candidates of one group that
 * `order` cannot tell apart share a rank (1, 1, 3).
 */
export function rankInGroups<T extends RankedCandidate>(cands: T[], order: (a: T, b: T) => number): T[] {
  cands.sort((a, b) => a.group - b.group || order(a, b) || byId(a, b));
  let rank = 1;
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i] as T;
    const prev = cands[i - 1];
    if (prev !== undefined && !(prev.group === c.group && order(prev, c) === 0)) rank = i + 1;
    c.rank = rank;
  }
  return cands;
}
