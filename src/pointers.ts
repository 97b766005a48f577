import type { Pointer, PointerRecord, PointerType } from './model.js';

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
