import { REVIEW_METHODS, type ReviewMethod, spectrumScore } from '../analysis/spectrum.js';
import { invalid, PipetraceError } from '../errors.js';
import type { Millis, Run } from '../model.js';
import type { Store } from '../store.js';
import { checkPointer, checkPositiveInt } from '../validate.js';
import { readRowManifest } from './capture.js';
import { runDifferences } from './evidence.js';
import { allFlaggedRows, type FlaggedRows, flaggedRows } from './flags.js';
import { HashTable64 } from './hashset.js';
import { toHex } from './keys.js';
import { outputRows } from './lookup.js';
import { countLabels, type LabelSet, newLabelSet, propagate, type Seed } from './propagate.js';

// Labels and candidate ids are packed into one double when counting distinct labels.
const LABEL_LIMIT = 2 ** 26;

/** The spectrum score, shared with the run-level review. */
export type RowReviewMetric = ReviewMethod;

/** The counts behind a score: flagged (ef) and unflagged (ep) population rows whose lineage holds the candidate. */
export interface RowEvidence {
  ef: number;
  ep: number;
  /** Flagged rows in the population. */
  F: number;
  /** Unflagged rows in the population. */
  P: number;
  score: number;
}

export interface RowReviewCandidate {
  kind: 'run' | 'component' | 'row';
  /** Run id, `component@version`, or `pointer#hash`. */
  id: string;
  run?: { id: string; component: string; version?: string };
  component?: { name: string; version: string; runs: number };
  row?: { pointer: string; hash: string };
  evidence: RowEvidence;
  /**
   * Which population rows count: 'rows' when some reach the candidate through row lineage
   * (then only those count), 'run' when rows reach it only at run level (through an input
   * without row lineage, such as a model trained on its output).
   */
  reach: 'rows' | 'run';
  /**
   * The fewest steps without row lineage between the candidate and a population row (0: all
   * row lineage). Within a tie group fewer hops rank first: the more direct explanation.
   */
  hops: number;
  /** Candidates with equal scores share a group (0 is the top group). */
  group: number;
  /** Position by score, then by differences; candidates with equal evidence share a rank. */
  rank: number;
  /** What sets a run or version apart from its component's other runs (breaks score ties). */
  differences: string[];
}

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
  /** Candidates returned per list. Default 20. */
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
  const writers = await store.latestWriters(population.map((p) => ({ pointer: p })));
  const writerRuns = await store.getRuns(writers.map((w) => w?.id ?? ''));
  const seeds: Seed[] = [];
  const flaggedLabels: number[] = [];
  let labelCount = 0;
  const outputs: string[] = [];
  for (const [i, pointer] of population.entries()) {
    const run = writerRuns[i];
    const f = flagsOf.get(pointer);
    if (run === undefined) {
      if (f !== undefined) notes.push(`${pointer} has flagged rows but no run wrote it`);
      continue;
    }
    const manifest = await readRowManifest(store, run.id);
    const pairs = (manifest?.pairs ?? []).filter((p) => p.output === pointer && p.kind !== 'pass');
    let rows: Uint32Array;
    let table: HashTable64 | undefined;
    if (pairs.length === 0) {
      if (f === undefined) continue;
      notes.push(`${pointer}: its run recorded no row lineage, so only its flagged rows are compared`);
      rows = f.hashes;
    } else {
      const parts = await Promise.all(pairs.map((p) => outputRows(store, run.id, p)));
      ({ rows, table } = distinctOf(parts));
    }
    const n = rows.length >>> 1;
    const labels = new Int32Array(n);
    for (let j = 0; j < n; j++) labels[j] = labelCount + j;
    if (f !== undefined) {
      if (table === undefined) {
        table = new HashTable64(n);
        for (let j = 0; j < n; j++) table.add(rows[2 * j] as number, rows[2 * j + 1] as number, j);
      }
      let missing = 0;
      for (let j = 0; j < f.hashes.length; j += 2) {
        const at = table.get(f.hashes[j] as number, f.hashes[j + 1] as number);
        if (at >= 0) flaggedLabels.push(labelCount + at);
        else missing++;
      }
      if (missing > 0) notes.push(`${pointer}: ${missing} flagged rows are not among the rows its run recorded`);
    }
    seeds.push({ run, pointer, hashes: rows, labels });
    outputs.push(pointer);
    labelCount += n;
  }
  if (labelCount >= LABEL_LIMIT) {
    throw new PipetraceError(
      'too_large',
      `the population has ${labelCount} rows; row review handles up to ${LABEL_LIMIT - 1}`,
    );
  }
  const flaggedSet = newLabelSet(labelCount);
  for (const l of flaggedLabels) flaggedSet[l >>> 5] = (flaggedSet[l >>> 5] as number) | (1 << (l & 31));
  const F = countLabels(flaggedSet, flaggedSet).ef;
  const P = labelCount - F;
  if (F === 0) {
    notes.push('no flagged row is a recorded output row');
    return { ...empty, outputs };
  }
  const walk = await propagate(store, seeds, labelCount);

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
  const versionCounts = new Map<string, number>();
  for (const v of versions.values()) versionCounts.set(v.name, (versionCounts.get(v.name) ?? 0) + 1);
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
  const ranked = rank(candidates.filter((c) => c.evidence.ef > 0));
  const top = ranked.slice(0, limit);
  // Differences only for candidates that tie with another on score.
  const tiedRuns = top.filter((c) => c.kind === 'run' && ranked.some((o) => o !== c && o.group === c.group));
  const diffs = await runDifferences(
    store,
    tiedRuns.map((c) => walk.runs.get(c.id)?.run).filter((r): r is Run => r !== undefined),
    walk.manifests,
  );
  for (const c of top) {
    if (c.kind === 'run') c.differences = diffs.get(c.id) ?? [];
    else if (c.component !== undefined && (versionCounts.get(c.component.name) ?? 0) > 1) {
      const all = [...versions.values()].filter((v) => v.name === c.component?.name).reduce((s, v) => s + v.runs, 0);
      if (c.component.runs * 2 < all)
        c.differences = [
          `version ${c.component.version} ran in ${c.component.runs} of ${all} runs of ${c.component.name} reached`,
        ];
    }
  }
  return {
    metric,
    F,
    P,
    candidates: order(ranked).slice(0, limit),
    rows: rowCandidates(walk.origins, flaggedSet, F, P, metric, limit),
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

/** Distinct hashes in first-seen order, and the table from each to its index. */
function distinctOf(parts: Uint32Array[]): { rows: Uint32Array; table: HashTable64 } {
  let n = 0;
  for (const p of parts) n += p.length >>> 1;
  const table = new HashTable64(n);
  const out = new Uint32Array(2 * n);
  let at = 0;
  for (const p of parts) {
    for (let j = 0; j < p.length; j += 2) {
      const before = table.size;
      table.add(p[j] as number, p[j + 1] as number, before);
      if (table.size > before) {
        out[2 * at] = p[j] as number;
        out[2 * at + 1] = p[j + 1] as number;
        at++;
      }
    }
  }
  return { rows: out.subarray(0, 2 * at), table };
}

/** Sorts by score and assigns tie groups. */
function rank(cands: RowReviewCandidate[]): RowReviewCandidate[] {
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
function order(cands: RowReviewCandidate[]): RowReviewCandidate[] {
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

function rowCandidates(
  origins: { pointers: string[]; pointer: Int32Array; hashes: Uint32Array; labels: Int32Array; count: number },
  flagged: LabelSet,
  F: number,
  P: number,
  metric: RowReviewMetric,
  limit: number,
): RowReviewCandidate[] {
  // Candidate ids per (pointer, hash); only candidates with a flagged row are scored.
  const tables = origins.pointers.map(() => new HashTable64(16));
  const perPointer = new Int32Array(origins.pointers.length);
  for (let e = 0; e < origins.count; e++) (perPointer[origins.pointer[e] as number] as number)++;
  for (let p = 0; p < tables.length; p++) tables[p] = new HashTable64(perPointer[p] as number);
  // A candidate is named by the first origin entry of its (pointer, hash): no object per row.
  if (origins.count >= 2 ** 27)
    throw new PipetraceError('too_large', `row review reached ${origins.count} origin rows`);
  const cand = new Int32Array(origins.count);
  for (let e = 0; e < origins.count; e++) {
    const p = origins.pointer[e] as number;
    cand[e] = (tables[p] as HashTable64).add(origins.hashes[2 * e] as number, origins.hashes[2 * e + 1] as number, e);
  }
  const hit = new Uint8Array(origins.count);
  for (let e = 0; e < origins.count; e++) {
    const l = origins.labels[e] as number;
    if (((flagged[l >>> 5] as number) >>> (l & 31)) & 1) hit[cand[e] as number] = 1;
  }
  // (candidate, label) pairs of hit candidates, sorted, to count distinct labels.
  const pairs: number[] = [];
  for (let e = 0; e < origins.count; e++)
    if (hit[cand[e] as number] === 1) pairs.push((cand[e] as number) * LABEL_LIMIT + (origins.labels[e] as number));
  const sorted = Float64Array.from(pairs).sort();
  const out: RowReviewCandidate[] = [];
  let i = 0;
  while (i < sorted.length) {
    const c = Math.floor((sorted[i] as number) / LABEL_LIMIT);
    let ef = 0;
    let ep = 0;
    let prev = -1;
    for (; i < sorted.length && Math.floor((sorted[i] as number) / LABEL_LIMIT) === c; i++) {
      const l = (sorted[i] as number) - c * LABEL_LIMIT;
      if (l === prev) continue;
      prev = l;
      if (((flagged[l >>> 5] as number) >>> (l & 31)) & 1) ef++;
      else ep++;
    }
    const pointer = origins.pointers[origins.pointer[c] as number] as string;
    const hash = toHex(origins.hashes[2 * c] as number, origins.hashes[2 * c + 1] as number);
    out.push({
      kind: 'row',
      id: `${pointer}#${hash}`,
      row: { pointer, hash },
      reach: 'rows',
      hops: 0,
      evidence: { ef, ep, F, P, score: spectrumScore(metric, ef, ep, F, P) },
      group: 0,
      rank: 0,
      differences: [],
    });
  }
  return order(rank(out)).slice(0, limit);
}
