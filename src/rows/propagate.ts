import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import type { RunRowsManifest } from './format/codec.js';
import { lookupPair } from './lookup.js';
import { BufferPool } from './pool.js';
import { Frontier, upstreamOf } from './walk.js';

/** A set of population rows (labels) as a bitset. */
export type LabelSet = Uint32Array;

export const newLabelSet = (labels: number): LabelSet => new Uint32Array((labels + 31) >>> 5);

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Rows of the population in `set`: how many are flagged and how many are not. */
export function countLabels(set: LabelSet, flagged: LabelSet): { ef: number; ep: number } {
  let ef = 0;
  let all = 0;
  for (let i = 0; i < set.length; i++) {
    const w = set[i] as number;
    if (w === 0) continue;
    all += popcount(w);
    ef += popcount(w & (flagged[i] as number));
  }
  return { ef, ep: all - ef };
}

/**
 * The population rows whose lineage holds a run: `rows` through row lineage down to rows the
 * run wrote, `all` also through run-level steps (an input without row lineage, e.g. a model).
 */
export interface RunReach {
  run: Run;
  rows: LabelSet;
  all: LabelSet;
  /** The fewest steps without row lineage between the run and a population row. */
  hops: number;
}

/** Population rows of one output pointer, labelled 0..n-1 globally. */
export interface Seed {
  run: Run;
  pointer: string;
  /** The rows' hashes, in parts (e.g. one per chunk, without copying); `labels` follow them in order. */
  hashes: Uint32Array[];
  labels: Int32Array;
  /**
   * When the rows are exactly the entries of the run's one pair for this pointer, in entry
   * order (no repeated output keys): that pair's id and the input row of each, so the first
   * step needs no lookup.
   */
  direct?: { pair: number; inputs: Uint32Array[] };
}

/** Origin rows of one pointer reached, with the population row each leads to. */
export interface OriginSegment {
  pointer: number;
  /** Interleaved (hi, lo) row hashes. */
  hashes: Uint32Array;
  labels: Int32Array;
  count: number;
}

/** Row origins reached: per entry, the pointer, its row hash and the population row, in segments (no copying). */
export interface Origins {
  pointers: string[];
  segments: OriginSegment[];
  count: number;
}

interface Node {
  run: Run;
  pointer: string;
  hashes: Uint32Array[];
  labels: Int32Array[];
  /** Population rows that reach this node at run level. */
  runLevel?: LabelSet;
  hops: number;
  direct?: Seed['direct'];
  /** Parts of `hashes` that came from the seed (direct applies only while no others joined). */
  seedParts?: number;
}

class OriginBuilder {
  pointers: string[] = [];
  private index = new Map<string, number>();
  segments: OriginSegment[] = [];
  count = 0;
  /** The index of a pointer's name (looked up once per batch, not per row). */
  pointerOf(pointer: string): number {
    let p = this.index.get(pointer);
    if (p === undefined) {
      p = this.pointers.length;
      this.pointers.push(pointer);
      this.index.set(pointer, p);
    }
    return p;
  }
  /** Adds `count` rows of one pointer; the arrays are kept as they are (do not reuse them). */
  addAll(pointer: number, hashes: Uint32Array, labels: Int32Array, count: number): void {
    if (count === 0) return;
    this.segments.push({ pointer, hashes, labels, count });
    this.count += count;
  }
}

const concat32 = <T extends Uint32Array | Int32Array>(parts: T[], make: (n: number) => T, pool: BufferPool): T => {
  if (parts.length === 1) return parts[0] as T;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = make(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    pool.release(p);
  }
  return out;
};

/**
 * Walks every population row backward at once, carrying (row hash, population row) pairs
 * through row lineage and label sets through run-level steps. Returns, for each run reached,
 * the population rows whose lineage contains it, and every origin row with the population
 * rows derived from it. Runs are visited newest first, so each is visited once. Takes the
 * seeds: the array is emptied.
 */
