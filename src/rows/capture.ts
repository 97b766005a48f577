import { invalid } from '../errors.js';
import type { Profile } from '../monitor/profile.js';
import { ProfileBuffer } from '../monitor/profile-buffer.js';
import type { Store } from '../store.js';
import { checkPointer, checkRunId, checkWholeNumber, describe } from '../validate.js';
import { type PartitionSource, partitionChunks, planOf } from './format/chunk.js';
import { type RegionSource, streamable } from './format/chunk-stream.js';
import {
  chunkKeysOf,
  decodeManifest,
  emptyManifest,
  encodeManifest,
  manifestKey,
  type PairManifest,
  pairChunkKey,
  type RowLineageKind,
  type RunRowsManifest,
} from './format/codec.js';
import { HASH_VERSION, hashKeyInto, hashKeys, keyToJson, type RowKey } from './format/keys.js';
import { Lease } from './lease.js';
import { summarizePair } from './pair-summary.js';
import { randomDigest, streamedKeysOf, writeStreamedPair } from './stream-write.js';

export { CHUNK_ROWS } from './format/chunk.js';

/**
 * The row lineage of one (output, input) pair of a run, given as arrays:
 * - `map`: output row i came from input row i (parallel arrays, 1:1).
 * - `many`: output row i came from input row i, and an output key may repeat (aggregations,
 *   joins: give one pair per joined input).
 * - `keep`: the output is a subset of the input rows under the same keys (filters).
 * - `pass`: every row passes unchanged; nothing is stored per row.
 * Keys may be any array-like (arrays, typed arrays): no object per row is needed.
 */
export type RowLineageSpec =
  | { output: string; input: string; kind: 'map' | 'many'; outputKeys: ArrayLike<RowKey>; inputKeys: ArrayLike<RowKey> }
  | { output: string; input: string; kind: 'keep'; keys: ArrayLike<RowKey> }
  | { output: string; input: string; kind: 'pass' };

export interface RowCaptureOptions {
  /** Also store the original keys, so traces can show them (costs their text size). */
  keepKeys?: boolean;
}

/**
 * Collects one pair's row lineage a row at a time, as a step processes its rows: hashes go
 * straight into growable typed arrays. Given `expected` rows (and no `keepKeys`), the recorder
 * keeps them split into regions by the top bits of the output hash, as the chunks will be: a
 * big pair is then written chunk by chunk while the store writes the ones before (see
 * stream-write.ts), without a partition pass over all rows or memory for all chunks at once.
 */
export class RowRecorder {
  readonly output: string;
  readonly input: string;
  readonly kind: 'map' | 'many' | 'keep';
  /** Region bits: region r holds the rows whose output hash's top `bits` bits are r. */
  private bits: number;
  /** Entries a region holds: region r's are from entry r * cap of out and inp. */
  private cap: number;
  private out: Uint32Array;
  private inp: Uint32Array | undefined;
  private fill: Int32Array;
  private n = 0;
  private readonly text: unknown[] | undefined;
  private readonly profile: ProfileBuffer | undefined;

  /** With `profile: true`, add() takes each output row too, and the run stores their profile. */
  constructor(
    output: string,
    input: string,
    kind: 'map' | 'many' | 'keep',
    options: RowCaptureOptions & { expected?: number; profile?: boolean } = {},
  ) {
    this.output = checkPointer('output', output);
    this.input = checkPointer('input', input);
    if (kind !== 'map' && kind !== 'many' && kind !== 'keep') {
      throw invalid('kind', `must be map, many or keep, got ${describe(kind)}`);
    }
    this.kind = kind;
    const hint = options.expected === undefined ? 1024 : checkWholeNumber('expected', options.expected);
    if (hint > MAX_EXPECTED) {
      throw invalid('expected', `is ${hint} rows; the limit is ${MAX_EXPECTED} (it sizes memory taken up front)`);
    }
    const expected = Math.max(16, hint);
    if (options.keepKeys === true) this.text = [];
    // Original keys stay in the order added, beside one flat region. Few regions: each is a
    // write stream while rows are added, and more streams cost more than they spare.
    this.bits = this.text === undefined ? Math.min(REGION_BITS, planOf(expected).bits) : 0;
    const regions = 1 << this.bits;
    // A few percent over the mean per region: hashes spread evenly (repeated output keys do
    // not: a region that fills up turns the recorder flat, see grow()).
    this.cap = regions === 1 ? expected : Math.ceil((expected / regions) * 1.03) + 64;
    this.out = new Uint32Array(regions * this.cap * 2);
    this.inp = kind === 'keep' ? undefined : new Uint32Array(this.out.length);
    this.fill = new Int32Array(regions);
    if (options.profile === true) this.profile = new ProfileBuffer(`profile(${JSON.stringify(this.output)})`);
  }

