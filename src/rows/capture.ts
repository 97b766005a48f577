import { invalid } from '../errors.js';
import type { Store } from '../store.js';
import { checkPointer, checkRunId, describe } from '../validate.js';
import {
  allocBlob,
  chunkKey,
  decodeManifest,
  encodeBlob,
  encodeManifest,
  manifestKey,
  type PairManifest,
  type RowLineageKind,
  type RunRowsManifest,
} from './codec.js';
import { hashKeyInto, hashKeys, keyToJson, type RowKey } from './keys.js';

/** Entries per chunk, aimed at: a one-row query reads one chunk of about this many entries. */
export const CHUNK_ROWS = 8192;
const MAX_BITS = 16;
const SUB_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BITS;

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

  constructor(
    output: string,
    input: string,
    kind: 'map' | 'many' | 'keep',
    options: RowCaptureOptions & { expected?: number } = {},
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

  /** Records a kept row (keep), or that output row `key` came from input row `inputKey`. */
  add(key: RowKey, inputKey?: RowKey): void {
    if (this.inp !== undefined && inputKey === undefined) throw invalid('inputKey', `is required for ${this.kind}`);
    if (2 * this.n + 2 > this.out.length) this.grow();
    // Hash the input first: a bad key then leaves the recorder unchanged.
    if (this.inp !== undefined) hashKeyInto(inputKey as RowKey, this.inp, 2 * this.n);
    hashKeyInto(key, this.out, 2 * this.n);
    if (this.text !== undefined) {
      this.text.push(keyToJson(key));
      if (this.inp !== undefined) this.text.push(keyToJson(inputKey as RowKey));
    }
    this.n++;
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
        inp: hashKeys(spec.inputKeys),
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

/**
 * Splits a hashed pair into hash-partitioned chunk blobs with one counting sort: the top
 * `bits` bits of the output hash pick the chunk, the next SUB_BITS its sub-bucket. A chunk's
 * body starts with SUB_BUCKETS + 1 offsets, so a one-row query scans one sub-bucket (about
 * CHUNK_ROWS / 64 entries); no comparison sort is needed.
 */
function partition(
  runId: string,
  id: number,
  pair: HashedPair,
): { manifest: PairManifest; blobs: { key: string; data: Uint8Array }[] } {
  const out = pair.out;
  const n = out === undefined ? 0 : out.length >>> 1;
  let bits = 0;
  while (bits < MAX_BITS && n > CHUNK_ROWS << bits) bits++;
  const chunks = 1 << bits;
  const shift = 32 - bits - SUB_BITS;
  const slots = chunks * SUB_BUCKETS;
  const slotCounts = new Int32Array(out === undefined ? 0 : slots + 1);
  for (let i = 0; i < n; i++) (slotCounts[((out as Uint32Array)[2 * i] as number) >>> shift] as number)++;
  const counts = new Int32Array(out === undefined ? 0 : chunks);
  for (let g = 0; g < slots && out !== undefined; g++) (counts[g >>> SUB_BITS] as number) += slotCounts[g] as number;
  const manifest: PairManifest = {
    id,
    output: pair.output,
    input: pair.input,
    kind: pair.kind,
    rows: n,
    bits,
    counts: Array.from(counts),
    keys: pair.text !== undefined,
  };
  if (out === undefined || n === 0) return { manifest, blobs: [] };
  const edges = pair.inp !== undefined;
  const width = edges ? 4 : 2;
  const bodies: Uint32Array[] = [];
  const datas: (Uint8Array | undefined)[] = [];
  const texts: unknown[][] = [];
  // Where the next entry of each slot goes, as an index within its chunk.
  const cursor = new Int32Array(slots);
  for (let c = 0; c < chunks; c++) {
    const count = counts[c] as number;
    const header = { kind: edges ? 'edges' : 'keep', count, sub: SUB_BITS };
    const words = SUB_BUCKETS + 1 + count * width;
    if (pair.text === undefined) {
      const { data, body } = allocBlob(header, words);
      bodies.push(body);
      datas.push(data);
    } else {
      bodies.push(new Uint32Array(words));
      datas.push(undefined);
      texts.push(new Array(edges ? 2 * count : count));
    }
    const body = bodies[c] as Uint32Array;
    let at = 0;
    for (let sb = 0; sb < SUB_BUCKETS; sb++) {
      body[sb] = at;
      cursor[c * SUB_BUCKETS + sb] = at;
      at += slotCounts[c * SUB_BUCKETS + sb] as number;
    }
    body[SUB_BUCKETS] = at;
  }
  const inp = pair.inp;
  const text = pair.text;
  for (let i = 0; i < n; i++) {
    const hi = out[2 * i] as number;
    const g = hi >>> shift;
    const c = g >>> SUB_BITS;
    const at = cursor[g] as number;
    cursor[g] = at + 1;
    const body = bodies[c] as Uint32Array;
    const base = SUB_BUCKETS + 1;
    body[base + 2 * at] = hi;
    body[base + 2 * at + 1] = out[2 * i + 1] as number;
    if (inp !== undefined) {
      const inAt = base + 2 * (counts[c] as number) + 2 * at;
      body[inAt] = inp[2 * i] as number;
      body[inAt + 1] = inp[2 * i + 1] as number;
    }
    if (text !== undefined) {
      const t = texts[c] as unknown[];
      if (edges) {
        t[2 * at] = text[2 * i];
        t[2 * at + 1] = text[2 * i + 1];
      } else t[at] = text[i];
    }
  }
  const blobs: { key: string; data: Uint8Array }[] = [];
  for (let c = 0; c < chunks; c++) {
    const count = counts[c] as number;
    if (count === 0) continue;
    const data =
      datas[c] ??
      encodeBlob(
        { kind: edges ? 'edges' : 'keep', count, sub: SUB_BITS },
        bodies[c] as Uint32Array,
        JSON.stringify(texts[c]),
      );
    blobs.push({ key: chunkKey(runId, id, c), data });
  }
  return { manifest, blobs };
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
  const manifest: RunRowsManifest = decodeManifest(existing, runId) ?? { v: 1, run: runId, next: 0, pairs: [] };
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
  return summary;
}

// Decoded manifests per store, reused while the stored bytes are unchanged (checked on every read).
const MANIFEST_CACHE = 4096;
const manifestCaches = new WeakMap<Store, Map<string, { data: Uint8Array; manifest: RunRowsManifest }>>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The manifest of a run's row lineage, or undefined when it has none. Treat it as read-only. */
export async function readRowManifest(store: Store, runId: string): Promise<RunRowsManifest | undefined> {
  const [data] = await store.getBlobs([manifestKey(runId)]);
  if (data === undefined) return undefined;
  let cache = manifestCaches.get(store);
  if (cache === undefined) {
    cache = new Map();
    manifestCaches.set(store, cache);
  }
  const hit = cache.get(runId);
  if (hit !== undefined && sameBytes(hit.data, data)) return hit.manifest;
  const manifest = decodeManifest(data, runId) as RunRowsManifest;
  if (cache.size >= MANIFEST_CACHE) cache.clear();
  cache.set(runId, { data, manifest });
  return manifest;
}
