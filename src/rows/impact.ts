import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { writerOf } from '../target.js';
import { readRowManifest } from './chunk-cache.js';
import type { RowKey } from './format/keys.js';
import { refuseUnknownKeys, unknownRowKeys } from './known-keys.js';
import { lookupPair } from './lookup.js';
import { beginRowWalk, type RowStep, type RowTrace, type RowTraceOptions, refsOf } from './trace.js';
import { Frontier, RowSet, readersOf } from './walk.js';

interface Node {
  pointer: string;
  /** The run that wrote this version of the pointer; undefined for raw data. */
  run?: Run | undefined;
  depth: number;
  /** Distinct row hashes; undefined once the walk is at run level. */
  rows?: RowSet | undefined;
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
  // The same start rule as traceRow: a named run must exist and must have written the pointer.
  const writer = await writerOf(store, pointer, options.run);
  refuseUnknownKeys(pointer, writer, [key], await unknownRowKeys(store, pointer, writer, start));
  const pending = new Frontier<Node>('oldest');
  const seed = new RowSet();
  seed.addPacked(start);
  pending.add({ pointer, run: writer, depth: 0, rows: seed });
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    for (const reader of await readersOf(store, node.pointer, node.run)) {
      if (result.steps.length >= maxSteps) {
        result.truncated = true;
        return result;
      }
      const manifest = await readRowManifest(store, reader.id);
      const pairs = (manifest?.pairs ?? []).filter((p) => p.input === node.pointer);
      const step: RowStep = {
        depth: node.depth,
        run: { id: reader.id, component: reader.component },
        pointer: node.pointer,
        rowLevel: node.rows !== undefined && pairs.length > 0,
        rows: node.rows?.refs(maxRows) ?? [],
        rowCount: node.rows?.size ?? 0,
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
        let rows: RowSet | undefined;
        if (pair !== undefined && node.rows !== undefined) {
          const m = await lookupPair(store, reader.id, pair, node.rows.packed(), 'forward');
          const refs = refsOf(m.hash, m.key, maxRows);
          step.links.push({ pointer: output, kind: pair.kind, rows: refs.rows, rowCount: refs.rowCount });
          // The rows walked on carry no keys: a step lists the hashes it reached.
          rows = new RowSet();
          rows.addPacked(m.hash);
          if (rows.size === 0) continue;
        } else {
          step.links.push({ pointer: output, kind: 'none', rows: [], rowCount: 0 });
        }
        const existing = pending.get(reader, output);
        if (existing === undefined) pending.add({ pointer: output, run: reader, depth: node.depth + 1, rows });
        else if (existing.rows !== undefined) {
          if (rows === undefined) existing.rows = undefined;
          else existing.rows.addAll(rows);
        }
      }
    }
  }
  result.steps.sort((x, y) => x.depth - y.depth);
  return result;
}
