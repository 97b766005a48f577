import { invalid } from '../errors.js';
import type { Profile } from '../monitor/profile.js';
import { ProfileBuffer } from '../monitor/profile-buffer.js';
import type { Store } from '../store.js';
import { checkPointer, checkRunId, describe } from '../validate.js';
import { type PartitionSource, partitionChunks } from './format/chunk.js';
import {
  chunkKey,
  decodeManifest,
  emptyManifest,
  encodeManifest,
  manifestKey,
  type PairManifest,
  type RowLineageKind,
  type RunRowsManifest,
} from './format/codec.js';
import { HASH_VERSION, hashKeyInto, hashKeys, keyToJson, type RowKey } from './format/keys.js';
import { summarizePair } from './pair-summary.js';

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
 * straight into growable typed arrays.
 */
export class RowRecorder {
  readonly output: string;
  readonly input: string;
  readonly kind: 'map' | 'many' | 'keep';
  private out: Uint32Array;
  private inp: Uint32Array | undefined;
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
    const cap = Math.max(16, options.expected ?? 1024);
    this.out = new Uint32Array(cap * 2);
    this.inp = kind === 'keep' ? undefined : new Uint32Array(cap * 2);
    if (options.keepKeys === true) this.text = [];
    if (options.profile === true) this.profile = new ProfileBuffer(`profile(${JSON.stringify(this.output)})`);
  }

  get rows(): number {
    return this.n;
  }

  private grow(): void {
    const bigger = new Uint32Array(this.out.length * 2);
    bigger.set(this.out);
    this.out = bigger;
    if (this.inp !== undefined) {
      const b2 = new Uint32Array(this.inp.length * 2);
      b2.set(this.inp);
      this.inp = b2;
    }
  }

  /**
   * Records a kept row (keep), or that output row `key` came from input row `inputKey`; with
   * the `profile` option, `row` is the output row, profiled with the others.
   */
  add(key: RowKey, inputKey?: RowKey, row?: Record<string, unknown>): void {
    if (this.inp !== undefined && inputKey === undefined) throw invalid('inputKey', `is required for ${this.kind}`);
    const profiled = this.profile === undefined ? undefined : this.profile.check(row);
    if (2 * this.n + 2 > this.out.length) this.grow();
    // Hash the input first: a bad key then leaves the recorder unchanged.
    if (this.inp !== undefined) hashKeyInto(inputKey as RowKey, this.inp, 2 * this.n);
    hashKeyInto(key, this.out, 2 * this.n);
    if (this.text !== undefined) {
      this.text.push(keyToJson(key));
      if (this.inp !== undefined) this.text.push(keyToJson(inputKey as RowKey));
    }
    this.n++;
    if (profiled !== undefined) this.profile?.add(profiled);
  }

  /** The profile of the rows added, with the `profile` option. */
  profiled(): Profile | undefined {
    return this.profile?.result();
  }

  /** The hashed pair, ready to store. */
  hashed(): HashedPair {
    const pair: HashedPair = {
      output: this.output,
      input: this.input,
      kind: this.kind,
      out: this.out.subarray(0, 2 * this.n),
    };
    if (this.inp !== undefined) pair.inp = this.inp.subarray(0, 2 * this.n);
    if (this.text !== undefined) pair.text = this.text;
    return pair;
  }
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
    id,
    output: pair.output,
    input: pair.input,
    kind: pair.kind,
    rows: out.length >>> 1,
    bits: part.bits,
    counts: pair.out === undefined ? [] : part.counts,
    keys: pair.text !== undefined,
  };
  if (pair.out !== undefined && manifest.rows > 0) manifest.w = part.w;
  // What the review needs to carry a whole pair (src/rows/pair-summary.ts).
  if (pair.out !== undefined) manifest.s = summarizePair(manifest, part.chunks);
  return { manifest, blobs: part.chunks.map((c) => ({ key: chunkKey(runId, id, c.index), data: c.data })) };
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

/** The keys of a pair's stored chunks (empty chunks are not stored). */
function chunkKeysOf(runId: string, pair: PairManifest): string[] {
  const keys: string[] = [];
  pair.counts.forEach((count, c) => {
    if (count > 0) keys.push(chunkKey(runId, pair.id, c));
  });
  return keys;
}

/**
 * Stores row lineage for a run: hashes the keys, partitions them into chunks and writes the
 * chunks and the run's manifest in one atomic `putBlobs`. A pair given again for the same
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
  for (const pair of hashed) {
    const part = partition(runId, manifest.next++, pair);
    manifest.pairs.push(part.manifest);
    let bytes = 0;
    for (const b of part.blobs) bytes += b.data.length;
    blobs.push(...part.blobs);
    summary.pairs.push({
      output: pair.output,
      input: pair.input,
      kind: pair.kind,
      rows: part.manifest.rows,
      chunks: part.blobs.length,
      bytes,
    });
    summary.bytes += bytes;
  }
  const m = encodeManifest(manifest);
  summary.bytes += m.length;
  blobs.push({ key: manifestKey(runId), data: m });
  await store.putBlobs(blobs);
  // The new manifest no longer names the replaced pairs' chunks: drop them where the store can.
  if (replaced.length > 0 && store.deleteBlobs !== undefined) {
    await store.deleteBlobs(replaced.flatMap((p) => chunkKeysOf(runId, p)));
  }
  return summary;
}
