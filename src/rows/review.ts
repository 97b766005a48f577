import { type ReviewCandidate, rankCandidates } from '../analysis/candidate.js';
import { type RowCounts, runDifferences, versionDifferences } from '../analysis/differences.js';
import { REVIEW_METHODS, type ReviewMethod, spectrumScore } from '../analysis/spectrum.js';
import { invalid, PipetraceError } from '../errors.js';
import type { Millis, Run } from '../model.js';
import type { Store } from '../store.js';
import { checkPointer, checkPositiveInt } from '../validate.js';
import { readRowManifest } from './chunk-cache.js';
import { allFlaggedRows, type FlaggedRows, flaggedRows } from './flags.js';
import type { RunRowsManifest } from './format/codec.js';
import { withOriginKeys } from './origin-keys.js';
import { type Population, populationRows } from './population.js';
import { countLabels, type LabelSet, newLabelSet, propagate } from './propagate.js';
import { chainReview } from './review-chain.js';
import { LABEL_LIMIT, rowCandidates } from './row-candidates.js';

/** The spectrum score, shared with the run-level review. */
export type RowReviewMetric = ReviewMethod;

/** A run, component version or origin row behind flagged rows; group and rank count from 1. */
export type RowReviewCandidate = ReviewCandidate;

export interface RowReview {
  metric: RowReviewMetric;
  F: number;
  P: number;
  /** Runs and component versions, best first. */
  candidates: RowReviewCandidate[];
  /** Upstream rows with no recorded origin (raw records and rows runs created), best first. */
  rows: RowReviewCandidate[];
  /** The population: output pointers whose rows were compared. */
  outputs: string[];
  notes: string[];
}

export interface RowReviewOptions {
  /** Flagged pointers to review (default: every pointer with flagged rows). */
  pointers?: string[];
  /** Output pointers whose rows form the population (default: every output of the components that wrote the flagged pointers). */
  population?: string[];
  /** Limit the producers' runs scanned for the population. */
  since?: Millis;
  until?: Millis;
  metric?: RowReviewMetric;
  /** Score groups returned per list (a tie at the cut is kept whole). Default 20. */
  limit?: number;
}

