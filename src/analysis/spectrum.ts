/** Spectrum-based fault localisation: scores for a candidate from flagged and unflagged outputs. */

export type ReviewMethod = 'ochiai' | 'tarantula' | 'risk_ratio' | 'coverage';

export const REVIEW_METHODS: readonly ReviewMethod[] = ['ochiai', 'tarantula', 'risk_ratio', 'coverage'];

// The root exports the ranking types from here, beside the scores they rank.
export type { Evidence } from './evidence.js';
export type { RankedGroup } from './ranking.js';

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
