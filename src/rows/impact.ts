import type { Run } from '../model.js';
import { compareWriteKeys, dependencyBound, type Store } from '../store.js';
import { readRowManifest } from './capture.js';
import type { RowKey } from './format/keys.js';
import { lookupPair } from './lookup.js';
import { beginRowWalk, type RowStep, type RowTrace, type RowTraceOptions, refsOf } from './trace.js';

interface Node {
  pointer: string;
  /** The run that wrote this version of the pointer; undefined for raw data. */
  writer?: Run;
  depth: number;
  /** Distinct row hashes; undefined once the walk is at run level. */
  rows?: Uint32Array;
}

async function readersOf(store: Store, pointer: string): Promise<Run[]> {
  const out: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns(
      cursor === undefined
        ? { input: pointer, order: 'asc', limit: 1000 }
        : { input: pointer, order: 'asc', limit: 1000, cursor },
    );
    out.push(...page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

function mergeRows(a: Uint32Array | undefined, b: Uint32Array | undefined): Uint32Array | undefined {
  if (a === undefined || b === undefined) return undefined;
  const seen = new Set<string>();
  const out: number[] = [];
  for (const arr of [a, b]) {
    for (let i = 0; i < arr.length; i += 2) {
      const k = `${arr[i]}:${arr[i + 1]}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(arr[i] as number, arr[i + 1] as number);
      }
    }
  }
  return Uint32Array.from(out);
}

/**
 * Follows one input row forward: which rows of which outputs derive from it. Readers of a
 * pointer are the runs whose inferred upstream writer of it is the version holding the row.
 * Cost: keep and pass pairs read one chunk; map and many pairs are partitioned by output hash,
 * so following them forward reads every chunk of the pair (O(rows of the pair)). Where a reader
 * recorded no row lineage, all its outputs are affected at run level and the walk says so.
 */
export async function impact(
  store: Store,
  pointer: string,
  key: RowKey,
  options: RowTraceOptions = {},
): Promise<RowTrace> {
  const { start, maxRows, maxSteps, result } = beginRowWalk('forward', pointer, key, options);
  let writer: Run | undefined;
  if (options.run !== undefined) {
    const [run] = await store.getRuns([options.run]);
    writer = run;
  } else {
    const [w] = await store.latestWriters([{ pointer }]);
    if (w !== undefined) [writer] = await store.getRuns([w.id]);
  }
  const pending = new Map<string, Node>();
  const nodeKey = (p: string, w: Run | undefined) => `${w?.id ?? ''}\u0000${p}`;
  pending.set(
    nodeKey(pointer, writer),
    writer === undefined ? { pointer, depth: 0, rows: start } : { pointer, writer, depth: 0, rows: start },
  );
  while (pending.size > 0) {
    // Oldest writer first: a node's rows are complete before it is followed.
    let bestKey = '';
    let best: Node | undefined;
    for (const [k, node] of pending) {
      const older =
        best === undefined ||
        (node.writer === undefined
          ? best.writer !== undefined
          : best.writer !== undefined && compareWriteKeys(node.writer, best.writer) < 0);
      if (older) {
        best = node;
        bestKey = k;
      }
    }
    pending.delete(bestKey);
    const node = best as Node;
    const readers = await readersOf(store, node.pointer);
    const writers = await store.latestWriters(
      readers.map((r) => ({ pointer: node.pointer, before: dependencyBound(r) })),
    );
    for (const [i, reader] of readers.entries()) {
      if ((writers[i]?.id ?? undefined) !== node.writer?.id) continue;
      if (result.steps.length >= maxSteps) {
        result.truncated = true;
        return result;
      }
      const manifest = await readRowManifest(store, reader.id);
      const pairs = (manifest?.pairs ?? []).filter((p) => p.input === node.pointer);
      const listed = node.rows === undefined ? { rows: [], rowCount: 0 } : refsOf(node.rows, undefined, maxRows);
      const step: RowStep = {
        depth: node.depth,
        run: { id: reader.id, component: reader.component },
        pointer: node.pointer,
        rowLevel: node.rows !== undefined && pairs.length > 0,
        rows: listed.rows,
        rowCount: listed.rowCount,
        links: [],
      };
      if (!step.rowLevel) {
        step.note =
          node.rows === undefined
            ? 'reached at run level: an earlier step has no row lineage'
            : `run recorded no row lineage from ${JSON.stringify(node.pointer)}: every output is affected at run level`;
      }
      result.steps.push(step);
      const outputs = [...new Set([...reader.outputs, ...pairs.map((p) => p.output)])];
      for (const output of outputs) {
        const pair = step.rowLevel ? pairs.find((p) => p.output === output) : undefined;
        let rows: Uint32Array | undefined;
        if (pair !== undefined && node.rows !== undefined) {
          const m = await lookupPair(store, reader.id, pair, node.rows, 'forward');
          const refs = refsOf(m.hash, m.key, maxRows);
          step.links.push({ pointer: output, kind: pair.kind, rows: refs.rows, rowCount: refs.rowCount });
          rows = distinct(m.hash);
          if (rows.length === 0) continue;
        } else {
          step.links.push({ pointer: output, kind: 'none', rows: [], rowCount: 0 });
        }
        const k = nodeKey(output, reader);
        const existing = pending.get(k);
        if (existing === undefined) {
          pending.set(
            k,
            rows === undefined
              ? { pointer: output, writer: reader, depth: node.depth + 1 }
              : { pointer: output, writer: reader, depth: node.depth + 1, rows },
          );
        } else {
          const merged = mergeRows(existing.rows, rows);
          if (merged === undefined) delete existing.rows;
          else existing.rows = merged;
        }
      }
    }
  }
  result.steps.sort((x, y) => x.depth - y.depth);
  return result;
}

function distinct(hashes: Uint32Array): Uint32Array {
  return mergeRows(hashes, new Uint32Array(0)) as Uint32Array;
}
