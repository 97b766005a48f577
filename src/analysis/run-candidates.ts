/**
 * The run-level review's candidates: runs and component versions with their evidence, reach
 * and hops, built from the run-level spectra, ready for rankCandidates.
 */
import type { ReviewCandidate } from './candidate.js';
import type { RunCandidate } from './group-candidates.js';
import { type Counts, reachOf } from './run-spectra.js';
import { type Evidence, type ReviewMethod, spectrumScore } from './spectrum.js';
import type { Versions } from './versions.js';

/** The runs that may be candidates, read by number. */
export interface CandidateRuns {
  readonly size: number;
  id(i: number): string;
  component(i: number): string;
  startedAt(i: number): number;
  commit(i: number): string | undefined;
}

/** How candidates are scored: the method, the population, and the least flagged support. */
export interface Scoring {
  method: ReviewMethod;
  F: number;
  P: number;
  minSupport: number;
}

export const evidenceOf = (s: Scoring, ef: number, ep: number): Evidence => ({
  ef,
  ep,
  F: s.F,
  P: s.P,
  score: spectrumScore(s.method, ef, ep, s.F, s.P),
});

export const supported = (s: Scoring, ef: number): boolean => ef > 0 && ef >= s.minSupport;

/**
 * Every supported run as a RunCandidate (for the groups of runs); runs that can make the first
 * `limit` score groups (down to the limit-th best score, ties included) and every supported version as ranked
 * candidates; and each component's best-scoring version.
 */
export function runLevelCandidates(
  graph: CandidateRuns,
  spectra: { runs: Counts; groups: Counts },
  versions: Versions,
  scoring: Scoring,
  limit: number,
): { candidates: ReviewCandidate[]; runCandidates: RunCandidate[]; best: Map<string, ReviewCandidate> } {
  const n = graph.size;
  const runCandidates: RunCandidate[] = [];
  const runEvidence: (Evidence | undefined)[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    // No flagged output reaches it (most runs): no support, whatever its reach.
    if (spectra.runs.allF[i] === 0) continue;
    const { ef, ep } = reachOf(spectra.runs, i);
    if (!supported(scoring, ef)) continue;
    const e = evidenceOf(scoring, ef, ep);
    runEvidence[i] = e;
    scores.push(e.score);
    runCandidates.push({
      kind: 'run',
      id: graph.id(i),
      component: graph.component(i),
      startedAt: graph.startedAt(i),
      evidence: e,
    });
  }
  const candidates: ReviewCandidate[] = [];
  const best = new Map<string, ReviewCandidate>();
  versions.groups.forEach((v, g) => {
    const { ef, ep, reach } = reachOf(spectra.groups, g);
    if (!supported(scoring, ef)) return;
    const c: ReviewCandidate = {
      kind: 'component',
      id: v.id,
      component: {
        name: v.name,
        version: v.version,
        runs: v.runs,
        ...(v.params === undefined ? {} : { params: v.params }),
      },
      evidence: evidenceOf(scoring, ef, ep),
      reach,
      hops: spectra.groups.hops[g] as number,
      group: 0,
      rank: 0,
      differences: [],
    };
    candidates.push(c);
    scores.push(c.evidence.score);
    const b = best.get(v.name);
    if (b === undefined || c.evidence.score > b.evidence.score) best.set(v.name, c);
  });
  // Runs scoring below the limit-th best score cannot be listed: only the others become candidates.
  const floor = scoreFloor(scores, limit);
  for (let i = 0; i < n; i++) {
    const e = runEvidence[i];
    if (e === undefined || e.score < floor) continue;
    const id = graph.id(i);
    const version = graph.commit(i);
    candidates.push({
      kind: 'run',
      id,
      run: {
        id,
        component: graph.component(i),
        ...(version === undefined ? {} : { version }),
        startedAt: graph.startedAt(i),
      },
      evidence: e,
      reach: reachOf(spectra.runs, i).reach,
      hops: spectra.runs.hops[i] as number,
      group: 0,
      rank: 0,
      differences: [],
    });
  }
  return { candidates, runCandidates, best };
}

/** The score of the `limit`-th best score group, less groupByScore's tolerance; -Infinity when there are fewer groups. */
function scoreFloor(scores: number[], limit: number): number {
  const sorted = Float64Array.from(scores).sort().reverse();
  let groups = 0;
  let last = Number.NaN;
  for (const score of sorted) {
    if (!(Math.abs(score - last) <= 1e-12)) {
      if (++groups > limit) return last - 1e-12;
      last = score;
    }
  }
  return Number.NEGATIVE_INFINITY;
}
