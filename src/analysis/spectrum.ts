/** Spectrum-based fault localisation: scores for a candidate from flagged and unflagged outputs. */

export type ReviewMethod = 'ochiai' | 'tarantula' | 'risk_ratio' | 'coverage';

export const REVIEW_METHODS: readonly ReviewMethod[] = ['ochiai', 'tarantula', 'risk_ratio', 'coverage'];

/** What a score rests on, so a person can judge it. */
export interface Evidence {
  /** Flagged outputs whose lineage contains the candidate. */
  ef: number;
  /** Unflagged outputs whose lineage contains the candidate. */
  ep: number;
  /** Flagged outputs in all. */
  F: number;
  /** Unflagged outputs of the same producing components in all. */
  P: number;
  score: number;
}

/**
 * ochiai: ef / sqrt(F (ef + ep)), the default.
 * coverage: ef / F, the share of flagged outputs whose trace holds the candidate (mltrace's way).
 * tarantula: (ef/F) / (ef/F + ep/P).
 * risk_ratio: the flag rate with the candidate in the lineage over the rate without it, with a
 * 0.5 continuity correction in every cell so that empty cells stay finite.
 */
export function spectrumScore(method: ReviewMethod, ef: number, ep: number, F: number, P: number): number {
  if (F === 0 || ef === 0) return 0;
  switch (method) {
    case 'ochiai':
      return ef / Math.sqrt(F * (ef + ep));
    case 'coverage':
      return ef / F;
    case 'tarantula': {
      const fail = ef / F;
      const pass = P === 0 ? 0 : ep / P;
      return fail / (fail + pass);
    }
    case 'risk_ratio': {
      const c = F - ef;
      const d = P - ep;
      return (ef + 0.5) / (ef + ep + 1) / ((c + 0.5) / (c + d + 1));
    }
  }
}

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
