import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { readRowManifest } from './capture.js';
import { loadChunks } from './chunk-cache.js';
import type { PairManifest } from './codec.js';
import type { FlaggedRows } from './flags.js';
import { HashTable64 } from './hashset.js';
import type { Seed } from './propagate.js';

const FILTER_BITS = 20;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

/** The rows a review compares: every output row of the population pointers, labelled 0..n-1. */
export interface Population {
  seeds: Seed[];
  /** Labels of flagged rows. */
  flagged: Int32Array;
  labelCount: number;
  outputs: string[];
}

/**
 * Labels the distinct output rows of each population pointer (as its latest writer recorded
 * them) and finds the flagged ones among them. Notes say where flags could not be matched.
 */
export async function populationRows(
  store: Store,
  population: readonly string[],
  flagsOf: ReadonlyMap<string, FlaggedRows>,
  notes: string[],
): Promise<Population> {
  const writers = await store.latestWriters(population.map((p) => ({ pointer: p })));
  const writerRuns = await store.getRuns(writers.map((w) => w?.id ?? ''));
  const seeds: Seed[] = [];
  const flagged: number[] = [];
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
    let direct: Seed['direct'];
    if (pairs.length === 0) {
      if (f === undefined) continue;
      notes.push(`${pointer}: its run recorded no row lineage, so only its flagged rows are compared`);
      rows = f.hashes;
    } else ({ rows, direct } = await distinctOutputs(store, run, pairs));
    const n = rows.length >>> 1;
    const labels = new Int32Array(n);
    for (let j = 0; j < n; j++) labels[j] = labelCount + j;
    if (f !== undefined) {
      // Flags are few and distinct: a table of them, probed by every row, stays in cache.
      // A filter on the low bits keeps most rows from probing the table at all.
      const table = new HashTable64(f.hashes.length >>> 1);
      const filter = new Uint32Array(1 << (FILTER_BITS - 5));
      for (let j = 0; j < f.hashes.length; j += 2) {
        const lo = f.hashes[j + 1] as number;
        table.add(f.hashes[j] as number, lo, j);
        const b = lo & FILTER_MASK;
        filter[b >>> 5] = (filter[b >>> 5] as number) | (1 << (b & 31));
      }
      let found = 0;
      for (let j = 0; j < n; j++) {
        const lo = rows[2 * j + 1] as number;
        const b = lo & FILTER_MASK;
        if ((((filter[b >>> 5] as number) >>> (b & 31)) & 1) === 0) continue;
        if (table.get(rows[2 * j] as number, lo) >= 0) {
          flagged.push(labelCount + j);
          found++;
        }
      }
      const missing = (f.hashes.length >>> 1) - found;
      if (missing > 0) notes.push(`${pointer}: ${missing} flagged rows are not among the rows its run recorded`);
    }
    seeds.push(
      direct === undefined ? { run, pointer, hashes: rows, labels } : { run, pointer, hashes: rows, labels, direct },
    );
    outputs.push(pointer);
    labelCount += n;
  }
  return { seeds, flagged: Int32Array.from(flagged), labelCount, outputs };
}

/**
 * The distinct output row hashes of a run's pairs for one pointer. One pair: its chunks hold
 * equal hashes in the same sub-bucket, so duplicates are found there (a few dozen entries).
 * Several pairs (a join): one hash table over all of them.
 */
async function distinctOutputs(
  store: Store,
  run: Run,
  pairs: PairManifest[],
): Promise<{ rows: Uint32Array; direct?: Seed['direct'] }> {
  const all = await Promise.all(
    pairs.map((p) =>
      loadChunks(
        store,
        run.id,
        p,
        p.counts.map((_, c) => c),
      ),
    ),
  );
  let total = 0;
  for (const chunks of all) for (const c of chunks) total += c.count;
  const rows = new Uint32Array(2 * total);
  let n = 0;
  if (all.length === 1) {
    for (const chunk of all[0] ?? []) {
      const out = chunk.out;
      const offsets = chunk.offsets;
      for (let sb = 0; sb < offsets.length - 1; sb++) {
        const first = n;
        for (let j = offsets[sb] as number, end = offsets[sb + 1] as number; j < end; j++) {
          const hi = out[2 * j] as number;
          const lo = out[2 * j + 1] as number;
          let dup = false;
          // Earlier distinct rows of this sub-bucket (few: a sub-bucket holds a few dozen).
          for (let k = first; k < n && !dup; k++) dup = rows[2 * k + 1] === lo && rows[2 * k] === hi;
          if (dup) continue;
          rows[2 * n] = hi;
          rows[2 * n + 1] = lo;
          n++;
        }
      }
    }
    if (n < total) return { rows: rows.subarray(0, 2 * n) };
    // No output key repeats: row i is entry i of the pair, so its input row is known too.
    const pair = pairs[0] as PairManifest;
    const inputs = new Uint32Array(2 * total);
    let at = 0;
    for (const chunk of all[0] ?? []) {
      inputs.set(pair.kind === 'keep' ? chunk.out : (chunk.inp as Uint32Array), at);
      at += 2 * chunk.count;
    }
    return { rows, direct: { pair: pair.id, inputs } };
  }
  const table = new HashTable64(total);
  for (const chunks of all) {
    for (const chunk of chunks) {
      const out = chunk.out;
      for (let j = 0; j < chunk.count; j++) {
        const before = table.size;
        table.add(out[2 * j] as number, out[2 * j + 1] as number, before);
        if (table.size === before) continue;
        rows[2 * n] = out[2 * j] as number;
        rows[2 * n + 1] = out[2 * j + 1] as number;
        n++;
      }
    }
  }
  return { rows: rows.subarray(0, 2 * n) };
}
