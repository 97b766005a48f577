import { invalid } from '../errors.js';
import type { Run } from '../model.js';
import type { RowReview } from '../rows/review.js';
import { compareWriteKeys, type Store } from '../store.js';
import { checkOptions, checkPositiveInt, describe } from '../validate.js';
import { type RankedGroup, rankGroups } from './ranking.js';
import { type Evidence, REVIEW_METHODS, type ReviewMethod, spectrumScore } from './spectrum.js';

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
  /** Ranked groups of tied runs, best first; inside a group newest first. */
  runs: RankedGroup<RunCandidate>[];
  /** Ranked groups of tied components, best first; inside a group by name. */
  components: RankedGroup<ComponentCandidate>[];
  /** When rows are flagged: upstream runs, component versions and origin rows behind them. */
  rows?: RowReview;
}

const PAGE = 10_000;

/**
 * Ranks the runs and components behind the flagged outputs. The population is every output
 * (latest version of each pointer) of the components that produced a flagged output; for a
 * candidate, ef and ep count the flagged and unflagged outputs whose lineage contains it.
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

  // Every run of the producing components, numbered in scan order, and for each output the
  // number of its latest writer among them. Numbers in typed arrays rather than maps of objects:
  // this is most of a review's work.
  const graph = new Ancestry();
  const latest = new Map<string, number>();
  for (const component of producingComponents) {
    let cursor: string | undefined;
    do {
      const page = await store.scanRuns({ component, limit: PAGE, cursor, order: 'asc' });
      for (const run of page.runs) {
        const i = graph.add(run);
        for (const p of run.outputs) {
          const cur = latest.get(p);
          if (cur === undefined || compareWriteKeys(run, graph.runs[cur] as Run) > 0) latest.set(p, i);
        }
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  const flaggedSet = new Set<string>();
  for (const f of flagged) {
    if (f.producer === undefined) continue;
    flaggedSet.add(f.pointer);
    const producer = graph.index.get(f.producer);
    if (producer !== undefined) latest.set(f.pointer, producer);
  }

  // Flagged and unflagged outputs per producing run.
  const producedF = new Float64Array(graph.runs.length);
  const producedP = new Float64Array(graph.runs.length);
  let F = 0;
  let P = 0;
  for (const [pointer, i] of latest) {
    if (flaggedSet.has(pointer)) {
      producedF[i] = (producedF[i] as number) + 1;
      F++;
    } else {
      producedP[i] = (producedP[i] as number) + 1;
      P++;
    }
  }
  const producers: number[] = [];
  for (let i = 0; i < producedF.length; i++) if (producedF[i] !== 0 || producedP[i] !== 0) producers.push(i);
  await graph.complete(store, producers);
  const n = graph.runs.length;
  const ef = new Float64Array(n);
  const ep = new Float64Array(n);
  const componentIndex = new Map<string, number>();
  const compOf = new Int32Array(n);
  graph.runs.forEach((run, i) => {
    let c = componentIndex.get(run.component);
    if (c === undefined) componentIndex.set(run.component, (c = componentIndex.size));
    compOf[i] = c;
  });
  const cef = new Float64Array(componentIndex.size);
  const cep = new Float64Array(componentIndex.size);
  const seen = new Int32Array(n).fill(-1);
  const compSeen = new Int32Array(componentIndex.size).fill(-1);
  const stack = new Int32Array(n);
  let stamp = 0;
  for (const start of producers) {
    const cf = producedF[start] as number;
    const cp = producedP[start] as number;
    stamp++;
    let top = 0;
    stack[top++] = start;
    seen[start] = stamp;
    while (top > 0) {
      const v = stack[--top] as number;
      ef[v] = (ef[v] as number) + cf;
      ep[v] = (ep[v] as number) + cp;
      const comp = compOf[v] as number;
      if (compSeen[comp] !== stamp) {
        compSeen[comp] = stamp;
        cef[comp] = (cef[comp] as number) + cf;
        cep[comp] = (cep[comp] as number) + cp;
      }
      for (let e = graph.offsets[v] as number; e < (graph.offsets[v + 1] as number); e++) {
        const u = graph.targets[e] as number;
        if (seen[u] !== stamp) {
          seen[u] = stamp;
          stack[top++] = u;
        }
      }
    }
  }

  const evidence = (f: number, p: number): Evidence => ({
    ef: f,
    ep: p,
    F,
    P,
    score: spectrumScore(method, f, p, F, P),
  });
  const runCandidates: RunCandidate[] = [];
  for (let i = 0; i < n; i++) {
    if ((ef[i] as number) < minSupport || ef[i] === 0) continue;
    const run = graph.runs[i] as Run;
    runCandidates.push({
      kind: 'run',
      id: run.id,
      component: run.component,
      startedAt: run.startedAt,
      evidence: evidence(ef[i] as number, ep[i] as number),
    });
  }
  const componentCandidates: ComponentCandidate[] = [];
  for (const [name, c] of componentIndex) {
    if ((cef[c] as number) < minSupport || cef[c] === 0) continue;
    componentCandidates.push({ kind: 'component', name, evidence: evidence(cef[c] as number, cep[c] as number) });
  }
  return {
    method,
    F,
    P,
    flagged,
    runs: rankGroups(
      runCandidates,
      (a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      limit,
    ),
    components: rankGroups(componentCandidates, (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0), limit),
  };
}

/**
 * Runs numbered as they are added, then completed with every run upstream of some of them
 * into a compact CSR adjacency over those numbers.
 */
class Ancestry {
  readonly runs: Run[] = [];
  readonly index = new Map<string, number>();
  offsets = new Int32Array(1);
  targets = new Int32Array(0);

  add(run: Run): number {
    const i = this.runs.length;
    this.index.set(run.id, i);
    this.runs.push(run);
    return i;
  }

  /** Adds every run upstream of the runs numbered `roots`, one store call per generation. */
  async complete(store: Store, roots: number[]): Promise<void> {
    const visited: boolean[] = [];
    let frontier = roots;
    while (frontier.length > 0) {
      const next: number[] = [];
      const missing = new Set<string>();
      for (const i of frontier) {
        if (visited[i] === true) continue;
        visited[i] = true;
        for (const dep of (this.runs[i] as Run).dependencies) {
          const j = this.index.get(dep);
          if (j === undefined) missing.add(dep);
          else if (visited[j] !== true) next.push(j);
        }
      }
      if (missing.size > 0) {
        for (const run of await store.getRuns([...missing])) {
          if (run !== undefined && !this.index.has(run.id)) next.push(this.add(run));
        }
      }
      frontier = next;
    }
    const { runs, index } = this;
    const offsets = new Int32Array(runs.length + 1);
    let edges = 0;
    runs.forEach((run, i) => {
      for (const dep of run.dependencies) if (index.has(dep)) edges++;
      offsets[i + 1] = edges;
    });
    const targets = new Int32Array(edges);
    let at = 0;
    for (const run of runs) {
      for (const dep of run.dependencies) {
        const j = index.get(dep);
        if (j !== undefined) targets[at++] = j;
      }
    }
    this.offsets = offsets;
    this.targets = targets;
  }
}
