import type { RowReviewCandidate } from './review.js';

/**
 * The row review's order inside a score group (for rankInGroups): fewer hops first, the more
 * direct explanation, then more differences from the component's other runs.
 */
export function byDirectness(a: RowReviewCandidate, b: RowReviewCandidate): number {
  return a.hops - b.hops || b.differences.length - a.differences.length;
}
