import type { RowReviewCandidate } from './review.js';

/** Sorts by score and assigns tie groups. */
export function rank(cands: RowReviewCandidate[]): RowReviewCandidate[] {
  cands.sort((a, b) => b.evidence.score - a.evidence.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let group = -1;
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

/** Within each tie group, fewer hops first, then more differences; equal evidence shares a rank. */
export function order(cands: RowReviewCandidate[]): RowReviewCandidate[] {
  cands.sort(
    (a, b) =>
      a.group - b.group ||
      a.hops - b.hops ||
      b.differences.length - a.differences.length ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  let rank = 0;
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i] as RowReviewCandidate;
    const prev = cands[i - 1];
    if (
      prev !== undefined &&
      !(prev.group === c.group && prev.hops === c.hops && prev.differences.length === c.differences.length)
    )
      rank = i;
    c.rank = rank;
  }
  return cands;
}
