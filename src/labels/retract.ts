/**
 * Retraction: a label's data must go (a deletion request, a contaminated source). `retract`
 * records it with its time, flags every derived version still in use (the pointer's latest
 * version: whole outputs as pointer flags, row-level outputs as row flags), and reports what was
 * built from the data and what must be rebuilt. `closeRetraction` clears exactly the flags the
 * retraction set. The report is recomputed from lineage whenever it is asked for.
 */
import { invalid, notFound, PipetraceError } from '../errors.js';
import type { PointerRecord, Run } from '../model.js';
import { inferPointerType } from '../pointers.js';
import { flaggedRows, nextRowFlags } from '../rows/flags.js';
import { fromHex, toHex } from '../rows/format/keys.js';
import { HashTable64 } from '../rows/hashset.js';
import type { BlobRecord, Store } from '../store.js';
import { checkOptions, checkText } from '../validate.js';
import { type LabelledOutput, type LabelSource, labelledFrom } from './labelled.js';
import { type Reach, type ReachNode, reachOf } from './reach.js';
import { encodeRetraction, type RetractionRecord, readRetraction, readRetractions } from './records.js';
import { type RetractionViolation, violationsOf } from './violations.js';

/** Models trained on the data, predictions made with them, and the files between. */
export type RetractionItemKind = 'model' | 'predictions' | 'intermediate';

export interface RetractionItem extends LabelledOutput {
  kind: RetractionItemKind;
  /**
   * What the retraction flagged here: the pointer (a whole output), its rows (a row-level
   * output), `already` (the pointer was flagged before), or `none` (a version no longer in use).
   */
  flagged: 'pointer' | 'rows' | 'already' | 'none';
}

/** A run whose outputs must be rebuilt, with those outputs. */
export interface RebuildStep {
  run: { id: string; component: string };
  outputs: string[];
}

export interface RetractionReport {
  label: string;
  reason: string;
  retractedAt: number;
  closedAt?: number;
  open: boolean;
  /** The reason the retraction's flags carry: `retracted:<label>`. */
  flagReason: string;
  sources: LabelSource[];
  models: RetractionItem[];
  predictions: RetractionItem[];
  /** Intermediate files and tables. */
  files: RetractionItem[];
  /** Every run whose outputs are in use and built from the data, in pipeline order. */
  rebuild: RebuildStep[];
  violations: RetractionViolation[];
  /** How many pointer and row flags the retraction set. */
  flagged: { pointers: number; rows: number };
}

/** A retraction as listed. */
export interface Retraction {
  label: string;
  reason: string;
  at: number;
  closedAt?: number;
  open: boolean;
  flagged: { pointers: number; rows: number };
}

export const flagReason = (label: string): string => `retracted:${label}`;

export function checkRetractOptions(options: unknown): { reason: string } {
  const o = checkOptions<{ reason?: unknown }>('options', options, ['reason']);
  if (o.reason === undefined) throw invalid('reason', 'is required: say why the data is retracted');
  const reason = checkText('reason', o.reason);
  if (reason.trim() === '') throw invalid('reason', 'must not be empty');
  return { reason };
}

export function checkRetractionsOptions(options: unknown): { all?: boolean } {
  const o = checkOptions<{ all?: boolean }>('options', options, ['all']);
  if (o.all !== undefined && typeof o.all !== 'boolean') throw invalid('all', 'must be true or false');
  return o;
}

