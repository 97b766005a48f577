import { invalid } from '../../src/errors.js';
import type { CodeVersion, Component, PointerRecord, PointerType, Run } from '../../src/model.js';
import { hasDetails, type RunDetails, withDetails } from '../../src/records.js';
import { RunTable } from '../../src/run-table.js';
import { type BlobRecord, MAX_BLOB_KEY_LENGTH } from '../../src/store.js';

/** The columns a run is read back from (single words, so a client's column transform leaves them alone). */
export interface RunRow {
  id: string;
  component: string;
  started: number;
  ended: number;
  failed: boolean;
  inputs: string[];
  outputs: string[];
  dependencies: string[];
  code: CodeVersion | null;
  details: RunDetails | null;
  raw: Uint8Array | null;
}

// PostgreSQL text cannot hold NUL. The core refuses it in names already; a record that reaches
// the store another way is refused here, before anything is written.
function text(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.includes('\u0000')) throw invalid(field, 'must not contain NUL (PostgreSQL text cannot hold it)');
  return value;
}

function texts(field: string, values: readonly unknown[]): string[] {
  return values.map((v) => text(field, v));
}

/** The last record for each key, in key order: one batch never touches a row twice, and writers lock rows in one order. */
export function lastByKey<T>(records: readonly T[], key: (record: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) byKey.set(key(record), record);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record);
}

/**
 * A batch of runs as the JSON put_runs reads, assembled from each run's parts so the details
 * are serialised once. Details holding NUL travel as base64 UTF-8 JSON instead.
 */
export function runBatch(runs: readonly Run[]): string {
  RunTable.check(runs);
  const json = JSON.stringify;
  const parts = lastByKey(runs, (r) => r.id).map((run) => {
    let details = 'null';
    let raw = 'null';
    if (hasDetails(run)) {
      const { notes, params, metrics, error, snapshot, checks } = run;
      details = json({ notes, params, metrics, error, snapshot, checks });
      // JSON writes NUL as \u0000 (and a backslash as \\, so this can only over-match).
      if (details.includes('\\u0000')) {
        raw = json(Buffer.from(details, 'utf8').toString('base64'));
        details = 'null';
      }
    }
    const code = run.code === undefined ? 'null' : json(run.code);
    if (code.includes('\\u0000')) throw invalid('run.code', 'must not contain NUL');
    return `{"id":${json(text('run.id', run.id))},"c":${json(text('run.component', run.component))},"s":${json(run.startedAt)},"e":${json(run.endedAt)},"f":${run.status === 'failed'},"i":${json(texts('run.inputs', run.inputs))},"o":${json(texts('run.outputs', run.outputs))},"d":${json(texts('run.dependencies', run.dependencies))},"code":${code},"details":${details},"raw":${raw}}`;
  });
  return `[${parts.join(',')}]`;
}

export function toRun(row: RunRow): Run {
  const details =
    row.details ?? (row.raw === null ? undefined : (JSON.parse(Buffer.from(row.raw).toString('utf8')) as RunDetails));
  return withDetails(
    {
      id: row.id,
      component: row.component,
      startedAt: row.started,
      endedAt: row.ended,
      status: row.failed ? 'failed' : 'succeeded',
      inputs: row.inputs,
      outputs: row.outputs,
      dependencies: row.dependencies,
    },
    details,
    row.code ?? undefined,
  );
}

export function componentBatch(components: readonly Component[]): string {
  return JSON.stringify(
    lastByKey(components, (c) => c.name).map((c) => ({
      name: text('component.name', c.name),
      description: text('component.description', c.description),
      owner: text('component.owner', c.owner),
      tags: texts('component.tags', c.tags),
      created: c.createdAt,
      updated: c.updatedAt,
    })),
  );
}

export interface ComponentRow {
  name: string;
  description: string;
  owner: string;
  tags: string[];
  created: number;
  updated: number;
}

export function toComponent(row: ComponentRow): Component {
  return {
    name: row.name,
    description: row.description,
    owner: row.owner,
    tags: row.tags,
    createdAt: row.created,
    updatedAt: row.updated,
  };
}

export function pointerBatch(pointers: readonly PointerRecord[]): string {
  return JSON.stringify(
    lastByKey(pointers, (p) => p.name).map((p) => ({
      name: text('pointer.name', p.name),
      type: p.type ?? null,
      flagged: p.flagged === true,
      flagged_at: p.flaggedAt ?? null,
      updated: p.updatedAt,
    })),
  );
}

export interface PointerRow {
  name: string;
  type: PointerType | null;
  flagged: boolean;
  flaggedat: number | null;
  updated: number;
}

export function toPointer(row: PointerRow): PointerRecord {
  return {
    name: row.name,
    ...(row.type === null ? {} : { type: row.type }),
    flagged: row.flagged,
    ...(row.flaggedat === null ? {} : { flaggedAt: row.flaggedat }),
    updatedAt: row.updated,
  };
}

export function checkBlobKey(key: unknown): string {
  const k = text('blob.key', key);
  if (k.length > MAX_BLOB_KEY_LENGTH) throw invalid('blob.key', `is longer than ${MAX_BLOB_KEY_LENGTH} characters`);
  return k;
}

/** Keys and contents as the two arrays an unnest insert takes; the last blob for a key wins. */
export function blobColumns(blobs: readonly BlobRecord[]): { keys: string[]; data: Buffer[] } {
  const unique = lastByKey(blobs, (b) => checkBlobKey(b?.key));
  for (const b of unique) if (!(b.data instanceof Uint8Array)) throw invalid('blob.data', 'must be a Uint8Array');
  return {
    keys: unique.map((b) => b.key),
    data: unique.map((b) => Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)),
  };
}

/**
 * The least string above every string that starts with `prefix`, in code point order (which is
 * the byte order of the "C" collation): the prefix with its last code point raised by one.
 * Undefined when there is none (the prefix ends in U+10FFFF only).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