  get rows(): number {
    return this.n;
  }

  /** Room for one more entry: a flat recorder doubles, a split one turns flat. */
  private grow(): void {
    this.out = flatten(this.out, this.cap, this.fill, 2 * this.n);
    if (this.inp !== undefined) this.inp = flatten(this.inp, this.cap, this.fill, 2 * this.n);
    this.bits = 0;
    this.fill = Int32Array.of(this.n);
    this.cap = this.out.length / 2;
  }

  /**
   * Records a kept row (keep), or that output row `key` came from input row `inputKey`; with
   * the `profile` option, `row` is the output row, profiled with the others.
   */
  add(key: RowKey, inputKey?: RowKey, row?: Record<string, unknown>): void {
    const inp = this.inp;
    if (inp !== undefined && inputKey === undefined) throw invalid('inputKey', `is required for ${this.kind}`);
    const profiled = this.profile === undefined ? undefined : this.profile.check(row);
    // The output first, for its region; the row counts once both are hashed, so a bad key
    // leaves the recorder unchanged.
    hashKeyInto(key, HASH, 0);
    const hi = HASH[0] as number;
    // (hi >>> 1) >>> (31 - bits): the top `bits` bits, and 0 for no bits (a shift by 32 is none).
    let r = (hi >>> 1) >>> (31 - this.bits);
    let at = this.fill[r] as number;
    if (at === this.cap) {
      this.grow();
      r = 0;
      at = this.n;
    }
    const k = 2 * (r * this.cap + at);
    if (this.inp !== undefined) hashKeyInto(inputKey as RowKey, this.inp, k);
    this.out[k] = hi;
    this.out[k + 1] = HASH[1] as number;
    this.fill[r] = at + 1;
    if (this.text !== undefined) {
      this.text.push(keyToJson(key));
      if (inp !== undefined) this.text.push(keyToJson(inputKey as RowKey));
    }
    this.n++;
    if (profiled !== undefined) this.profile?.add(profiled);
  }

  /** The profile of the rows added, with the `profile` option. */
  profiled(): Profile | undefined {
    return this.profile?.result();
  }

  /** The hashed pair, ready to store: its regions when they can be written a region at a time. */
  hashed(): HashedPair {
    const pair: HashedPair = { output: this.output, input: this.input, kind: this.kind };
    const { out, inp, cap, fill, n } = this;
    if (streamable(n, this.bits)) {
      pair.regions = { bits: this.bits, out, inp, cap, fill };
      pair.rows = n;
      return pair;
    }
    // Region after region: rows of one output hash keep their order, which is all a lookup sees.
    pair.out = this.bits === 0 ? out.subarray(0, 2 * n) : flatten(out, cap, fill, n);
    if (inp !== undefined) pair.inp = this.bits === 0 ? inp.subarray(0, 2 * n) : flatten(inp, cap, fill, n);
    if (this.text !== undefined) pair.text = this.text;
    return pair;
  }
}

/**
 * Region bits of a big recorder at most. A region's chunks are encoded at once, so each buffer
 * set of the write holds a region's chunks: 64 regions (20M rows: 4.4 MB a set) need a quarter
 * of the fresh memory 16 did, whose first touch costs more than encoding into it (about 10k
 * page faults fewer at 20M rows), for about 3 ns more a row in add() (more write streams).
 */
const REGION_BITS = 6;
/** The most rows `expected` may announce: 2^28 rows take 4 GiB of hashes up front. */
const MAX_EXPECTED = 2 ** 28;
// Where add() hashes a row's output key.
const HASH = new Uint32Array(2);

/** The (hi, lo) entries of regions of cap entries, region after region, in an array with room for `room`. */
function flatten(buf: Uint32Array, cap: number, fill: Int32Array, room: number): Uint32Array {
  const flat = new Uint32Array(Math.max(room, 16) * 2);
  let at = 0;
  for (let r = 0; r < fill.length; r++) {
    const m = 2 * (fill[r] as number);
    flat.set(buf.subarray(2 * r * cap, 2 * r * cap + m), at);
    at += m;
  }
  return flat;
}

/** A pair with its keys hashed: interleaved (hi, lo) u32 pairs. */
export interface HashedPair {
  output: string;
  input: string;
  kind: RowLineageKind;
  out?: Uint32Array;
  inp?: Uint32Array;
  /** Input keys not hashed yet: partitioning hashes them straight into the chunks. */
  inputKeys?: ArrayLike<RowKey>;
  /** Original keys as JSON values: one per entry (keep) or (output, input) per entry. */
  text?: unknown[];
  /** Instead of out/inp: the entries by region, written chunk by chunk (stream-write.ts). */
  regions?: RegionSource;
  /** Entries in `regions`. */
  rows?: number;
}