/** Records the retraction of `label`, sets its flags and reports. Checks everything before writing. */
export async function retract(store: Store, label: string, reason: string, now: number): Promise<RetractionReport> {
  const existing = await readRetraction(store, label);
  if (existing !== undefined && existing.closedAt === undefined)
    throw new PipetraceError(
      'conflict',
      `label ${JSON.stringify(label)} was already retracted at ${new Date(existing.at).toISOString()}; close that retraction first`,
      { field: 'label' },
    );
  const reach = await reachOf(store, label);
  if (reach.sources.length === 0) throw notFound('label', label);
  const record: RetractionRecord = { label, reason, at: now, pointers: [], rows: [] };
  const latest = await latestOf(store, reach);
  const writes: BlobRecord[] = [];
  const flagPointers: PointerRecord[] = [];
  const wholes = reach.reached.filter((n) => n.rows === undefined && isCurrent(n, latest));
  const current = await store.getPointers(wholes.map((n) => n.pointer));
  for (const [i, node] of wholes.entries()) {
    if (current[i]?.flagged === true || record.pointers.includes(node.pointer)) continue;
    record.pointers.push(node.pointer);
    flagPointers.push({ ...(current[i] ?? { name: node.pointer }), flagged: true, flaggedAt: now, updatedAt: now });
  }
  for (const node of reach.reached) {
    if (node.rows === undefined || !isCurrent(node, latest)) continue;
    const before = await flaggedRows(store, node.pointer);
    const fresh = newHashes(before.hashes, node.rows.packed());
    if (fresh.length === 0) continue;
    const keys = Array.from({ length: node.rows.size }, (_, i) => node.rows?.key(i) ?? null);
    const next = await nextRowFlags(store, node.pointer, { hashes: node.rows.packed(), keys }, undefined, now);
    writes.push({ key: next.key, data: next.data as Uint8Array });
    record.rows.push({ pointer: node.pointer, hashes: hexes(fresh) });
  }
  // The flags first, then the record with the row flags in one atomic write.
  if (flagPointers.length > 0) await store.putPointers(flagPointers);
  await store.putBlobs([...writes, encodeRetraction(record)]);
  return reportOf(store, record, reach);
}

/** Closes a label's open retraction: clears the flags it set (those still set), nothing else. */
export async function closeRetraction(store: Store, label: string, now: number): Promise<Retraction> {
  const record = await readRetraction(store, label);
  if (record === undefined) throw notFound('retraction', label);
  if (record.closedAt !== undefined)
    throw new PipetraceError('conflict', `the retraction of ${JSON.stringify(label)} is already closed`, {
      field: 'label',
    });
  const pointers = await store.getPointers(record.pointers);
  const unflag = pointers.flatMap((p) =>
    p?.flagged === true ? [{ ...p, flagged: false, flaggedAt: now, updatedAt: now }] : [],
  );
  const writes: BlobRecord[] = [];
  const deletes: string[] = [];
  for (const rows of record.rows) {
    const remove = new Uint32Array(rows.hashes.length * 2);
    for (const [i, h] of rows.hashes.entries()) fromHex(h, remove, 2 * i);
    const next = await nextRowFlags(store, rows.pointer, { hashes: new Uint32Array(0), keys: [] }, remove, now);
    if (next.data === undefined) deletes.push(next.key);
    else writes.push({ key: next.key, data: next.data });
  }
  const closed: RetractionRecord = { ...record, closedAt: now };
  if (unflag.length > 0) await store.putPointers(unflag);
  if (deletes.length > 0) await store.deleteBlobs?.(deletes);
  await store.putBlobs([...writes, encodeRetraction(closed)]);
  return summaryOf(closed);
}

/** Retractions, oldest first: the open ones, or all with `all`. */
export async function listRetractions(store: Store, options: { all?: boolean } = {}): Promise<Retraction[]> {
  const all = await readRetractions(store);
  return all.filter((r) => options.all === true || r.closedAt === undefined).map(summaryOf);
}

/** The report of a label's retraction, recomputed from lineage now. */
export async function retractionReport(store: Store, label: string): Promise<RetractionReport> {
  const record = await readRetraction(store, label);
  if (record === undefined) throw notFound('retraction', label);
  return reportOf(store, record, await reachOf(store, label));
}

function summaryOf(record: RetractionRecord): Retraction {
  const out: Retraction = {
    label: record.label,
    reason: record.reason,
    at: record.at,
    open: record.closedAt === undefined,
    flagged: { pointers: record.pointers.length, rows: record.rows.reduce((n, r) => n + r.hashes.length, 0) },
  };
  if (record.closedAt !== undefined) out.closedAt = record.closedAt;
  return out;
}

