import { invalid } from '../errors.js';
import type { RowReview } from '../rows/review.js';
import type { Store } from '../store.js';
import { checkOptions, checkPositiveInt, describe } from '../validate.js';
import { type ReviewCandidate, rankCandidates } from './candidate.js';
import { componentNotes, rankComponents } from './component-ranking.js';
import { runDifferences, versionDifferences } from './differences.js';
import { FlaggedLineage } from './flagged-lineage.js';
import type { ComponentCandidate, RunCandidate } from './group-candidates.js';
import { type RankedGroup, rankGroups } from './ranking.js';
import { runLevelCandidates } from './run-candidates.js';
import { populationOf } from './run-population.js';
import { type Counts, runSpectra } from './run-spectra.js';
import { REVIEW_METHODS, type ReviewMethod } from './spectrum.js';

export type { ComponentCandidate, RunCandidate } from './group-candidates.js';

export interface ReviewOptions {
  /** Scoring method; default 'ochiai'. */
  method?: ReviewMethod;
  /** Candidates with fewer flagged outputs than this are left out. Default 1 (3 for risk_ratio). */
  minSupport?: number;
  /** How many ranked groups to return per kind. Default 20. */
  limit?: number;
}

/** Checks a scoring method's name (invalid_input listing the methods). */
export function checkReviewMethod(field: string, value: unknown): ReviewMethod {
  if (!(REVIEW_METHODS as readonly unknown[]).includes(value))
    throw invalid(field, `must be ${REVIEW_METHODS.join(', ')}, got ${describe(value)}`);
  return value as ReviewMethod;
}

/** Checks review options as given by a caller (invalid_input naming the option). */
export function checkReviewOptions(options: unknown): ReviewOptions {
  const o = checkOptions<ReviewOptions>('options', options, ['method', 'minSupport', 'limit']);
  if (o.method !== undefined) checkReviewMethod('method', o.method);
  if (o.minSupport !== undefined) checkPositiveInt('minSupport', o.minSupport);
  if (o.limit !== undefined) checkPositiveInt('limit', o.limit);
  return o;
}

export interface FlaggedOutput {
  pointer: string;
  /** The run that wrote its latest version; absent when no run wrote it. */
  producer?: string;
  component?: string;
}

export interface Review {
  method: ReviewMethod;
  /** Flagged outputs with a producer. */
  F: number;
  /** Unflagged outputs of the same producing components. */
  P: number;
  flagged: FlaggedOutput[];
  /**
   * Runs and component versions ranked one by one, best first, as the row review ranks them:
   * each with its evidence, its score group, its rank (shared by candidates nothing tells
   * apart), its reach, hops and the differences that order it within its group.
   */
  candidates: ReviewCandidate[];
  /** Ranked groups of tied runs, best first; inside a group newest first. */
  runs: RankedGroup<RunCandidate>[];
  /** Ranked groups of tied components, best first; inside a group by best version, then name. */
  components: RankedGroup<ComponentCandidate>[];
  /** What the flags alone cannot tell, in words. */
  notes: string[];
  /** When rows are flagged: upstream runs, component versions and origin rows behind them. */
  rows?: RowReview;
}

/**
 * Ranks the runs, component versions and components behind the flagged outputs. The
 * population is every output (latest version of each pointer) of the components that
 * produced a flagged output; for a candidate, ef and ep count the flagged and unflagged
 * outputs its lineage reaches: directly (through no aggregating run) when any does, else at all.
 */
export async function reviewRuns(store: Store, flaggedNames: string[], options: ReviewOptions = {}): Promise<Review> {
  const method = options.method ?? 'ochiai';
  const minSupport = options.minSupport ?? (method === 'risk_ratio' ? 3 : 1);
  const limit = options.limit ?? 20;
  const writers =
    flaggedNames.length === 0 ? [] : await store.latestWriters(flaggedNames.map((pointer) => ({ pointer })));
  const flagged: FlaggedOutput[] = flaggedNames.map((pointer, i) => {
    const w = writers[i];
    return w === undefined ? { pointer } : { pointer, producer: w.id, component: w.component };
  });
  const producingComponents = [...new Set(flagged.flatMap((f) => (f.component === undefined ? [] : [f.component])))];

  // The population and its totals come from the store's columns, kept while no run is written;
  // this review walks up from the flagged producers only, and what is not flagged is the rest.
  const population = await populationOf(store, producingComponents);
  const { graph, latest, totals, versions, componentIndex, runsOf } = population;
  const flaggedBy = new Map<number, number>();
  const counted = new Set<number>();
  for (const f of flagged) {
    if (f.producer === undefined) continue;
    const p = graph.columns.pointerOf(f.pointer);
    const i = p < 0 || p >= latest.length ? -1 : (latest[p] as number);
    if (i < 0 || counted.has(p)) continue;
    counted.add(p);
    flaggedBy.set(i, (flaggedBy.get(i) ?? 0) + 1);
  }
  const F = counted.size;
  const P = population.outputs - F;
  const lineage = new FlaggedLineage(graph, population, flaggedBy);
  const byFlags = runSpectra(
    lineage,
    lineage.aggregating,
    lineage.producers,
    lineage.producedF,
    new Float64Array(lineage.size),
    lineage.groups,
  );
  const spectra = {
    runs: withUnflagged(byFlags.runs, totals.runs, lineage.global),
    groups: withUnflagged(byFlags.groups, totals.groups),
  };

  const score = { method, F, P, minSupport };
  const { candidates, runCandidates, best } = runLevelCandidates(lineage, spectra, versions, score, limit);
  const ranked = await rankCandidates(candidates, limit, async (top, tied) => {
    const tiedRuns = top.filter((c) => c.kind === 'run' && tied.has(c));
    const diffs = await runDifferences(
      store,
      tiedRuns.map((c) => graph.run(graph.numberOfId(c.id) as number)),
    );
    for (const c of top) {
      if (c.kind === 'run') c.differences = diffs.get(c.id) ?? [];
      else if (c.component !== undefined)
        c.differences = versionDifferences(c.component, runsOf.get(c.component.name) ?? 0);
      if (c.hops > 0 && tied.has(c))
        c.differences.push(
          `reaches the flagged outputs only through ${c.hops} aggregating step${c.hops === 1 ? '' : 's'} (a run reading several runs of one component)`,
        );
    }
  });

  const components = rankComponents(componentIndex, spectra.groups, best, score, limit);
  return {
    method,
    F,
    P,
    flagged,
    candidates: ranked,
    runs: rankGroups(
      runCandidates,
      (a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      limit,
    ),
    components,
    notes: componentNotes(components, best),
  };
}

/**
 * Components tied at the top are separated only by their versions; when their best versions
 * tie too, the flags alone cannot tell them apart, and the note says so.
 */

/**
 * Counts of the flagged outputs completed with the unflagged ones: the totals less the flagged.
 * `at`: where each counted run sits in the totals (the same place when absent).
 */
function withUnflagged(flags: Counts, totals: Counts, at?: readonly number[]): Counts {
  const allP = new Float64Array(flags.allF.length);
  const directP = new Float64Array(flags.allF.length);
  for (let j = 0; j < allP.length; j++) {
    const i = at === undefined ? j : (at[j] as number);
    allP[j] = (totals.allF[i] as number) - (flags.allF[j] as number);
    directP[j] = (totals.directF[i] as number) - (flags.directF[j] as number);
  }
  return { ...flags, allP, directP };
}