function hashSpec(spec: RowLineageSpec, index: number, options: RowCaptureOptions): HashedPair {
  const field = `lineage[${index}]`;
  if (spec === null || typeof spec !== 'object') throw invalid(field, `must be an object, got ${describe(spec)}`);
  const output = checkPointer(`${field}.output`, spec.output);
  const input = checkPointer(`${field}.input`, spec.input);
  const keepText = options.keepKeys === true;
  switch (spec.kind) {
    case 'pass':
      return { output, input, kind: 'pass' };
    case 'keep': {
      checkArrayLike(`${field}.keys`, spec.keys);
      const pair: HashedPair = { output, input, kind: 'keep', out: hashKeys(spec.keys) };
      if (keepText) pair.text = Array.from(spec.keys, keyToJson);
      return pair;
    }
    case 'map':
    case 'many': {
      checkArrayLike(`${field}.outputKeys`, spec.outputKeys);
      checkArrayLike(`${field}.inputKeys`, spec.inputKeys);
      if (spec.outputKeys.length !== spec.inputKeys.length) {
        throw invalid(
          `${field}.inputKeys`,
          `has ${spec.inputKeys.length} keys but outputKeys has ${spec.outputKeys.length}; they are parallel arrays`,
        );
      }
      const pair: HashedPair = {
        output,
        input,
        kind: spec.kind,
        out: hashKeys(spec.outputKeys),
        inputKeys: spec.inputKeys,
      };
      if (keepText) {
        const text: unknown[] = new Array(spec.outputKeys.length * 2);
        for (let i = 0; i < spec.outputKeys.length; i++) {
          text[2 * i] = keyToJson(spec.outputKeys[i] as RowKey);
          text[2 * i + 1] = keyToJson(spec.inputKeys[i] as RowKey);
        }
        pair.text = text;
      }
      return pair;
    }
    default:
      throw invalid(
        `${field}.kind`,
        `must be map, many, keep or pass, got ${describe((spec as { kind: unknown }).kind)}`,
      );
  }
}

function checkArrayLike(field: string, value: unknown): void {
  const ok =
    (Array.isArray(value) || ArrayBuffer.isView(value)) && typeof (value as { length: unknown }).length === 'number';
  if (!ok) throw invalid(field, `must be an array or typed array of keys, got ${describe(value)}`);
}

/** A pair's manifest entry up to its partition. */
const pairHead = (id: number, pair: HashedPair, rows: number) => ({
  id,
  output: pair.output,
  input: pair.input,
  kind: pair.kind,
  rows,
  bits: 0,
  counts: [] as number[],
  keys: pair.text !== undefined,
});

/** Splits a hashed pair into chunk blobs (see chunk.ts) and describes it for the manifest. */
function partition(
  runId: string,
  id: number,
  pair: HashedPair,
): { manifest: PairManifest; blobs: { key: string; data: Uint8Array }[] } {
  const out = pair.out ?? new Uint32Array(0);
  const src: PartitionSource = { out };
  if (pair.inp !== undefined) src.inp = pair.inp;
  if (pair.inputKeys !== undefined) src.inputKeys = pair.inputKeys;
  if (pair.text !== undefined) src.text = pair.text;
  const edges = pair.inp !== undefined || pair.inputKeys !== undefined;
  const part = partitionChunks(src, edges);
  const manifest: PairManifest = {
    ...pairHead(id, pair, out.length >>> 1),
    bits: part.bits,
    counts: pair.out === undefined ? [] : part.counts,
  };
  // Keys carrying the content digest, as streamed pairs' (`wk`): a concurrent writer of the run
  // then never overwrites a chunk another committed manifest names.
  if (pair.out !== undefined && manifest.rows > 0) {
    manifest.w = part.w;
    manifest.wk = true;
  }
  // What the review needs to carry a whole pair (src/rows/pair-summary.ts).
  if (pair.out !== undefined) manifest.s = summarizePair(manifest, part.chunks);
  return { manifest, blobs: part.chunks.map((c) => ({ key: pairChunkKey(runId, manifest, c.index), data: c.data })) };
}

/**
 * Refuses pairs naming a pointer the run does not write (output) or read (input): their rows
 * could never be reached by a trace through the run.
 */
export function checkPairPointers(
  run: { inputs: readonly string[]; outputs: readonly string[] },
  lineage: readonly (RowLineageSpec | RowRecorder)[],
): void {
  lineage.forEach((pair, i) => {
    const { output, input } = pair as { output?: unknown; input?: unknown };
    if (typeof output === 'string' && !run.outputs.includes(output))
      throw invalid(`lineage[${i}].output`, `names ${describe(output)}, which the run does not write`);
    if (typeof input === 'string' && !run.inputs.includes(input))
      throw invalid(`lineage[${i}].input`, `names ${describe(input)}, which the run does not read`);
  });
}

