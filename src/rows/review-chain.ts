/**
 * The row review without walking the population: when the population is one pointer (or one
 * among others that bring no rows: see onlyRowPointer) whose row lineage is a chain of single
 * pairs (map or keep), each with distinct outputs and with inputs that are exactly its upstream
 * pair's outputs (by the summaries recorded at write time, see pair-summary.ts), every
 * population row reaches every run of the chain and maps to one entry of every pair. Then only
 * the flagged rows are traced back, and an origin row's unflagged rows are its entries in the
 * chain's last pair less its flagged ones.
 */
import type { Run } from '../model.js';
import { dependencyBound, type Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import type { FlaggedRows } from './flags.js';
import { type PairManifest, type RunRowsManifest, rowPairsOf } from './format/codec.js';
import { HashTable64 } from './hashset.js';
import { lookupPair } from './lookup.js';
import { type LabelSet, newLabelSet, type Origins, type RunReach } from './propagate.js';
import { LABEL_LIMIT } from './row-candidates.js';

/** What reviewRows needs from the population and its walk. */
export interface ChainReview {
  labelCount: number;
  /** Labels 0..F-1 are the flagged rows. */
  flaggedSet: LabelSet;
  F: number;
  /** The population pointers whose rows were compared (the one pointer of the chain). */
  outputs: string[];
  walk: {
    runs: Map<string, RunReach>;
    origins: Origins;
    manifests: Map<string, RunRowsManifest | undefined>;
  };
  /** Population rows derived from an origin row (pointer index into origins.pointers). */
  totals: (pointer: number, hi: number, lo: number) => number;
}

interface Link {
  run: Run;
  pointer: string;
  pair: PairManifest;
  manifest: RunRowsManifest;
}

/** The chain of pairs behind `pointer`, newest first, or undefined where it is not one. */
async function chainOf(store: Store, pointer: string): Promise<Link[] | undefined> {
  const [w] = await store.latestWriters([{ pointer }]);
  let run = w === undefined ? undefined : (await store.getRuns([w.id]))[0];
  const links: Link[] = [];
  const seen = new Set<string>();
  let at = pointer;
  let below: PairManifest | undefined;
  while (run !== undefined && !seen.has(run.id)) {
    seen.add(run.id);
    const manifest = await readRowManifest(store, run.id);
    const pairs = (manifest?.pairs ?? []).filter((p) => p.output === at);
    const pair = pairs[0];
    if (manifest === undefined || pair === undefined || pairs.length !== 1) return undefined;
    const s = pair.s;
    if (s?.v !== 1 || !s.d || pair.rows === 0 || (pair.kind !== 'map' && pair.kind !== 'keep')) return undefined;
    // The downstream pair's inputs must be exactly this pair's outputs (same count, same fingerprint).
    if (below !== undefined && (below.s?.i !== s.o || below.rows !== pair.rows)) return undefined;
    // Another input would reach its writer at run level.
    if (run.inputs.some((p) => p !== pair.input)) return undefined;
    links.push({ run, pointer: at, pair, manifest });
    const input = pair.input;
    const [up] = await store.latestWriters([{ pointer: input, before: dependencyBound(run) }]);
    if (up === undefined) return links;
    run = (await store.getRuns([up.id]))[0];
    at = input;
    below = pair;
  }
  return undefined;
}

/**
 * The review's population and walk for a chain (see above), or undefined where the lineage is
 * not one (stores written before pair summaries, joins, aggregations, filters that drop rows
 * read downstream): the caller then walks every row.
 */
export async function chainReview(
  store: Store,
  population: readonly string[],
  flagsOf: ReadonlyMap<string, FlaggedRows>,
  notes: string[],
): Promise<ChainReview | undefined> {
  const pointer = await onlyRowPointer(store, population, flagsOf);
  if (pointer === undefined) return undefined;
  const f = flagsOf.get(pointer);
  if (f === undefined) return undefined;
  const links = await chainOf(store, pointer);
  const first = links?.[0];
  const last = links?.[links.length - 1];
  if (links === undefined || first === undefined || last === undefined) return undefined;
  const n = first.pair.rows;
  if (n >= LABEL_LIMIT) return undefined;
  // The flagged rows among the population, and each one's input row (outputs are distinct: one each).
  const m = await lookupPair(store, first.run.id, first.pair, f.hashes, 'backward', { misses: true });
  const F = m.count;
  const flaggedSet = newLabelSet(n);
  for (let l = 0; l < F; l++) flaggedSet[l >>> 5] = (flaggedSet[l >>> 5] as number) | (1 << (l & 31));
  const labels = new Int32Array(F);
  for (let l = 0; l < F; l++) labels[l] = l;
  const manifests = new Map<string, RunRowsManifest | undefined>(links.map((k) => [k.run.id, k.manifest]));
  // Back along the chain: a map's lookup gives each flagged row's input (one each); a keep's
  // rows are its inputs, so it is not read at all.
  let hashes = m.hash;
  let tags: Int32Array = labels;
  for (const link of links.slice(1)) {
    if (F === 0 || link.pair.kind === 'keep') continue;
    const step = await lookupPair(store, link.run.id, link.pair, hashes, 'backward', { tags });
    // Fewer or more than one input a row would mean the summaries lied: walk every row instead.
    if (step.count !== F) return undefined;
    hashes = step.hash;
    tags = step.query;
  }
  const origins: Origins = {
    pointers: [last.pair.input],
    segments: F === 0 ? [] : [{ pointer: 0, hashes, labels: tags, count: F }],
    count: F,
  };
  const missing = (f.hashes.length >>> 1) - F;
  if (missing > 0) notes.push(`${pointer}: ${missing} flagged rows are not among the rows its run recorded`);
  // Every population row reaches every run of the chain through row lineage.
  const all = newLabelSet(n);
  all.fill(0xffffffff);
  if (n % 32 !== 0) all[all.length - 1] = (1 << (n % 32)) - 1;
  const runs = new Map<string, RunReach>(links.map((k) => [k.run.id, { run: k.run, rows: all, all, hops: 0 }]));
  return {
    labelCount: n,
    flaggedSet,
    F,
    outputs: [pointer],
    walk: { runs, origins, manifests },
    totals: await totalsOf(store, last, origins),
  };
}

/**
 * The one pointer of the population that brings rows, where the others bring none and say
 * nothing, as the full walk would find them (population.ts): not flagged, and written by no run
 * or by one that recorded no row lineage for them (a run's report or model beside its rows).
 * Undefined otherwise.
 */
async function onlyRowPointer(
  store: Store,
  population: readonly string[],
  flagsOf: ReadonlyMap<string, FlaggedRows>,
): Promise<string | undefined> {
  const flagged = population.filter((p) => flagsOf.has(p));
  const pointer = flagged[0];
  if (flagged.length !== 1 || pointer === undefined) return undefined;
  const others = population.filter((p) => p !== pointer);
  if (others.length === 0) return pointer;
  const writers = await store.latestWriters(others.map((p) => ({ pointer: p })));
  const runs = await store.getRuns(writers.map((w) => w?.id ?? ''));
  for (const [i, other] of others.entries()) {
    const run = runs[i];
    if (run === undefined) continue;
    const manifest = await readRowManifest(store, run.id);
    if (rowPairsOf(manifest, other).length > 0) return undefined;
  }
  return pointer;
}

/** Population rows per origin row: its entries in the last pair (one for a keep: outputs are distinct). */
async function totalsOf(store: Store, last: Link, origins: Origins): Promise<ChainReview['totals']> {
  if (last.pair.kind === 'keep') return () => 1;
  const table = new HashTable64(origins.count);
  const hashes: number[] = [];
  for (const s of origins.segments)
    for (let e = 0; e < s.count; e++) {
      const hi = s.hashes[2 * e] as number;
      const lo = s.hashes[2 * e + 1] as number;
      if (table.add(hi, lo, hashes.length >>> 1) === hashes.length >>> 1) hashes.push(hi, lo);
    }
  const m = await lookupPair(store, last.run.id, last.pair, Uint32Array.from(hashes), 'forward');
  const counts = new Int32Array(hashes.length >>> 1);
  for (let j = 0; j < m.count; j++) (counts[m.query[j] as number] as number)++;
  return (_pointer, hi, lo) => counts[table.get(hi, lo)] as number;
}
