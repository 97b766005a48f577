import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { writerOf } from '../target.js';
import { checkPointer, checkPositiveInt } from '../validate.js';
import { manifestKey, type PairManifest, type RowLineageKind } from './format/codec.js';
import { hashKeyInto, keyToJson, type RowKey, type RowRef, toHex } from './format/keys.js';
import { refuseUnknownKeys, unknownRowKeys } from './known-keys.js';
import { lookupPair, prefetchStep, type Visit, visitCached } from './lookup.js';
import { type StepAhead, upstreamAhead, writerAhead } from './step-ahead.js';
import { Frontier, RowSet } from './walk.js';

export type { RowRef };

/** One input of a step: the rows of that input the step's rows came from (or lead to). */
export interface RowStepInput {
  pointer: string;
  /** How rows relate; 'none' when the run recorded no row lineage for this pair. */
  kind: RowLineageKind | 'none';
  rows: RowRef[];
  /** All matched rows; `rows` lists at most `maxRows` of them. */
  rowCount: number;
}

/** One run on the way: the rows of `pointer` it wrote (backward) or read (forward). */
export interface RowStep {
  depth: number;
  run: { id: string; component: string };
  pointer: string;
  /** False where the trace reached this run without row lineage: it continues at run level. */
  rowLevel: boolean;
  /** In words, when rowLevel is false or some rows have no recorded origin. */
  note?: string;
  rows: RowRef[];
  rowCount: number;
  /** Backward: the inputs the rows came from. Forward: the outputs derived from the rows. */
  links: RowStepInput[];
}

export interface RowTrace {
  direction: 'backward' | 'forward';
  pointer: string;
  key: RowKey;
  hash: string;
  steps: RowStep[];
  /** Backward: rows with no recorded origin (raw records, or rows a run created). */
  origins: { pointer: string; rows: RowRef[]; rowCount: number; run?: string }[];
  /** True when maxSteps stopped the walk early. */
  truncated: boolean;
}

export interface RowTraceOptions {
  /** The run whose output rows to trace (default: the latest writer of the pointer). */
  run?: string;
  /** Rows listed per step (all are followed). Default 1000. */
  maxRows?: number;
  /** Runs visited at most. Default 10,000. */
  maxSteps?: number;
}

/** A run reached, with the rows of `pointer` that lead there (undefined at run level). */
interface Pending {
  run: Run;
  pointer: string;
  depth: number;
  rows?: RowSet | undefined;
  /** Its run's manifest (and maybe its inputs' writers), read ahead by the step that reached it. */
  ahead?: StepAhead | undefined;
}

function refsOf(
  hashes: Uint32Array,
  keys: (unknown | undefined)[] | undefined,
  max: number,
): { rows: RowRef[]; rowCount: number } {
  const rows = new RowSet();
  rows.addPacked(hashes, keys);
  return { rows: rows.refs(max), rowCount: rows.size };
}

/** Checks a row walk's arguments and sets up its empty result and start hash (trace and impact alike). */
export function beginRowWalk(
  direction: RowTrace['direction'],
  pointer: string,
  key: RowKey,
  options: RowTraceOptions,
): { start: Uint32Array; maxRows: number; maxSteps: number; result: RowTrace } {
  checkPointer('pointer', pointer);
  const start = new Uint32Array(2);
  hashKeyInto(key, start, 0);
  const { maxRows, maxSteps } = checkOptions(options);
  const hash = toHex(start[0] as number, start[1] as number);
  const result: RowTrace = { direction, pointer, key, hash, steps: [], origins: [], truncated: false };
  return { start, maxRows, maxSteps, result };
}

function checkOptions(options: RowTraceOptions): { maxRows: number; maxSteps: number } {
  return {
    maxRows: options.maxRows === undefined ? 1000 : checkPositiveInt('maxRows', options.maxRows),
    maxSteps: options.maxSteps === undefined ? 10_000 : checkPositiveInt('maxSteps', options.maxSteps),
  };
}

/**
 * Traces one row backward: from the run that wrote `pointer`, through every run with row
 * lineage, to rows with no recorded origin. Where a run recorded no row lineage for an input,
 * the step says so and the walk continues at run level (every row of that input counts).
 * Runs are visited newest first, so a run reached along several paths is visited once with
 * all its rows.
 */
