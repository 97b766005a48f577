/**
 * Labels and retractions as stored: blobs, like row flags, so every adapter keeps them through
 * the store contract alone. A label record is one (label, pointer version): the rows labelled
 * (hashed as row lineage hashes keys) or the whole output. A retraction record is one label's
 * retraction, with the flags it set so closing it can undo exactly those.
 */
import { PipetraceError } from '../errors.js';
import { decodeBlob, encodeBlob } from '../rows/format/codec.js';
import { rowHash } from '../rows/format/keys.js';
import type { BlobRecord, Store } from '../store.js';

export const LABEL_PREFIX = 'labels/l/';
export const RETRACTION_PREFIX = 'labels/retracted/';

/** What a label record says, beside the row hashes in its body. */
export interface LabelHeader {
  label: string;
  pointer: string;
  /** The run that wrote the labelled version; absent for raw data no run wrote. */
  run?: string;
  /** The label covers every row of the output. */
  whole: boolean;
  /** When the label was first attached to this version. */
  labelledAt: number;
  updatedAt: number;
}

/** A label record read back: the header, the labelled rows' hashes and their keys as given. */
export interface LabelRecord extends LabelHeader {
  /** Interleaved (hi, lo) hashes; empty when `whole`. */
  hashes: Uint32Array;
  /** Keys as JSON, one per hash. */
  keys: unknown[];
}

/** A retraction as stored. */
export interface RetractionRecord {
  label: string;
  reason: string;
  /** When it was retracted. */
  at: number;
  /** When it was closed (its own flags cleared); absent while open. */
  closedAt?: number;
  /** Pointers this retraction flagged (those already flagged are not counted). */
  pointers: string[];
  /** Rows this retraction flagged, per pointer: hex hashes. */
  rows: { pointer: string; hashes: string[] }[];
}

/** Stored keys with null (no key kept) as undefined, the way a RowSet takes them. */
export const knownKeys = (keys: readonly unknown[]): unknown[] => keys.map((k) => (k === null ? undefined : k));

const labelDir = (label: string): string => `${LABEL_PREFIX}${rowHash(label)}/`;
// Labels and pointer names can be longer than a blob key: keys hold hashes, blobs the names.
export const labelKey = (label: string, pointer: string, run: string | undefined): string =>
  `${labelDir(label)}${rowHash([pointer, run ?? ''])}`;
export const retractionKey = (label: string): string => `${RETRACTION_PREFIX}${rowHash(label)}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLabel(record: LabelRecord): BlobRecord {
  const { hashes, keys, ...header } = record;
  return {
    key: labelKey(record.label, record.pointer, record.run),
    data: encodeBlob(header, hashes, JSON.stringify(keys)),
  };
}

function decodeLabel(data: Uint8Array, key: string): LabelRecord {
  const blob = decodeBlob<LabelHeader>(data, key, 'label record');
  return { ...blob.header, hashes: blob.body.slice(), keys: blob.text?.() ?? [] };
}

/** The label record of one pointer version, if any. */
export async function readLabel(
  store: Store,
  label: string,
  pointer: string,
  run: string | undefined,
): Promise<LabelRecord | undefined> {
  const key = labelKey(label, pointer, run);
  const [data] = await store.getBlobs([key]);
  if (data === undefined) return undefined;
  const record = decodeLabel(data, key);
  if (record.label !== label || record.pointer !== pointer || record.run !== run)
    throw new PipetraceError(
      'conflict',
      `label ${JSON.stringify(label)} on ${JSON.stringify(pointer)} collides with another`,
    );
  return record;
}

/** Every record of a label, in the order they were first labelled. */
export async function readLabels(store: Store, label: string): Promise<LabelRecord[]> {
  const keys = await store.listBlobs(labelDir(label));
  const datas = await store.getBlobs(keys);
  const out: LabelRecord[] = [];
  for (const [i, data] of datas.entries()) {
    if (data === undefined) continue;
    const record = decodeLabel(data, keys[i] as string);
    // Another label with the same hash (never seen in practice) is not this one.
    if (record.label === label) out.push(record);
  }
  return out.sort(
    (a, b) => a.labelledAt - b.labelledAt || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0),
  );
}

export function encodeRetraction(record: RetractionRecord): BlobRecord {
  return { key: retractionKey(record.label), data: encoder.encode(JSON.stringify(record)) };
}

function decodeRetraction(data: Uint8Array, key: string): RetractionRecord {
  try {
    return JSON.parse(decoder.decode(data)) as RetractionRecord;
  } catch {
    throw new PipetraceError('storage', `retraction record ${key} is corrupt`, { details: { key } });
  }
}

/** A label's retraction, if it was retracted. */
export async function readRetraction(store: Store, label: string): Promise<RetractionRecord | undefined> {
  const key = retractionKey(label);
  const [data] = await store.getBlobs([key]);
  if (data === undefined || data.length === 0) return undefined;
  const record = decodeRetraction(data, key);
  return record.label === label ? record : undefined;
}

/** Every retraction, oldest first. */
export async function readRetractions(store: Store): Promise<RetractionRecord[]> {
  const keys = await store.listBlobs(RETRACTION_PREFIX);
  if (keys.length === 0) return [];
  const datas = await store.getBlobs(keys);
  const out: RetractionRecord[] = [];
  for (const [i, data] of datas.entries())
    if (data !== undefined && data.length > 0) out.push(decodeRetraction(data, keys[i] as string));
  return out.sort((a, b) => a.at - b.at || (a.label < b.label ? -1 : 1));
}
