import type { StoreChange } from '../../src/store.js';
import type { TableNames } from './schema.js';

// A node of Dexie's RangeSet tree: a key range with left and right subtrees.
interface RangeNode {
  from?: unknown;
  to?: unknown;
  l?: RangeNode | null;
  r?: RangeNode | null;
}

/** The single keys a RangeSet holds, in order; ranges wider than one key are not listed. */
function singleKeys(node: RangeNode | null | undefined, out: string[], depth = 0): string[] {
  // The tree is balanced; the bound only guards against a malformed message from another tab.
  if (node == null || typeof node !== 'object' || depth > 64) return out;
  singleKeys(node.l, out, depth + 1);
  if (typeof node.from === 'string' && node.from === node.to) out.push(node.from);
  singleKeys(node.r, out, depth + 1);
  return out;
}

/**
 * The store changes described by Dexie's storage-mutation event (the same event tells this tab
 * and, through Dexie's BroadcastChannel, every other tab). Parts are keyed
 * `idb://<database>/<table>/<index>`; the empty index names the primary keys that changed.
 */
export function changesIn(parts: Record<string, unknown>, dbName: string, tables: TableNames): StoreChange[] {
  const keysOf = (table: string) => singleKeys(parts[`idb://${dbName}/${table}/`] as RangeNode | undefined, []);
  const changes: StoreChange[] = [];
  const ids = keysOf(tables.runs);
  if (ids.length > 0) changes.push({ kind: 'runs', ids });
  const components = keysOf(tables.components);
  if (components.length > 0) changes.push({ kind: 'components', names: components });
  const pointers = keysOf(tables.pointers);
  if (pointers.length > 0) changes.push({ kind: 'pointers', names: pointers });
  return changes;
}
