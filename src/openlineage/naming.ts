/**
 * Names between pipetrace and OpenLineage, after the OpenLineage naming conventions
 * (https://openlineage.io/docs/spec/naming): a dataset's namespace is its data source
 * (`scheme://authority`), its name the path within it.
 *
 * | pointer                          | namespace            | name               |
 * |----------------------------------|----------------------|--------------------|
 * | `/data/raw.csv`, `data/raw.csv`  | `file`               | the path           |
 * | `file:///data/raw.csv`           | `file`               | `/data/raw.csv`    |
 * | `s3://bucket/key/part.parquet`   | `s3://bucket`        | `key/part.parquet` |
 * | `postgres://db:5432/shop.public.orders` | `postgres://db:5432` | `shop.public.orders` |
 * | `hdfs://nn:8020/warehouse/t`     | `hdfs://nn:8020`     | `/warehouse/t`     |
 * | `bigquery:proj.ds.table`         | `bigquery`           | `proj.ds.table`    |
 * | anything else (`features`)       | default (`pipetrace`)| the pointer        |
 *
 * Going back, `file` and the default namespace give the name itself, a `scheme://` namespace
 * gives `namespace/name`, any other namespace gives `namespace:name`. Where that does not give
 * the pointer back exactly (`file://` URIs, `postgresql://`), `exact` is false and the exporter
 * carries the pointer in a `pipetrace_pointer` dataset facet.
 */
import type { NamingOptions } from './types.js';

export const DEFAULT_NAMESPACE = 'pipetrace';

export interface DatasetName {
  namespace: string;
  name: string;
}

const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/s;
const PREFIXED = /^([A-Za-z][\w.-]*):(.+)$/s;
// Schemes whose names are absolute paths (the leading slash is part of the name).
const PATH_SCHEMES = new Set(['hdfs', 'webhdfs', 'viewfs']);
// Scheme spellings the naming conventions normalise.
const SCHEME_ALIASES: Record<string, string> = { postgresql: 'postgres', gcs: 'gs' };
const FILE_EXTENSION =
  /\.(csv|tsv|json|jsonl|ndjson|parquet|arrow|feather|avro|orc|txt|xlsx?|npy|npz|db|sqlite|gz|zip|pkl|pickle|pt|pth|onnx|joblib|h5|hdf5|safetensors|ckpt|pb|tflite|gguf|bin|yaml|yml|md|html)$/i;

function isPathLike(pointer: string): boolean {
  return (
    pointer.includes('/') ||
    pointer.includes('\\') ||
    pointer.startsWith('.') ||
    pointer.startsWith('~') ||
    FILE_EXTENSION.test(pointer)
  );
}

function datasetNamespace(options: NamingOptions | undefined): string {
  return options?.datasetNamespace ?? DEFAULT_NAMESPACE;
}

function jobNamespace(options: NamingOptions | undefined): string {
  return options?.jobNamespace ?? DEFAULT_NAMESPACE;
}

/** The pointer an OpenLineage dataset stands for. */
export function datasetToPointer(dataset: DatasetName, options?: NamingOptions): string {
  const { namespace, name } = dataset;
  if (namespace === 'file' || namespace === datasetNamespace(options)) return name;
  if (namespace.includes('://')) return name.startsWith('/') ? namespace + name : `${namespace}/${name}`;
  return `${namespace}:${name}`;
}

function nameFor(pointer: string, options: NamingOptions | undefined): DatasetName {
  const uri = URI.exec(pointer);
  if (uri !== null) {
    const scheme = uri[1]!.toLowerCase();
    const authority = uri[2]!;
    const rest = uri[3]!;
    if (scheme === 'file') return { namespace: 'file', name: rest.length > 0 ? rest : pointer };
    if (authority.length > 0 && rest.length > 1) {
      const namespace = `${SCHEME_ALIASES[scheme] ?? scheme}://${authority}`;
      return { namespace, name: PATH_SCHEMES.has(scheme) ? rest : rest.slice(1) };
    }
    return { namespace: datasetNamespace(options), name: pointer };
  }
  // A Windows drive letter is a path, not a namespace.
  if (/^[A-Za-z]:[\\/]/.test(pointer)) return { namespace: 'file', name: pointer };
  const prefixed = PREFIXED.exec(pointer);
  if (prefixed !== null) {
    const namespace = prefixed[1]!;
    if (namespace !== 'file' && namespace !== datasetNamespace(options)) return { namespace, name: prefixed[2]! };
  }
  if (isPathLike(pointer)) return { namespace: 'file', name: pointer };
  return { namespace: datasetNamespace(options), name: pointer };
}

/**
 * The OpenLineage dataset for a pointer; `exact` tells whether `datasetToPointer` gives the
 * pointer back unchanged.
 */
export function pointerToDataset(pointer: string, options?: NamingOptions): DatasetName & { exact: boolean } {
  const named = nameFor(pointer, options);
  return { ...named, exact: datasetToPointer(named, options) === pointer };
}

/**
 * The OpenLineage job for a component: `ns:name` components (from another namespace, as
 * ingest names them) go back to their namespace; all others live in the job namespace.
 */
export function componentToJob(component: string, options?: NamingOptions): DatasetName {
  const own = jobNamespace(options);
  const prefixed = PREFIXED.exec(component);
  if (prefixed !== null && prefixed[1] !== own) return { namespace: prefixed[1]!, name: prefixed[2]! };
  return { namespace: own, name: component };
}

/** The component an OpenLineage job becomes: its name in the job namespace, else `namespace:name`. */
export function jobToComponent(job: DatasetName, options?: NamingOptions): string {
  return job.namespace === jobNamespace(options) ? job.name : `${job.namespace}:${job.name}`;
}

/** Marquez node ids: `dataset:NAMESPACE:NAME` and `job:NAMESPACE:NAME`. */
export function datasetNodeId(dataset: DatasetName): string {
  return `dataset:${dataset.namespace}:${dataset.name}`;
}

export function jobNodeId(job: DatasetName): string {
  return `job:${job.namespace}:${job.name}`;
}

/**
 * Every way to read `NAMESPACE:NAME` (namespaces may hold colons, as in `postgres://h:5432`),
 * most likely first: splits after a `scheme://authority` first, then at each colon from the left.
 */
export function splitNodeName(rest: string): DatasetName[] {
  const out: DatasetName[] = [];
  const seen = new Set<number>();
  const add = (at: number) => {
    if (at <= 0 || at >= rest.length - 1 || seen.has(at)) return;
    seen.add(at);
    out.push({ namespace: rest.slice(0, at), name: rest.slice(at + 1) });
  };
  const uri = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/:]*(?::\d+)?/.exec(rest);
  if (uri !== null && rest[uri[0].length] === ':') add(uri[0].length);
  for (let at = rest.indexOf(':'); at >= 0; at = rest.indexOf(':', at + 1)) add(at);
  return out;
}
