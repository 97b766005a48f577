import { notFound } from './errors.js';
import type { Millis, Pointer, PointerRecord, PointerType } from './model.js';
import { allFlaggedRows, unflagRows } from './rows/index.js';
import type { Store } from './store.js';

const MODEL =
  /\.(pkl|pickle|pt|pth|onnx|joblib|h5|hdf5|safetensors|ckpt|pb|tflite|mlmodel|gguf|bin)$|(^|[/_.:-])models?([/_.:-]|$)/i;
const ENDPOINT = /^(https?|grpc|wss?):\/\/|(^|[/_.:-])(endpoint|api|predict|serving)([/_.:-]|$)/i;
const DATA =
  /\.(csv|tsv|json|jsonl|ndjson|parquet|arrow|feather|avro|orc|txt|xlsx?|npy|npz|db|sqlite|gz|zip)$|^(s3|gs|gcs|abfss?|hdfs|file|postgres(ql)?|mysql|bigquery|snowflake|redshift):\/\/|(^|[/_.:-])(data|dataset|table|features?|predictions?)([/_.:-]|$)/i;

/**
 * A pointer's type from its name: model artifacts by extension or a `model` path part,
 * endpoints by URL scheme or an `endpoint`/`api`/`predict` part, data by extension, storage
 * scheme or a `data`/`table`/`features` part; otherwise unknown. A person can override it.
 */
export function inferPointerType(name: string): PointerType {
  if (MODEL.test(name)) return 'model';
  if (ENDPOINT.test(name)) return 'endpoint';
  if (DATA.test(name)) return 'data';
  return 'unknown';
}

/** The pointer a user sees: the stored record merged with inference. */
export function toPointer(name: string, record: PointerRecord | undefined): Pointer {
  const pointer: Pointer = {
    name,
    type: record?.type ?? inferPointerType(name),
    flagged: record?.flagged ?? false,
  };
  if (record?.flaggedAt !== undefined) pointer.flaggedAt = record.flaggedAt;
  return pointer;
}

/** A pointer's record, after checking the pointer is known: a run wrote or read it, or it has a record. */
export async function knownPointer(store: Store, name: string): Promise<PointerRecord | undefined> {
  const [[record], [writer]] = await Promise.all([store.getPointers([name]), store.latestWriters([{ pointer: name }])]);
  if (record === undefined && writer === undefined) {
    const readers = await store.scanRuns({ input: name, limit: 1 });
    if (readers.runs.length === 0) throw notFound('pointer', name);
  }
  return record;
}

/** Sets or clears a known pointer's flag. */
export async function setFlag(store: Store, name: string, flagged: boolean, now: Millis): Promise<Pointer> {
  const record = await knownPointer(store, name);
  const next: PointerRecord = { ...(record ?? { name }), flagged, flaggedAt: now, updatedAt: now };
  await store.putPointers([next]);
  return toPointer(name, next);
}

/** Overrides the type inferred from a pointer's name. */
export async function setType(store: Store, name: string, type: PointerType, now: Millis): Promise<Pointer> {
  const [record] = await store.getPointers([name]);
  const next: PointerRecord = { ...(record ?? { name, flagged: false }), type, updatedAt: now };
  await store.putPointers([next]);
  return toPointer(name, next);
}

/** Clears every flag, on pointers and on rows; returns how many pointer flags were cleared. */
export async function unflagAll(store: Store, now: Millis): Promise<number> {
  const [flagged, rows] = await Promise.all([store.scanPointers({ flagged: true }), allFlaggedRows(store)]);
  await store.putPointers(flagged.map((p) => ({ ...p, flagged: false, flaggedAt: now, updatedAt: now })));
  for (const r of rows) await unflagRows(store, r.pointer, undefined, now);
  return flagged.length;
}