export async function propagate(
  store: Store,
  seeds: Seed[],
  labelCount: number,
): Promise<{
  runs: Map<string, RunReach>;
  origins: Origins;
  manifests: Map<string, RunRowsManifest | undefined>;
}> {
  const nodes = new Frontier<Node>('newest');
  const runs = new Map<string, RunReach>();
  const manifests = new Map<string, RunRowsManifest | undefined>();
  const origins = new OriginBuilder();
  const pool = new BufferPool();
  const nodeOf = (run: Run, pointer: string, hops: number): Node => {
    let node = nodes.get(run, pointer);
    if (node === undefined) node = nodes.add({ run, pointer, hashes: [], labels: [], hops });
    else node.hops = Math.min(node.hops, hops);
    return node;
  };
  for (const s of seeds) {
    const node = nodeOf(s.run, s.pointer, 0);
    node.hashes.push(...s.hashes);
    node.labels.push(s.labels);
    if (s.direct !== undefined) {
      node.direct = s.direct;
      node.seedParts = s.hashes.length;
    }
  }
  // The nodes hold the seeds' rows now: emptied, the seeds no longer keep a stage's rows
  // (a whole pair's chunks, at 20M rows 320 MB) alive once the walk has passed it.
  seeds.length = 0;
  for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
    const run = node.run;
    let entry = runs.get(run.id);
    if (entry === undefined) {
      entry = { run, rows: newLabelSet(labelCount), all: newLabelSet(labelCount), hops: node.hops };
      runs.set(run.id, entry);
    }
    entry.hops = Math.min(entry.hops, node.hops);
    // Hashes are joined into one array only where a lookup or the origins need them.
    let joined: Uint32Array | undefined;
    const hashesOf = (): Uint32Array => {
      joined ??= concat32(node.hashes, (n) => pool.u32(n), pool);
      return joined;
    };
    const labels = concat32(node.labels, (n) => pool.i32(n), pool);
    // The labels reaching this node (one pass of scattered bit sets), for the run and for
    // run-level steps further up.
    const mine = newLabelSet(labelCount);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i] as number;
      mine[l >>> 5] = (mine[l >>> 5] as number) | (1 << (l & 31));
    }
    const rowSet = entry.rows;
    for (let w = 0; w < mine.length; w++) rowSet[w] = (rowSet[w] as number) | (mine[w] as number);
    const here = mine;
    const runLevel = node.runLevel;
    if (runLevel !== undefined)
      for (let w = 0; w < here.length; w++) here[w] = (here[w] as number) | (runLevel[w] as number);
    const allSet = entry.all;
    for (let i = 0; i < here.length; i++) allSet[i] = (allSet[i] as number) | (here[i] as number);

    if (!manifests.has(run.id)) manifests.set(run.id, await readRowManifest(store, run.id));
    const { pairs, inputs, runs: upRuns } = await upstreamOf(store, run, node.pointer, manifests.get(run.id));
    const n = labels.length;
    const rowLevel = n > 0 && pairs.length > 0;
    // One pair (the usual case): lookups carry each entry's label and report the rows they
    // could not explain. Several pairs (a join): a row is unexplained only if no pair explains it.
    const single = pairs.length === 1;
    const matched = rowLevel && !single ? new Uint8Array(n) : undefined;
    const own = origins.pointerOf(node.pointer);
    // Whether a lookup was given the node's hashes and labels to spend (see below).
    let spent = false;
    for (const [i, input] of inputs.entries()) {
      const up = upRuns[i];
      const pair = pairs.find((p) => p.input === input);
      if (pair === undefined || !rowLevel) {
        // No row lineage for this input: every population row here reaches it at run level.
        if (up !== undefined) {
          const target = nodeOf(up, input, node.hops + 1);
          if (target.runLevel === undefined) target.runLevel = here.slice();
          else
            for (let w = 0; w < here.length; w++)
              target.runLevel[w] = (target.runLevel[w] as number) | (here[w] as number);
        }
        continue;
      }
      // A seed whose rows are its pair's entries in order already knows their input rows.
      const direct = node.direct;
      // (Only the seed's own parts: its labels array is then its own, never a pooled one.)
      const onlySeed = node.hashes.length === node.seedParts && node.labels.length === 1;
      if (single && direct !== undefined && direct.pair === pair.id && onlySeed) {
        if (up === undefined)
          origins.addAll(
            origins.pointerOf(input),
            concat32(direct.inputs, (k) => new Uint32Array(k), pool),
            labels,
            n,
          );
        else {
          const target = nodeOf(up, input, node.hops);
          target.hashes.push(...direct.inputs);
          target.labels.push(labels);
        }
        continue;
      }
      // Every (row, label) entry is a query; matches come back per entry, duplicates included.
      let outL: Int32Array;
      spent ||= single;
      const m = await lookupPair(
        store,
        run.id,
        pair,
        // The parts as they are (a seed's are its chunks' arrays): the lookup groups them itself.
        joined ?? node.hashes,
        'backward',
        // One pair: nothing reads the node's hashes or labels after its lookup.
        single ? { tags: labels, misses: true, pool, consume: true } : { pool },
      );
      const total = m.count;
      if (single) {
        outL = m.query;
        const missed = m.missed;
        if (missed !== undefined && missed.count > 0) origins.addAll(own, missed.hash, missed.query, missed.count);
      } else {
        outL = new Int32Array(total);
        const seen = matched as Uint8Array;
        for (let j = 0; j < total; j++) {
          const r = m.query[j] as number;
          seen[r] = 1;
          outL[j] = labels[r] as number;
        }
        pool.release(m.query);
      }
      const outH = m.hash;
      if (up === undefined) origins.addAll(origins.pointerOf(input), outH, outL, total);
      else if (total === 0) {
        pool.release(outH);
        pool.release(outL);
      } else {
        const target = nodeOf(up, input, node.hops);
        target.hashes.push(outH);
        target.labels.push(outL);
      }
    }
    // Rows no pair explains (or a run without row lineage for them) start here.
    if (!rowLevel) origins.addAll(own, hashesOf(), labels, n);
    else {
      if (matched !== undefined) {
        let lost = 0;
        for (let r = 0; r < n; r++) if (matched[r] === 0) lost++;
        const lostH = new Uint32Array(2 * lost);
        const lostL = new Int32Array(lost);
        for (let r = 0, k = 0; r < n; r++) {
          if (matched[r] !== 0) continue;
          lostH[2 * k] = hashesOf()[2 * r] as number;
          lostH[2 * k + 1] = hashesOf()[2 * r + 1] as number;
          lostL[k++] = labels[r] as number;
        }
        origins.addAll(own, lostH, lostL, lost);
      }
      // (A single pair's lookup was given them to spend: released twice, a buffer in use again
      // would be handed out a second time.)
      if (!spent) {
        if (joined !== undefined) pool.release(joined);
        else for (const part of node.hashes) pool.release(part);
        pool.release(labels);
      }
    }
  }
  return {
    runs,
    manifests,
    origins: { pointers: origins.pointers, segments: origins.segments, count: origins.count },
  };
}
