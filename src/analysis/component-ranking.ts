/**
 * Components in the run-level review. Components that lie behind the same flagged and
 * unflagged outputs tie (all of a pipeline's stages, often); inside a tie they are ordered by
 * their best version, and a note says plainly when even that cannot separate them.
 */
import type { ReviewCandidate } from './candidate.js';
import type { ComponentCandidate } from './group-candidates.js';
import { type RankedGroup, rankGroups } from './ranking.js';
import { evidenceOf, type Scoring, supported } from './run-candidates.js';
import { type Counts, reachOf } from './run-spectra.js';

/** Ranked groups of components (`index`: component name to its group in `counts`). */
export function rankComponents(
  index: Map<string, number>,
  counts: Counts,
  best: Map<string, ReviewCandidate>,
  scoring: Scoring,
  limit: number,
): RankedGroup<ComponentCandidate>[] {
  const out: ComponentCandidate[] = [];
  for (const [name, g] of index) {
    const { ef, ep } = reachOf(counts, g);
    if (!supported(scoring, ef)) continue;
    const b = best.get(name);
    out.push({
      kind: 'component',
      name,
      evidence: evidenceOf(scoring, ef, ep),
      ...(b === undefined ? {} : { bestVersion: b.id }),
    });
  }
  const bestScore = (c: ComponentCandidate) => best.get(c.name)?.evidence.score ?? 0;
  return rankGroups(
    out,
    (a, b) => bestScore(b) - bestScore(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    limit,
  );
}

/** What the top group of components means, in words, when it holds more than one. */
export function componentNotes(
  components: RankedGroup<ComponentCandidate>[],
  best: Map<string, ReviewCandidate>,
): string[] {
  const top = components[0];
  if (top === undefined || top.candidates.length < 2) return [];
  const names = top.candidates.map((c) => c.name);
  const scores = names.map((name) => best.get(name)?.evidence.score ?? top.score);
  const lead = scores[0] as number;
  if (scores.every((s) => Math.abs(s - lead) <= 1e-12))
    return [
      `flags alone cannot separate the components ${names.join(', ')}: they lie behind the same flagged and unflagged outputs, and so do their best versions`,
    ];
  return [
    `the components ${names.join(', ')} lie behind the same flagged and unflagged outputs; they are ordered by their best version (${top.candidates[0]?.bestVersion})`,
  ];
}
