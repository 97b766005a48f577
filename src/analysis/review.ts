import type { Run } from '../model.js';
import type { RowReview } from '../rows/review.js';
import { compareWriteKeys, type Store, type WriteKey } from '../store.js';
import { type Evidence, type RankedGroup, type ReviewMethod, rankGroups, spectrumScore } from './spectrum.js';

export interface ReviewOptions {
  /** Scoring method; default 'ochiai'. */
  method?: ReviewMethod;
  /** Candidates with fewer flagged outputs than this are left out. Default 1 (3 for risk_ratio). */
  minSupport?: number;
  /** How many ranked groups to return per kind. Default 20. */
  limit?: number;
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

  // Every run of the producing components, and the latest writer among them of each output.
  const runs = new Map<string, Run>();
  const latest = new Map<string, WriteKey>();
  for (const component of producingComponents) {
    let cursor: string | undefined;
    do {
      const page = await store.scanRuns({ component, limit: PAGE, cursor, order: 'asc' });
      for (const run of page.runs) {
        runs.set(run.id, run);
        for (const p of run.outputs) {
          const cur = latest.get(p);
          if (cur === undefined || compareWriteKeys(run, cur) > 0) latest.set(p, run);
        }
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  const flaggedSet = new Set<string>();
  for (const f of flagged) {
    if (f.producer === undefined) continue;
    flaggedSet.add(f.pointer);
    const producer = runs.get(f.producer);
    if (producer !== undefined) latest.set(f.pointer, producer);
  }

  // Flagged and unflagged outputs per producing run.
  const counts = new Map<string, { f: number; p: number }>();
  let F = 0;
  let P = 0;
  for (const [pointer, key] of latest) {
    let c = counts.get(key.id);
    if (c === undefined) counts.set(key.id, (c = { f: 0, p: 0 }));
    if (flaggedSet.has(pointer)) {
      c.f++;
      F++;
    } else {
      c.p++;
      P++;
    }
  }

  const graph = await ancestryGraph(store, runs, [...counts.keys()]);
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
  for (const [id, c] of counts) {
    const start = graph.index.get(id);
    if (start === undefined) continue;
    stamp++;
    let top = 0;
    stack[top++] = start;
    seen[start] = stamp;
    while (top > 0) {
      const v = stack[--top] as number;
      ef[v] = (ef[v] as number) + c.f;
      ep[v] = (ep[v] as number) + c.p;
      const comp = compOf[v] as number;
      if (compSeen[comp] !== stamp) {
        compSeen[comp] = stamp;
        cef[comp] = (cef[comp] as number) + c.f;
        cep[comp] = (cep[comp] as number) + c.p;
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

/** The runs reachable upstream from `roots`, as a compact CSR adjacency over local indexes. */
async function ancestryGraph(
  store: Store,
  known: Map<string, Run>,
  roots: string[],
): Promise<{ runs: Run[]; index: Map<string, number>; offsets: Int32Array; targets: Int32Array }> {
  const runs: Run[] = [];
  const index = new Map<string, number>();
  const add = (run: Run) => {
    index.set(run.id, runs.length);
    runs.push(run);
  };
  let frontier: string[] = roots;
  while (frontier.length > 0) {
    const missing: string[] = [];
    const next: string[] = [];
    for (const id of frontier) {
      if (index.has(id)) continue;
      const run = known.get(id);
      if (run === undefined) missing.push(id);
      else {
        add(run);
        next.push(...run.dependencies);
      }
    }
    if (missing.length > 0) {
      const fetched = await store.getRuns([...new Set(missing)]);
      for (const run of fetched) {
        if (run === undefined || index.has(run.id)) continue;
        add(run);
        next.push(...run.dependencies);
      }
    }
    frontier = next;
  }
  const offsets = new Int32Array(runs.length + 1);
  let edges = 0;
  runs.forEach((run, i) => {
    for (const dep of run.dependencies) if (index.has(dep)) edges++;
    offsets[i + 1] = edges;
  });
  const targets = new Int32Array(edges);
  let at = 0;
  for (const run of runs)
    for (const dep of run.dependencies) {
      const j = index.get(dep);
      if (j !== undefined) targets[at++] = j;
    }
  return { runs, index, offsets, targets };
}
