/**
 * What a score rests on, so a person can judge it. The run review counts outputs (pointers),
 * the row review counts rows of the population.
 */
export interface Evidence {
  /** Flagged outputs (rows) whose lineage contains the candidate. */
  ef: number;
  /** Unflagged outputs (rows) whose lineage contains the candidate. */
  ep: number;
  /** Flagged outputs (rows) in all. */
  F: number;
  /** Unflagged outputs of the same producing components (unflagged rows of the population) in all. */
  P: number;
  score: number;
}
