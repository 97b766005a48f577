import type { Run } from '../model.js';
import { compareWriteKeys, dependencyBound, type Store } from '../store.js';
import { readRowManifest } from './capture.js';
import type { RunRowsManifest } from './codec.js';
import { lookupPair } from './lookup.js';

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
  hashes: Uint32Array;
  labels: Int32Array;
}

/** Row origins reached: per entry, the pointer, its row hash and the population row. */
export interface Origins {
  pointers: string[];
  pointer: Int32Array;
  hashes: Uint32Array;
  labels: Int32Array;
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
}

class OriginBuilder {
  pointers: string[] = [];
  private index = new Map<string, number>();
  pointer = new Int32Array(1024);
  hashes = new Uint32Array(2048);
  labels = new Int32Array(1024);
  count = 0;
  add(pointer: string, hi: number, lo: number, label: number): void {
    let p = this.index.get(pointer);
    if (p === undefined) {
      p = this.pointers.length;
      this.pointers.push(pointer);
      this.index.set(pointer, p);
    }
    if (this.count === this.labels.length) {
      const n = this.count * 2;
      const p2 = new Int32Array(n);
      p2.set(this.pointer);
      this.pointer = p2;
      const l2 = new Int32Array(n);
      l2.set(this.labels);
      this.labels = l2;
      const h2 = new Uint32Array(2 * n);
      h2.set(this.hashes);
      this.hashes = h2;
    }
    this.pointer[this.count] = p;
    this.hashes[2 * this.count] = hi;
    this.hashes[2 * this.count + 1] = lo;
    this.labels[this.count] = label;
    this.count++;
  }
}

const concat32 = <T extends Uint32Array | Int32Array>(parts: T[], make: (n: number) => T): T => {
  if (parts.length === 1) return parts[0] as T;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = make(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * Walks every population row backward at once, carrying (row hash, population row) pairs
 * through row lineage and label sets through run-level steps. Returns, for each run reached,
 * the population rows whose lineage contains it, and every origin row with the population
 * rows derived from it. Runs are visited newest first, so each is visited once.
 */
export async function propagate(
  store: Store,
  seeds: readonly Seed[],
  labelCount: number,
): Promise<{
  runs: Map<string, RunReach>;
  origins: Origins;
  manifests: Map<string, RunRowsManifest | undefined>;
}> {
  const nodes = new Map<string, Node>();
  const runs = new Map<string, RunReach>();
  const manifests = new Map<string, RunRowsManifest | undefined>();
  const origins = new OriginBuilder();
  const nodeOf = (run: Run, pointer: string, hops: number): Node => {
    const k = `${run.id}\u0000${pointer}`;
    let node = nodes.get(k);
    if (node === undefined) {
      node = { run, pointer, hashes: [], labels: [], hops };
      nodes.set(k, node);
    } else node.hops = Math.min(node.hops, hops);
    return node;
  };
  for (const s of seeds) {
    const node = nodeOf(s.run, s.pointer, 0);
    node.hashes.push(s.hashes);
    node.labels.push(s.labels);
  }
  while (nodes.size > 0) {
    let bestKey = '';
    let node: Node | undefined;
    for (const [k, n] of nodes) {
      if (node === undefined || compareWriteKeys(n.run, node.run) > 0) {
        node = n;
        bestKey = k;
      }
    }
    nodes.delete(bestKey);
    if (node === undefined) break;
    const run = node.run;
    let entry = runs.get(run.id);
    if (entry === undefined) {
      entry = { run, rows: newLabelSet(labelCount), all: newLabelSet(labelCount), hops: node.hops };
      runs.set(run.id, entry);
    }
    entry.hops = Math.min(entry.hops, node.hops);
    const hashes = concat32(node.hashes, (n) => new Uint32Array(n));
    const labels = concat32(node.labels, (n) => new Int32Array(n));
    // The labels reaching this node, for the run and for run-level steps further up.
    const rowSet = entry.rows;
    const here = node.runLevel === undefined ? newLabelSet(labelCount) : node.runLevel.slice();
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i] as number;
      const bit = 1 << (l & 31);
      rowSet[l >>> 5] = (rowSet[l >>> 5] as number) | bit;
      here[l >>> 5] = (here[l >>> 5] as number) | bit;
    }
    const allSet = entry.all;
    for (let i = 0; i < here.length; i++) allSet[i] = (allSet[i] as number) | (here[i] as number);

    if (!manifests.has(run.id)) manifests.set(run.id, await readRowManifest(store, run.id));
    const pairs = (manifests.get(run.id)?.pairs ?? []).filter((p) => p.output === node.pointer);
    const inputs = [...new Set([...run.inputs, ...pairs.map((p) => p.input)])];
    const writers = await store.latestWriters(inputs.map((p) => ({ pointer: p, before: dependencyBound(run) })));
    const upRuns = await store.getRuns(writers.map((w) => w?.id ?? ''));
    const n = labels.length;
    const matched = new Uint8Array(n);
    const rowLevel = n > 0 && pairs.length > 0;
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
      // Every (row, label) entry is a query; matches come back per entry, duplicates included.
      const m = await lookupPair(store, run.id, pair, hashes, 'backward');
      const total = m.count;
      const outH = m.hash;
      const outL = new Int32Array(total);
      for (let j = 0; j < total; j++) {
        const r = m.query[j] as number;
        matched[r] = 1;
        outL[j] = labels[r] as number;
      }
      if (up === undefined) {
        for (let k = 0; k < total; k++)
          origins.add(input, outH[2 * k] as number, outH[2 * k + 1] as number, outL[k] as number);
      } else if (total > 0) {
        const target = nodeOf(up, input, node.hops);
        target.hashes.push(outH);
        target.labels.push(outL);
      }
    }
    // Rows no pair explains (or a run without row lineage for them) start here.
    for (let r = 0; r < n; r++) {
      if (matched[r] === 0)
        origins.add(node.pointer, hashes[2 * r] as number, hashes[2 * r + 1] as number, labels[r] as number);
    }
  }
  return {
    runs,
    manifests,
    origins: {
      pointers: origins.pointers,
      pointer: origins.pointer.subarray(0, origins.count),
      hashes: origins.hashes.subarray(0, 2 * origins.count),
      labels: origins.labels.subarray(0, origins.count),
      count: origins.count,
    },
  };
}
