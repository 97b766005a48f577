import type { Run } from '../model.js';
import { compareWriteKeys, dependencyBound, type Store } from '../store.js';
import { writerOf } from '../target.js';
import { checkPointer, checkPositiveInt } from '../validate.js';
import { manifestFrom } from './capture.js';
import { manifestKey, type PairManifest, type RowLineageKind } from './codec.js';
import { HashTable64 } from './hashset.js';
import { hashKeyInto, keyFromJson, keyToJson, type RowKey, toHex } from './keys.js';
import { lookupPair, type Visit, visitCached } from './lookup.js';

/** A row as results show it: its hash, and its key where the pair kept keys. */
export interface RowRef {
  hash: string;
  key?: RowKey;
}

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
  rows?: Rows;
}

/** Distinct rows in first-seen order, with keys where known. A trace holds a few: a table only past a handful. */
class Rows {
  private table: HashTable64 | undefined;
  hashes: number[] = [];
  private keyOf: Map<number, unknown> | undefined;
  add(hi: number, lo: number, key: unknown): void {
    const at = this.indexOf(hi >>> 0, lo >>> 0);
    if (key !== undefined && !this.hasKey(at)) this.setKey(at, key);
  }
  private indexOf(hi: number, lo: number): number {
    const hashes = this.hashes;
    if (this.table === undefined) {
      for (let i = 0; i < hashes.length; i += 2) if (hashes[i + 1] === lo && hashes[i] === hi) return i >>> 1;
      hashes.push(hi, lo);
      if (hashes.length > 2 * LINEAR_ROWS) {
        this.table = new HashTable64(2 * LINEAR_ROWS);
        for (let i = 0; i < hashes.length; i += 2)
          this.table.add(hashes[i] as number, hashes[i + 1] as number, i >>> 1);
      }
      return (hashes.length >>> 1) - 1;
    }
    let table = this.table;
    if (table.size * 2 + 2 > table.capacity) {
      table = new HashTable64(table.size * 2 + 2);
      for (let i = 0; i < hashes.length; i += 2) table.add(hashes[i] as number, hashes[i + 1] as number, i >>> 1);
      this.table = table;
    }
    const n = table.size;
    const at = table.add(hi, lo, n);
    if (at === n) hashes.push(hi, lo);
    return at;
  }
  hasKey(at: number): boolean {
    return this.keyOf?.has(at) ?? false;
  }
  key(at: number): unknown {
    return this.keyOf?.get(at);
  }
  setKey(at: number, key: unknown): void {
    this.keyOf ??= new Map();
    this.keyOf.set(at, key);
  }
  packed(): Uint32Array {
    return Uint32Array.from(this.hashes);
  }
  refs(max: number): RowRef[] {
    const out: RowRef[] = [];
    for (let i = 0; i < this.hashes.length && out.length < max; i += 2) {
      const ref: RowRef = { hash: toHex(this.hashes[i] as number, this.hashes[i + 1] as number) };
      const key = this.keyOf?.get(i / 2);
      if (key !== undefined) ref.key = keyFromJson(key);
      out.push(ref);
    }
    return out;
  }
  get size(): number {
    return this.hashes.length >>> 1;
  }
}

/** Rows kept in a plain list (searched linearly) before a table is built. */
const LINEAR_ROWS = 8;

function refsOf(
  hashes: Uint32Array,
  keys: (unknown | undefined)[] | undefined,
  max: number,
): { rows: RowRef[]; rowCount: number } {
  const rows = new Rows();
  for (let i = 0; i < hashes.length >>> 1; i++)
    rows.add(hashes[2 * i] as number, hashes[2 * i + 1] as number, keys?.[i]);
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
  const first = await writerOf(store, pointer, options.run);
  if (first === undefined) {
    result.origins.push({ pointer, rows: [{ hash: result.hash, key }], rowCount: 1 });
    return result;
  }
  const pending = new Map<string, Pending>();
  const seed = new Rows();
  seed.add(start[0] as number, start[1] as number, keyToJson(key));
  pending.set(`${first.id}\u0000${pointer}`, { run: first, pointer, depth: 0, rows: seed });
  while (pending.size > 0) {
    if (result.steps.length >= maxSteps) {
      result.truncated = true;
      break;
    }
    // Newest writer first: every reader of a node is visited before it (see WriteKey).
    let bestKey = '';
    let best: Pending | undefined;
    for (const [k, node] of pending) {
      if (best === undefined || compareWriteKeys(node.run, best.run) > 0) {
        best = node;
        bestKey = k;
      }
    }
    pending.delete(bestKey);
    const node = best as Pending;
    // The manifest's bytes straight from the store (one promise, not two: every step reads one).
    const manifest = manifestFrom(store, node.run.id, (await store.getBlobs([manifestKey(node.run.id)]))[0]);
    const pairs = (manifest?.pairs ?? []).filter((p) => p.output === node.pointer);
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
    const inputs: string[] = [];
    for (const p of node.run.inputs) if (!inputs.includes(p)) inputs.push(p);
    for (const p of pairs) if (!inputs.includes(p.input)) inputs.push(p.input);
    const queries = inputs.map((p) => ({ pointer: p, before: dependencyBound(node.run) }));
    // The store's synchronous twin where it has one (the memory store): one promise fewer a step.
    const sync = store.sync;
    const upstream = sync?.store === store ? sync.latestWriters(queries) : await store.latestWriters(queries);
    const upstreamRuns = await store.getRuns(upstream.map((w) => w?.id ?? ''));
    const matched = rowLevel ? new Uint8Array(step.rowCount) : undefined;
    for (const [i, input] of inputs.entries()) {
      const pair: PairManifest | undefined = rowLevel ? pairs.find((p) => p.input === input) : undefined;
      let rows: Rows | undefined;
      if (pair !== undefined && node.rows !== undefined) {
        const found = new Rows();
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
      const k = `${up.id}\u0000${input}`;
      const existing = pending.get(k);
      if (existing === undefined) {
        pending.set(
          k,
          rows === undefined
            ? { run: up, pointer: input, depth: node.depth + 1 }
            : { run: up, pointer: input, depth: node.depth + 1, rows },
        );
      } else if (existing.rows !== undefined) {
        if (rows === undefined) existing.rows = undefined;
        else
          for (let j = 0; j < rows.hashes.length; j += 2)
            existing.rows.add(rows.hashes[j] as number, rows.hashes[j + 1] as number, rows.key(j / 2));
      }
    }
    if (node.rows !== undefined) step.rows = node.rows.refs(maxRows);
    if (matched !== undefined && node.rows !== undefined) {
      // Rows no pair of this run explains have no recorded origin: they start here.
      const lost = new Rows();
      for (let j = 0; j < matched.length; j++) {
        if (matched[j] === 0)
          lost.add(node.rows.hashes[2 * j] as number, node.rows.hashes[2 * j + 1] as number, node.rows.key(j));
      }
      if (lost.size > 0) {
        result.origins.push({ pointer: node.pointer, rows: lost.refs(maxRows), rowCount: lost.size, run: node.run.id });
        step.note = `${lost.size} of ${node.rows.size} rows have no recorded origin in this run`;
      }
    }
  }
  result.steps.sort((x, y) => x.depth - y.depth);
  return result;
}

export { refsOf };