export async function traceRow(
  store: Store,
  pointer: string,
  key: RowKey,
  options: RowTraceOptions = {},
): Promise<RowTrace> {
  const { start, maxRows, maxSteps, result } = beginRowWalk('backward', pointer, key, options);
  const { run: first, ahead: firstAhead } =
    options.run === undefined
      ? await writerAhead(store, pointer)
      : { run: await writerOf(store, pointer, options.run) };
  if (first === undefined) {
    // Raw data: known only through its readers' row lineage (a written pointer is checked below, for free).
    refuseUnknownKeys(pointer, first, [key], await unknownRowKeys(store, pointer, first, start));
    result.origins.push({ pointer, rows: [{ hash: result.hash, key }], rowCount: 1 });
    return result;
  }
  const pending = new Frontier<Pending>('newest');
  const seed = new RowSet();
  seed.add(start[0] as number, start[1] as number, keyToJson(key));
  pending.add({ run: first, pointer, depth: 0, rows: seed, ahead: firstAhead });
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (result.steps.length >= maxSteps) {
      result.truncated = true;
      break;
    }
    const manifestRead = node.ahead?.manifest ?? store.getBlobs([manifestKey(node.run.id)]);
    // The step's chunks are read while its upstream runs are looked up.
    const chunksRead =
      node.rows === undefined
        ? undefined
        : prefetchStep(store, node.run.id, node.pointer, node.rows.hashes, manifestRead);
    const {
      pairs,
      inputs,
      runs: upstreamRuns,
      ahead,
    } = await upstreamAhead(store, node.run, node.pointer, { ...node.ahead, manifest: manifestRead });
    if (chunksRead !== undefined) await chunksRead;
    const rowLevel = node.rows !== undefined && pairs.length > 0;
    const step: RowStep = {
      depth: node.depth,
      run: { id: node.run.id, component: node.run.component },
      pointer: node.pointer,
      rowLevel,
      rows: [],
      rowCount: node.rows?.size ?? 0,
      links: [],
    };
    if (!rowLevel) {
      step.note =
        node.rows === undefined
          ? 'reached at run level: an earlier step has no row lineage'
          : `run recorded no row lineage for ${JSON.stringify(node.pointer)}: its rows start here, and the trace continues at run level`;
      // Rows a run wrote without row lineage have no recorded origin: they start at this run.
      if (node.rows !== undefined) {
        result.origins.push({
          pointer: node.pointer,
          rows: node.rows.refs(maxRows),
          rowCount: node.rows.size,
          run: node.run.id,
        });
      }
    }
    result.steps.push(step);
    const matched = rowLevel ? new Uint8Array(step.rowCount) : undefined;
    for (const [i, input] of inputs.entries()) {
      const pair: PairManifest | undefined = rowLevel ? pairs.find((p) => p.input === input) : undefined;
      let rows: RowSet | undefined;
      if (pair !== undefined && node.rows !== undefined) {
        const found = new RowSet();
        const from = node.rows;
        const seen = matched as Uint8Array;
        const visit: Visit = (q, hi, lo, key, queryKey) => {
          found.add(hi, lo, key);
          seen[q] = 1;
          if (queryKey !== undefined && !from.hasKey(q)) from.setKey(q, queryKey);
        };
        if (!visitCached(store, pair, from.hashes, visit)) {
          const m = await lookupPair(store, node.run.id, pair, from.packed(), 'backward');
          for (let j = 0; j < m.count; j++)
            visit(
              m.query[j] as number,
              m.hash[2 * j] as number,
              m.hash[2 * j + 1] as number,
              m.key?.[j],
              m.queryKey?.[j],
            );
        }
        rows = found;
        step.links.push({ pointer: input, kind: pair.kind, rows: rows.refs(maxRows), rowCount: rows.size });
      } else {
        step.links.push({ pointer: input, kind: 'none', rows: [], rowCount: 0 });
      }
      const up = upstreamRuns[i];
      if (up === undefined) {
        if (rows !== undefined && rows.size > 0)
          result.origins.push({ pointer: input, rows: rows.refs(maxRows), rowCount: rows.size });
        continue;
      }
      if (rows !== undefined && rows.size === 0) continue;
      const existing = pending.get(up, input);
      if (existing === undefined)
        pending.add({ run: up, pointer: input, depth: node.depth + 1, rows, ahead: ahead[i] });
      else if (existing.rows !== undefined) {
        if (rows === undefined) existing.rows = undefined;
        else existing.rows.addAll(rows);
      }
    }
    if (node.rows !== undefined) step.rows = node.rows.refs(maxRows);
    if (matched !== undefined && node.rows !== undefined) {
      // Rows no pair of this run explains have no recorded origin: they start here.
      const lost = new RowSet();
      for (let j = 0; j < matched.length; j++) {
        if (matched[j] === 0)
          lost.add(node.rows.hashes[2 * j] as number, node.rows.hashes[2 * j + 1] as number, node.rows.key(j));
      }
      if (lost.size > 0) {
        // The first step holds only the row asked for: unmatched, its writer never recorded it.
        if (node.depth === 0) refuseUnknownKeys(pointer, node.run, [key], [0]);
        result.origins.push({ pointer: node.pointer, rows: lost.refs(maxRows), rowCount: lost.size, run: node.run.id });
        step.note = `${lost.size} of ${node.rows.size} rows have no recorded origin in this run`;
      }
    }
  }
  result.steps.sort((x, y) => x.depth - y.depth);
  return result;
}

export { refsOf };