async function scanAll(store: Store, component: string, since?: Millis, until?: Millis): Promise<Run[]> {
  const out: Run[] = [];
  let cursor: string | undefined;
  do {
    const scan = {
      component,
      order: 'asc' as const,
      limit: 1000,
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
    };
    const page = await store.scanRuns(cursor === undefined ? scan : { ...scan, cursor });
    out.push(...page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/**
 * Ranks what lies behind flagged rows: upstream runs, component versions (a component at one
 * code version across its runs) and origin rows, by spectrum-based fault localisation over
 * the flagged (F) and unflagged (P) rows of the same outputs. Ties form groups; within a group
 * candidates are ordered only by real differences from their component's other runs.
 */
export async function reviewRows(store: Store, options: RowReviewOptions = {}): Promise<RowReview> {
  const metric = options.metric ?? 'ochiai';
  if (!REVIEW_METHODS.includes(metric)) throw invalid('metric', `must be one of ${REVIEW_METHODS.join(', ')}`);
  const limit = options.limit === undefined ? 20 : checkPositiveInt('limit', options.limit);
  const notes: string[] = [];
  const flags: FlaggedRows[] =
    options.pointers === undefined
      ? await allFlaggedRows(store)
      : await Promise.all(options.pointers.map((p, i) => flaggedRows(store, checkPointer(`pointers[${i}]`, p))));
  const flagged = flags.filter((f) => f.hashes.length > 0);
  const empty: RowReview = { metric, F: 0, P: 0, candidates: [], rows: [], outputs: [], notes };
  if (flagged.length === 0) {
    notes.push('no flagged rows');
    return empty;
  }
  const flagsOf = new Map(flagged.map((f) => [f.pointer, f]));
  // The population: outputs of the components that wrote the flagged pointers.
  let population: string[];
  if (options.population !== undefined) {
    population = [
      ...new Set([...options.population.map((p, i) => checkPointer(`population[${i}]`, p)), ...flagsOf.keys()]),
    ];
  } else {
    const writers = await store.latestWriters(flagged.map((f) => ({ pointer: f.pointer })));
    const components = [...new Set(writers.filter((w) => w !== undefined).map((w) => w.component))];
    const set = new Set<string>(flagsOf.keys());
    for (const c of components)
      for (const r of await scanAll(store, c, options.since, options.until)) for (const o of r.outputs) set.add(o);
    population = [...set].sort();
  }
  // A chain of pairs recorded with summaries needs no walk of every row (review-chain.ts).
  const chain = await chainReview(store, population, flagsOf, notes);
  const full = chain === undefined ? await populationRows(store, population, flagsOf, notes) : undefined;
  const labelCount = chain?.labelCount ?? (full as Population).labelCount;
  if (labelCount >= LABEL_LIMIT) {
    throw new PipetraceError(
      'too_large',
      `the population has ${labelCount} rows; row review handles up to ${LABEL_LIMIT - 1}`,
    );
  }
  let flaggedSet: LabelSet;
  if (chain !== undefined) flaggedSet = chain.flaggedSet;
  else {
    flaggedSet = newLabelSet(labelCount);
    for (const l of (full as Population).flagged)
      flaggedSet[l >>> 5] = (flaggedSet[l >>> 5] as number) | (1 << (l & 31));
  }
  const outputs = chain?.outputs ?? (full as Population).outputs;
  const F = chain?.F ?? countLabels(flaggedSet, flaggedSet).ef;
  const P = labelCount - F;
  if (F === 0) {
    notes.push('no flagged row is a recorded output row');
    return { ...empty, outputs };
  }
  const walk = chain?.walk ?? (await propagate(store, (full as Population).seeds, labelCount));

  // Runs and component versions.
  const candidates: RowReviewCandidate[] = [];
  const versions = new Map<
    string,
    { name: string; version: string; runs: number; hops: number; rows: LabelSet; all: LabelSet }
  >();
  for (const { run, rows, all, hops } of walk.runs.values()) {
    const reach = reachOf(rows, all);
    const { ef, ep } = countLabels(reach.set, flaggedSet);
    const version = run.code?.commit;
    const c: RowReviewCandidate = {
      kind: 'run',
      id: run.id,
      run:
        version === undefined
          ? { id: run.id, component: run.component }
          : { id: run.id, component: run.component, version },
      evidence: { ef, ep, F, P, score: spectrumScore(metric, ef, ep, F, P) },
      reach: reach.kind,
      hops,
      group: 0,
      rank: 0,
      differences: [],
    };
    candidates.push(c);
    const key = `${run.component}@${version ?? '(none)'}`;
    let v = versions.get(key);
    if (v === undefined) {
      v = {
        name: run.component,
        version: version ?? '(none)',
        runs: 0,
        hops,
        rows: newLabelSet(labelCount),
        all: newLabelSet(labelCount),
      };
      versions.set(key, v);
    }
    v.runs++;
    v.hops = Math.min(v.hops, hops);
    for (let w = 0; w < rows.length; w++) {
      v.rows[w] = (v.rows[w] as number) | (rows[w] as number);
      v.all[w] = (v.all[w] as number) | (all[w] as number);
    }
  }
  for (const [key, v] of versions) {
    const reach = reachOf(v.rows, v.all);
    const { ef, ep } = countLabels(reach.set, flaggedSet);
    candidates.push({
      kind: 'component',
      id: key,
      component: { name: v.name, version: v.version, runs: v.runs },
      evidence: { ef, ep, F, P, score: spectrumScore(metric, ef, ep, F, P) },
      reach: reach.kind,
      hops: v.hops,
      group: 0,
      rank: 0,
      differences: [],
    });
  }
  const runsOf = new Map<string, number>();
  for (const v of versions.values()) runsOf.set(v.name, (runsOf.get(v.name) ?? 0) + v.runs);
  const ranked = await rankCandidates(candidates, limit, async (top, tied) => {
    // Differences only for runs that tie with another on score.
    const tiedRuns = top.filter((c) => c.kind === 'run' && tied.has(c));
    const diffs = await runDifferences(
      store,
      tiedRuns.map((c) => walk.runs.get(c.id)?.run).filter((r): r is Run => r !== undefined),
      manifestRowCounts(store, walk.manifests),
    );
    for (const c of top) {
      if (c.kind === 'run') c.differences = diffs.get(c.id) ?? [];
      else if (c.component !== undefined)
        c.differences = versionDifferences(c.component, runsOf.get(c.component.name) ?? 0);
    }
  });
  const rows = rowCandidates(walk.origins, flaggedSet, F, P, metric, limit, chain?.totals);
  await withOriginKeys(store, rows);
  return {
    metric,
    F,
    P,
    candidates: ranked,
    rows,
    outputs,
    notes,
  };
}

// A defect in a run shows in the rows it wrote; rows that reach it only through an aggregate
// (a model trained on its output) are weak evidence either way, so they count only where no
// row reaches the candidate through row lineage.
function reachOf(rows: LabelSet, all: LabelSet): { set: LabelSet; kind: 'rows' | 'run' } {
  for (let i = 0; i < rows.length; i++) if (rows[i] !== 0) return { set: rows, kind: 'rows' };
  return { set: all, kind: 'run' };
}

const rowsOf = (m: RunRowsManifest | undefined): number => (m?.pairs ?? []).reduce((s, p) => s + p.rows, 0);

/** Rows of lineage each peer run recorded, from the manifests read so far and the store. */
function manifestRowCounts(store: Store, manifests: Map<string, RunRowsManifest | undefined>): RowCounts {
  return async (peers) => {
    for (const p of peers) if (!manifests.has(p.id)) manifests.set(p.id, await readRowManifest(store, p.id));
    return (run) => rowsOf(manifests.get(run.id));
  };
}