/** What was stored. */
export interface RowCaptureSummary {
  run: string;
  pairs: { output: string; input: string; kind: RowLineageKind; rows: number; chunks: number; bytes: number }[];
  /** Bytes of all blobs written, manifest included. */
  bytes: number;
}

/**
 * Stores row lineage for a run: hashes the keys, partitions them into chunks and writes the
 * chunks and the run's manifest in one atomic `putBlobs` (a streamed pair's chunks go before,
 * under keys of this write alone: the manifest still switches atomically). A pair given again for the same
 * (output, input) replaces the earlier one. The run need not be stored yet (a run is stored
 * when it ends). Bad input throws invalid_input before anything is written.
 */
export async function writeRowLineage(
  store: Store,
  runId: string,
  lineage: readonly (RowLineageSpec | RowRecorder)[],
  options: RowCaptureOptions = {},
): Promise<RowCaptureSummary> {
  checkRunId('runId', runId);
  if (!Array.isArray(lineage)) throw invalid('lineage', `must be an array, got ${describe(lineage)}`);
  const hashed = lineage.map((item, i) => (item instanceof RowRecorder ? item.hashed() : hashSpec(item, i, options)));
  const seen = new Set<string>();
  for (const [i, p] of hashed.entries()) {
    const id = `${p.output}\u0000${p.input}`;
    if (seen.has(id))
      throw invalid(`lineage[${i}]`, `repeats the pair ${JSON.stringify(p.output)} <- ${JSON.stringify(p.input)}`);
    seen.add(id);
  }
  const [existing] = await store.getBlobs([manifestKey(runId)]);
  // A fresh decode, never the shared cached copy: this one is modified.
  const manifest: RunRowsManifest = decodeManifest(existing, runId) ?? emptyManifest(runId);
  // Every manifest written names the hash version its pairs use.
  manifest.h = HASH_VERSION;
  const replaced = manifest.pairs.filter((p) => seen.has(`${p.output}\u0000${p.input}`));
  manifest.pairs = manifest.pairs.filter((p) => !seen.has(`${p.output}\u0000${p.input}`));
  const blobs: { key: string; data: Uint8Array }[] = [];
  const summary: RowCaptureSummary = { run: runId, pairs: [], bytes: 0 };
  // Streamed pairs: their chunks are stored before the manifest, each pair under a lease.
  const streamed: PairManifest[] = [];
  const leases: Lease[] = [];
  try {
    for (const pair of hashed) {
      const id = manifest.next++;
      let entry: PairManifest;
      let chunks: number;
      let bytes = 0;
      if (pair.regions !== undefined) {
        // A big recorder's chunks are written now; the manifest written last makes them visible.
        const rows = pair.rows ?? 0;
        entry = { ...pairHead(id, pair, rows), bits: planOf(rows).bits, w: randomDigest(), wk: true };
        const lease = await Lease.take(store, runId, entry);
        if (lease !== undefined) leases.push(lease);
        streamed.push(entry);
        const written = await writeStreamedPair(
          store,
          runId,
          entry,
          pair.regions,
          pair.regions.inp !== undefined,
          () => (lease === undefined ? Promise.resolve() : lease.renewIfDue()),
        );
        chunks = written.chunks;
        bytes = written.bytes;
      } else {
        const part = partition(runId, id, pair);
        entry = part.manifest;
        chunks = part.blobs.length;
        for (const b of part.blobs) bytes += b.data.length;
        blobs.push(...part.blobs);
      }
      manifest.pairs.push(entry);
      summary.pairs.push({ output: pair.output, input: pair.input, kind: pair.kind, rows: entry.rows, chunks, bytes });
      summary.bytes += bytes;
    }
    for (const lease of leases) await lease.beforeCommit();
  } catch (error) {
    // Nothing names this write's streamed chunks yet, and their keys are its own: delete them
    // (what a failure leaves is reclaimed with the lease run out, reclaim.ts).
    if (streamed.length > 0 && store.deleteBlobs !== undefined) {
      await store.deleteBlobs(streamed.flatMap((entry) => streamedKeysOf(runId, entry))).catch(() => {});
    }
    await Promise.all(leases.map((lease) => lease.drop()));
    throw error;
  }
  const m = encodeManifest(manifest);
  summary.bytes += m.length;
  blobs.push({ key: manifestKey(runId), data: m });
  try {
    // A failure here may still have stored the manifest (a lost answer): the chunks stay, and a
    // reclaim deletes them only if no stored manifest names them.
    await store.putBlobs(blobs);
  } finally {
    await Promise.all(leases.map((lease) => lease.drop()));
  }
  // The new manifest no longer names the replaced pairs' chunks: drop them where the store can.
  if (replaced.length > 0 && store.deleteBlobs !== undefined) {
    await store.deleteBlobs(replaced.flatMap((p) => chunkKeysOf(runId, p)));
  }
  return summary;
}
