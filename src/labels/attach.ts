/** `label(pointer, label, { rows })`: attach a label to an output's latest version, or to rows of it. */
import { invalid } from '../errors.js';
import { knownPointer } from '../pointers.js';
import { checkRowKey, hashKeys, keyToJson, type RowKey } from '../rows/format/keys.js';
import { refuseUnknownKeys, unknownRowKeys } from '../rows/known-keys.js';
import { RowSet } from '../rows/walk.js';
import type { Store } from '../store.js';
import { writerOf } from '../target.js';
import { checkOptions, checkPointer, checkRunId, describe } from '../validate.js';
import { checkLabel } from './labelled.js';
import { encodeLabel, knownKeys, type LabelRecord, readLabel } from './records.js';

export interface LabelOptions {
  /** Only these rows (keys as row lineage records them); omit for the whole output. */
  rows?: readonly RowKey[];
  /** The run whose version to label (default: the pointer's latest writer; raw data has none). */
  run?: string;
}

/** What a label now covers on one pointer version. */
export interface LabelSummary {
  label: string;
  pointer: string;
  run?: string;
  whole: boolean;
  /** Rows labelled on this version (0 when whole). */
  rowCount: number;
  labelledAt: number;
}

/** Labelled rows at most in one call. */
export const MAX_LABEL_ROWS = 1_000_000;

export function checkLabelOptions(options: unknown): LabelOptions {
  const o = checkOptions<LabelOptions>('options', options, ['rows', 'run']);
  if (o.run !== undefined) checkRunId('run', o.run);
  if (o.rows !== undefined) {
    if (!Array.isArray(o.rows)) throw invalid('rows', `must be an array of row keys, got ${describe(o.rows)}`);
    if (o.rows.length === 0) throw invalid('rows', 'must name at least one row (omit it to label the whole output)');
    if (o.rows.length > MAX_LABEL_ROWS)
      throw invalid('rows', `has ${o.rows.length} keys; the limit is ${MAX_LABEL_ROWS}`);
    for (const [i, k] of o.rows.entries()) checkRowKey(`rows[${i}]`, k);
  }
  return o;
}

/**
 * Attaches `label`: everything is checked before anything is written (an unknown pointer, run,
 * or row key of an output a run wrote, changes nothing). Labelling the same version again adds rows; whole stays whole.
 */
export async function attachLabel(
  store: Store,
  pointer: string,
  label: string,
  options: LabelOptions,
  now: number,
): Promise<LabelSummary> {
  checkPointer('pointer', pointer);
  checkLabel('label', label);
  const o = checkLabelOptions(options);
  await knownPointer(store, pointer);
  const writer = await writerOf(store, pointer, o.run);
  let hashes: Uint32Array | undefined;
  if (o.rows !== undefined) {
    hashes = hashKeys(o.rows);
    // Raw data's rows are known only through what its readers recorded, and a filter does not
    // record the rows it dropped (a customer's rides a filter removed are still theirs): taken as given.
    if (writer !== undefined)
      refuseUnknownKeys(pointer, writer, o.rows, await unknownRowKeys(store, pointer, writer, hashes));
  }
  const existing = await readLabel(store, label, pointer, writer?.id);
  const whole = existing?.whole === true || hashes === undefined;
  const rows = new RowSet();
  if (!whole) {
    if (existing !== undefined) rows.addPacked(existing.hashes, knownKeys(existing.keys));
    rows.addPacked(hashes as Uint32Array, (o.rows as RowKey[]).map(keyToJson));
  }
  const record: LabelRecord = {
    label,
    pointer,
    whole,
    labelledAt: existing?.labelledAt ?? now,
    updatedAt: now,
    hashes: whole ? new Uint32Array(0) : rows.packed(),
    keys: whole ? [] : Array.from({ length: rows.size }, (_, i) => rows.key(i) ?? null),
  };
  if (writer !== undefined) record.run = writer.id;
  await store.putBlobs([encodeLabel(record)]);
  const summary: LabelSummary = {
    label,
    pointer,
    whole,
    rowCount: record.hashes.length >>> 1,
    labelledAt: record.labelledAt,
  };
  if (writer !== undefined) summary.run = writer.id;
  return summary;
}
