import { invalid } from '../errors.js';
import type { RowReview } from '../rows/review.js';
import { RunTable } from '../run-table.js';
import type { Store } from '../store.js';
import { checkOptions, checkPositiveInt, describe } from '../validate.js';
import { Ancestry } from './ancestry.js';
import { type ReviewCandidate, rankCandidates } from './candidate.js';
import { componentNotes, rankComponents } from './component-ranking.js';
import { runDifferences, versionDifferences } from './differences.js';
import { type RankedGroup, rankGroups } from './ranking.js';
import { runLevelCandidates } from './run-candidates.js';
import { runSpectra } from './run-spectra.js';
import { type Evidence, REVIEW_METHODS, type ReviewMethod } from './spectrum.js';
import { versionGroups } from './versions.js';

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

export interface RunCandidate {
  kind: 'run';
  id: string;
  component: string;
  startedAt: number;
  evidence: Evidence;
}

export interface ComponentCandidate {
  kind: 'component';
  name: string;
  evidence: Evidence;
  /** Its best-scoring version (`component@version`), which orders components that tie. */
  bestVersion?: string;
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

const PAGE = 10_000;

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

  // Every run of the producing components, numbered in run order, and for each output the
  // number of its latest writer among them. Read in place from the store's columns when it has
  // them (no Run object per run: at a million runs that is most of a review's time and memory),
  // else from a table of the runs read here.
  const own = store.columns === undefined ? new RunTable() : undefined;
  const columns = store.columns ?? (own as RunTable);
  if (own !== undefined) {
    for (const component of producingComponents) {
      let cursor: string | undefined;
      do {
        const page = await store.scanRuns({ component, limit: PAGE, cursor, order: 'asc' });
        for (const run of page.runs) own.put(run);
        cursor = page.cursor;
      } while (cursor !== undefined);
    }
  }
  const graph = new Ancestry(columns, own === undefined ? undefined : { store, table: own });
  // latest[p]: number of pointer p's latest writer among the producing runs, -1 for none.
  const latest = new Int32Array(columns.pointerCount).fill(-1);
  const written: number[] = [];
  for (const component of producingComponents) {
    for (const slot of columns.slotsOf(component) ?? []) {
      const i = graph.add(slot);
      const links = columns.links();
      const from = columns.firstOutput(slot);
      for (let o = from, to = from + columns.outputCount(slot); o < to; o++) {
        const p = links[o] as number;
        const cur = latest[p] as number;
        if (cur < 0) written.push(p);
        if (cur < 0 || columns.compareWrites(slot, graph.slot(cur)) > 0) latest[p] = i;
      }
    }
  }
  const isFlagged = new Uint8Array(columns.pointerCount);
  for (const f of flagged) {
    if (f.producer === undefined) continue;
    const p = columns.pointerOf(f.pointer);
    const producer = graph.numberOfId(f.producer);
    if (p < 0 || producer === undefined) continue;
    if (latest[p] === -1) written.push(p);
    isFlagged[p] = 1;
    latest[p] = producer;
  }

  // Flagged and unflagged outputs per producing run.
  const producedF = new Float64Array(graph.size);
  const producedP = new Float64Array(graph.size);
  let F = 0;
  let P = 0;
  for (const p of written) {
    const i = latest[p] as number;
    if (isFlagged[p] === 1) {
      producedF[i] = (producedF[i] as number) + 1;
      F++;
    } else {
      producedP[i] = (producedP[i] as number) + 1;
      P++;
    }
  }
  const producers: number[] = [];
  for (let i = 0; i < producedF.length; i++) if (producedF[i] !== 0 || producedP[i] !== 0) producers.push(i);
  await graph.complete(producers);
  const n = graph.size;

  // Groups met in the walk: versions first, then one per component.
  const versions = versionGroups(graph);
  const componentIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = graph.component(i);
    if (!componentIndex.has(c)) componentIndex.set(c, versions.groups.length + componentIndex.size);
  }
  const groupOffsets = new Int32Array(n + 1);
  const groupTargets = new Int32Array(versions.targets.length + n);
  for (let i = 0, at = 0; i < n; i++) {
    for (let e = versions.offsets[i] as number; e < (versions.offsets[i + 1] as number); e++)
      groupTargets[at++] = versions.targets[e] as number;
    groupTargets[at++] = componentIndex.get(graph.component(i)) as number;
    groupOffsets[i + 1] = at;
  }
  const spectra = runSpectra(graph, graph.aggregating(), producers, producedF, producedP, {
    size: versions.groups.length + componentIndex.size,
    offsets: groupOffsets,
    targets: groupTargets,
  });

  const score = { method, F, P, minSupport };
  const { candidates, runCandidates, best } = runLevelCandidates(graph, spectra, versions, score, limit);
  const runsOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = graph.component(i);
    runsOf.set(c, (runsOf.get(c) ?? 0) + 1);
  }
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
