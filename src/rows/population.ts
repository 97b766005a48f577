import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { loadChunks, readRowManifest } from './chunk-cache.js';
import type { FlaggedRows } from './flags.js';
import type { Chunk } from './format/chunk.js';
import { type PairManifest, rowPairsOf } from './format/codec.js';
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
    const pairs = rowPairsOf(manifest, pointer);
    let parts: Uint32Array[];
    let direct: Seed['direct'];
    if (pairs.length === 0) {
      if (f === undefined) continue;
      notes.push(`${pointer}: its run recorded no row lineage, so only its flagged rows are compared`);
      parts = [f.hashes];
    } else ({ parts, direct } = await distinctOutputs(store, run, pairs));
    let n = 0;
    for (const p of parts) n += p.length >>> 1;
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
      let base = labelCount;
      for (const rows of parts) {
        for (let j = 0; j < rows.length >>> 1; j++) {
          const lo = rows[2 * j + 1] as number;
          const b = lo & FILTER_MASK;
          if ((((filter[b >>> 5] as number) >>> (b & 31)) & 1) === 0) continue;
          if (table.get(rows[2 * j] as number, lo) >= 0) {
            flagged.push(base + j);
            found++;
          }
        }
        base += rows.length >>> 1;
      }
      const missing = (f.hashes.length >>> 1) - found;
      if (missing > 0) notes.push(`${pointer}: ${missing} flagged rows are not among the rows its run recorded`);
    }
    seeds.push(
      direct === undefined ? { run, pointer, hashes: parts, labels } : { run, pointer, hashes: parts, labels, direct },
    );
    outputs.push(pointer);
    labelCount += n;
  }
  return { seeds, flagged: Int32Array.from(flagged), labelCount, outputs };
}

/**
 * The distinct output row hashes of a run's pairs for one pointer, in parts. One pair: equal
 * hashes share a sub-bucket of a chunk (a few dozen entries), so repeats are found there; with
 * none, the chunks' own arrays are the rows (no copy) and their input rows are known. Several
 * pairs (a join): one hash table over all of them.
 */
async function distinctOutputs(
  store: Store,
  run: Run,
  pairs: PairManifest[],
): Promise<{ parts: Uint32Array[]; direct?: Seed['direct'] }> {
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
  if (all.length === 1) {
    const chunks = all[0] as Chunk[];
    if (!chunks.some(hasRepeats)) {
      const pair = pairs[0] as PairManifest;
      const inputs = chunks.map((c) => (pair.kind === 'keep' ? c.out : (c.inp as Uint32Array)));
      return { parts: chunks.map((c) => c.out), direct: { pair: pair.id, inputs } };
    }
    const rows = new Uint32Array(2 * total);
    let n = 0;
    for (const chunk of chunks) {
      const out = chunk.out;
      const offsets = chunk.offsets;
      for (let sb = 0; sb < offsets.length - 1; sb++) {
        const first = n;
        for (let j = offsets[sb] as number, end = offsets[sb + 1] as number; j < end; j++) {
          const hi = out[2 * j] as number;
          const lo = out[2 * j + 1] as number;
          let dup = false;
          for (let k = first; k < n && !dup; k++) dup = rows[2 * k + 1] === lo && rows[2 * k] === hi;
          if (dup) continue;
          rows[2 * n] = hi;
          rows[2 * n + 1] = lo;
          n++;
        }
      }
    }
    return { parts: [rows.subarray(0, 2 * n)] };
  }
  const rows = new Uint32Array(2 * total);
  let n = 0;
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
  return { parts: [rows.subarray(0, 2 * n)] };
}

// One table of entry indexes, reused for every chunk (a chunk's entries: it stays in cache).
let seen = new Int32Array(1 << 15);

/**
 * Whether an output hash repeats within a chunk (repeats share a chunk): one pass through an
 * open-addressing table of the chunk's entries, not a scan of each sub-bucket per entry (a
 * sub-bucket of a 20M-row pair holds hundreds).
 */
export function hasRepeats(chunk: Chunk): boolean {
  const out = chunk.out;
  const n = chunk.count;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  if (seen.length < cap) seen = new Int32Array(cap);
  const table = seen;
  table.fill(0, 0, cap);
  const mask = cap - 1;
  for (let j = 0; j < n; j++) {
    const hi = out[2 * j] as number;
    const lo = out[2 * j + 1] as number;
    let slot = (lo ^ (hi >>> 7)) & mask;
    for (;;) {
      const e = table[slot] as number;
      if (e === 0) {
        table[slot] = j + 1;
        break;
      }
      if (out[2 * (e - 1) + 1] === lo && out[2 * (e - 1)] === hi) return true;
      slot = (slot + 1) & mask;
    }
  }
  return false;
}