async function latestOf(store: Store, reach: Reach): Promise<Map<string, string | undefined>> {
  const names = [...new Set(reach.reached.map((n) => n.pointer))];
  const writers = await store.latestWriters(names.map((pointer) => ({ pointer })));
  return new Map(names.map((n, i) => [n, writers[i]?.id]));
}

const isCurrent = (node: ReachNode, latest: Map<string, string | undefined>): boolean =>
  node.run !== undefined && latest.get(node.pointer) === node.run.id;

/** The hashes of `add` not in `have` (both interleaved hi, lo). */
function newHashes(have: Uint32Array, add: Uint32Array): Uint32Array {
  const seen = new HashTable64(Math.max(1, have.length >>> 1));
  for (let i = 0; i < have.length; i += 2) seen.add(have[i] as number, have[i + 1] as number, 0);
  const out: number[] = [];
  for (let i = 0; i < add.length; i += 2)
    if (seen.get(add[i] as number, add[i + 1] as number) < 0) out.push(add[i] as number, add[i + 1] as number);
  return Uint32Array.from(out);
}

function hexes(hashes: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < hashes.length; i += 2) out.push(toHex(hashes[i] as number, hashes[i + 1] as number));
  return out;
}

async function reportOf(store: Store, record: RetractionRecord, reach: Reach): Promise<RetractionReport> {
  const labelled = await labelledFrom(store, record.label, reach, 1000);
  const models = new Set(await modelInputs(store, reach));
  const rowsFlagged = new Set(record.rows.map((r) => r.pointer));
  const flaggedPointers = new Set(record.pointers);
  const report: RetractionReport = {
    label: record.label,
    reason: record.reason,
    retractedAt: record.at,
    open: record.closedAt === undefined,
    flagReason: flagReason(record.label),
    sources: labelled.sources,
    models: [],
    predictions: [],
    files: [],
    rebuild: [],
    violations: await violationsOf(store, reach, record.at),
    flagged: summaryOf(record).flagged,
  };
  if (record.closedAt !== undefined) report.closedAt = record.closedAt;
  for (const out of labelled.outputs) {
    const kind: RetractionItemKind =
      out.type === 'model'
        ? 'model'
        : models.has(out.run.id) || out.type === 'endpoint' || /predict/i.test(out.pointer)
          ? 'predictions'
          : 'intermediate';
    const flagged: RetractionItem['flagged'] = !out.current
      ? 'none'
      : out.rowLevel
        ? rowsFlagged.has(out.pointer)
          ? 'rows'
          : 'already'
        : flaggedPointers.has(out.pointer)
          ? 'pointer'
          : 'already';
    const item: RetractionItem = { ...out, kind, flagged };
    (kind === 'model' ? report.models : kind === 'predictions' ? report.predictions : report.files).push(item);
    if (!out.current) continue;
    const step = report.rebuild.find((s) => s.run.id === out.run.id);
    if (step === undefined)
      report.rebuild.push({ run: { id: out.run.id, component: out.run.component }, outputs: [out.pointer] });
    else if (!step.outputs.includes(out.pointer)) step.outputs.push(out.pointer);
  }
  return report;
}

/** Runs on the walk that read a model (their outputs are predictions). */
async function modelInputs(store: Store, reach: Reach): Promise<string[]> {
  const runs = new Map<string, Run>();
  for (const node of reach.reached) if (node.run !== undefined) runs.set(node.run.id, node.run);
  const inputs = [...new Set([...runs.values()].flatMap((r) => r.inputs))];
  const records = new Map(
    (await store.getPointers(inputs)).flatMap((p) => (p === undefined ? [] : [[p.name, p] as const])),
  );
  const isModel = (p: string) => (records.get(p)?.type ?? inferPointerType(p)) === 'model';
  return [...runs.values()].filter((r) => r.inputs.some(isModel)).map((r) => r.id);
}
