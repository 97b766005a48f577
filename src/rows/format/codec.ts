import { PipetraceError } from '../../errors.js';
import { HASH_VERSION } from './keys.js';

/**
 * Row lineage blobs. Every blob is [u32 header bytes][u32 body words][u32 text bytes][header
 * JSON][pad to 4][body u32 words][text UTF-8], little-endian. The body holds hashes as
 * interleaved (hi, lo) u32 pairs; the optional text holds original keys as a JSON array.
 */
export interface DecodedBlob<H> {
  header: H;
  body: Uint32Array;
  /** The original-keys JSON text, decoded on demand. */
  text?: () => unknown[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeBlob(header: unknown, body: Uint32Array, text?: string): Uint8Array {
  const head = encoder.encode(JSON.stringify(header));
  const tail = text === undefined ? new Uint8Array(0) : encoder.encode(text);
  const headPadded = (head.length + 3) & ~3;
  const out = new Uint8Array(12 + headPadded + body.byteLength + tail.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, head.length, true);
  view.setUint32(4, body.length, true);
  view.setUint32(8, tail.length, true);
  out.set(head, 12);
  out.set(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), 12 + headPadded);
  out.set(tail, 12 + headPadded + body.byteLength);
  return out;
}

export function decodeBlob<H>(data: Uint8Array, what: string, label = 'row lineage blob'): DecodedBlob<H> {
  const bad = () => new PipetraceError('storage', `${label} ${what} is corrupt`, { details: { key: what } });
  if (data.length < 12) throw bad();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headLen = view.getUint32(0, true);
  const words = view.getUint32(4, true);
  const textLen = view.getUint32(8, true);
  const bodyAt = 12 + ((headLen + 3) & ~3);
  if (bodyAt + words * 4 + textLen !== data.length) throw bad();
  let header: H;
  try {
    header = JSON.parse(decoder.decode(data.subarray(12, 12 + headLen))) as H;
  } catch {
    throw bad();
  }
  const start = data.byteOffset + bodyAt;
  // A view when aligned (the usual case), a copy otherwise.
  const body =
    start % 4 === 0
      ? new Uint32Array(data.buffer, start, words)
      : new Uint32Array(data.slice(bodyAt, bodyAt + words * 4).buffer);
  const out: DecodedBlob<H> = { header, body };
  if (textLen > 0) {
    const bytes = data.subarray(bodyAt + words * 4);
    let parsed: unknown[] | undefined;
    out.text = () => {
      if (parsed === undefined) parsed = JSON.parse(decoder.decode(bytes)) as unknown[];
      return parsed;
    };
  }
  return out;
}

/** How output rows of a pair relate to input rows. */
export type RowLineageKind = 'map' | 'keep' | 'many' | 'pass';

/** One (output pointer, input pointer) pair of a run, as its manifest lists it. */
export interface PairManifest {
  /** Unique within the run and never reused, so chunk keys never change meaning. */
  id: number;
  output: string;
  input: string;
  kind: RowLineageKind;
  /** Mappings stored (map, many) or rows kept (keep); 0 for pass. */
  rows: number;
  /** Hash-partition bits: chunk i holds the entries whose output hash's top bits equal i. */
  bits: number;
  /** Entries per chunk; empty chunks are not stored. */
  counts: number[];
  /** Original keys kept for display. */
  keys: boolean;
  /** A digest of the pair's content, also in each chunk's header (absent before chunk format 2). */
  w?: string;
  /**
   * The chunk keys carry `w` (see pairChunkKey; every pair written since flat pairs took it too):
   * such a write never touches chunks another manifest names. Absent: the keys without it.
   */
  wk?: true;
  /** Distinct outputs and row fingerprints, for the review (absent in pairs written before it). */
  s?: PairSummary;
}

/** A pair's summary (computed in ../pair-summary.ts), as its manifest entry stores it. */
export interface PairSummary {
  /** Summary version. */
  v: 1;
  /** No output hash repeats among the pair's entries. */
  d: boolean;
  /** Fingerprints (16 hex digits) of the entries' output hashes and of their input hashes (a keep's are its outputs). */
  o: string;
  i: string;
}

/** A new, empty manifest for a run, at the current hash version. */
export const emptyManifest = (runId: string): RunRowsManifest => ({
  v: 1,
  h: HASH_VERSION,
  run: runId,
  next: 0,
  pairs: [],
});

/** The per-run manifest: every pair with row lineage. */
export interface RunRowsManifest {
  v: 1;
  /** The row hash's version (see HASH_VERSION); absent in manifests written before it was recorded, which mean 1. */
  h?: number;
  run: string;
  next: number;
  pairs: PairManifest[];
}

export const MANIFEST_PREFIX = 'rows/r/';
export const manifestKey = (runId: string): string => `${MANIFEST_PREFIX}${runId}`;
export const chunkKey = (runId: string, pairId: number, chunk: number): string => `rows/c/${runId}/${pairId}/${chunk}`;

/** The key of chunk `chunk` of a pair: every reader and writer of a pair's chunks derives it here. */
export const pairChunkKey = (runId: string, pair: PairManifest, chunk: number): string =>
  pair.wk === true ? `rows/c/${runId}/${pair.id}-${pair.w}/${chunk}` : chunkKey(runId, pair.id, chunk);

/** A manifest's pairs that hold rows of `pointer` (its pairs into it, but `pass`: no rows stored). */
export const rowPairsOf = (manifest: RunRowsManifest | undefined, pointer: string): PairManifest[] =>
  (manifest?.pairs ?? []).filter((p) => p.output === pointer && p.kind !== 'pass');

/** The keys of a pair's stored chunks (empty chunks are not stored). */
export function chunkKeysOf(runId: string, pair: PairManifest): string[] {
  const keys: string[] = [];
  pair.counts.forEach((count, c) => {
    if (count > 0) keys.push(pairChunkKey(runId, pair, c));
  });
  return keys;
}

export function decodeManifest(data: Uint8Array | undefined, runId: string): RunRowsManifest | undefined {
  if (data === undefined) return undefined;
  const m = decodeBlob<RunRowsManifest>(data, manifestKey(runId)).header;
  if (m === null || typeof m !== 'object' || m.v !== 1 || !Array.isArray(m.pairs)) {
    throw new PipetraceError('storage', `row lineage manifest of run ${JSON.stringify(runId)} is corrupt`);
  }
  const h = m.h ?? 1;
  if (h !== HASH_VERSION) {
    throw new PipetraceError(
      'storage',
      `row lineage manifest of run ${JSON.stringify(runId)} uses row hash version ${JSON.stringify(h)}; this pipetrace reads version ${HASH_VERSION}`,
      { details: { run: runId, hashVersion: h } },
    );
  }
  return m;
}

export const encodeManifest = (m: RunRowsManifest): Uint8Array => encodeBlob(m, new Uint32Array(0));

/** The chunk of a hash under `bits` partition bits. */
export const bucketOf = (hi: number, bits: number): number => (bits === 0 ? 0 : (hi >>> 0) >>> (32 - bits));

/** A blob with an empty text section whose body the caller fills in place (no second copy). */
export function allocBlob(header: unknown, words: number): { data: Uint8Array; body: Uint32Array } {
  const head = encoder.encode(JSON.stringify(header));
  const bodyAt = 12 + ((head.length + 3) & ~3);
  const data = new Uint8Array(bodyAt + words * 4);
  const view = new DataView(data.buffer);
  view.setUint32(0, head.length, true);
  view.setUint32(4, words, true);
  view.setUint32(8, 0, true);
  data.set(head, 12);
  return { data, body: new Uint32Array(data.buffer, bodyAt, words) };
}
