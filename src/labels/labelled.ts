/** `labelled(label)`: every pointer version and row derived from labelled data, as a result. */
import type { PointerType } from '../model.js';
import { toPointer } from '../pointers.js';
import { keyFromJson, toHex } from '../rows/format/keys.js';
import type { RowRef } from '../rows/trace.js';
import type { Store } from '../store.js';
import { checkIdentifier, checkOptions, checkPositiveInt } from '../validate.js';
import { fallbackNote, type Reach, type ReachNode, reachOf } from './reach.js';
import type { LabelRecord } from './records.js';

export interface LabelledOptions {
  /** Rows listed per output (all are followed and counted). Default 1000. */
  maxRows?: number;
}

/** A pointer version the label was attached to. */
export interface LabelSource {
  pointer: string;
  /** The run that wrote the labelled version; absent for raw data. */
  run?: string;
  /** The label covers every row. */
  whole: boolean;
  rows: RowRef[];
  rowCount: number;
  labelledAt: number;
}

/** A pointer version derived from labelled data. */
export interface LabelledOutput {
  pointer: string;
  type: PointerType;
  /** The run that made this version. */
  run: { id: string; component: string; startedAt: number; endedAt: number };
  /** True: `rows` are exactly the derived rows. False: the whole output counts (see `note`). */
  rowLevel: boolean;
  rows: RowRef[];
  rowCount: number;
  /** Where the answer had to widen: "whole output (no row lineage at step X ...)". */
  note?: string;
  /** This version is the pointer's latest: still in use. */
  current: boolean;
}

export interface Labelled {
  label: string;
  sources: LabelSource[];
  /** In pipeline order (upstream first). */
  outputs: LabelledOutput[];
  /** Every output was answered row by row (no fallback anywhere). */
  exact: boolean;
}

export function checkLabel(field: string, label: unknown): string {
  return checkIdentifier(field, label);
}

export function checkLabelledOptions(options: unknown): LabelledOptions {
  const o = checkOptions<LabelledOptions>('options', options, ['maxRows']);
  if (o.maxRows !== undefined) checkPositiveInt('maxRows', o.maxRows);
  return o;
}

/** Computes what `label` reached now. */
export async function labelledOf(store: Store, label: string, options: LabelledOptions = {}): Promise<Labelled> {
  return labelledFrom(store, label, await reachOf(store, label), options.maxRows ?? 1000);
}

/** The result of a walk, with pointer types and which versions are still in use. */
export async function labelledFrom(store: Store, label: string, reach: Reach, maxRows: number): Promise<Labelled> {
  const names = [...new Set(reach.reached.map((n) => n.pointer))];
  const [records, writers] = await Promise.all([
    store.getPointers(names),
    store.latestWriters(names.map((pointer) => ({ pointer }))),
  ]);
  const typeOf = new Map(names.map((n, i) => [n, toPointer(n, records[i]).type]));
  const latest = new Map(names.map((n, i) => [n, writers[i]?.id]));
  const outputs = reach.reached.map((node) => outputOf(node, typeOf, latest, maxRows));
  return {
    label,
    sources: reach.sources.map((s) => sourceOf(s, maxRows)),
    outputs,
    exact: outputs.every((o) => o.rowLevel),
  };
}

function outputOf(
  node: ReachNode,
  typeOf: Map<string, PointerType>,
  latest: Map<string, string | undefined>,
  maxRows: number,
): LabelledOutput {
  const run = node.run as NonNullable<ReachNode['run']>;
  const out: LabelledOutput = {
    pointer: node.pointer,
    type: typeOf.get(node.pointer) ?? 'unknown',
    run: { id: run.id, component: run.component, startedAt: run.startedAt, endedAt: run.endedAt },
    rowLevel: node.rows !== undefined,
    rows: node.rows?.refs(maxRows) ?? [],
    rowCount: node.rows?.size ?? 0,
    current: latest.get(node.pointer) === run.id,
  };
  const note = fallbackNote(node.fallback);
  if (note !== undefined) out.note = note;
  return out;
}

function sourceOf(record: LabelRecord, maxRows: number): LabelSource {
  const rows: RowRef[] = [];
  const n = record.hashes.length >>> 1;
  for (let i = 0; i < n && rows.length < maxRows; i++) {
    const ref: RowRef = { hash: toHex(record.hashes[2 * i] as number, record.hashes[2 * i + 1] as number) };
    const key = record.keys[i];
    if (key !== undefined && key !== null) ref.key = keyFromJson(key);
    rows.push(ref);
  }
  const source: LabelSource = {
    pointer: record.pointer,
    whole: record.whole,
    rows,
    rowCount: n,
    labelledAt: record.labelledAt,
  };
  if (record.run !== undefined) source.run = record.run;
  return source;
}
