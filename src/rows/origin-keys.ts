/**
 * The original keys of a few upstream rows, where the pairs that read them kept keys
 * (`keepKeys`): the row review ranks rows by hash, and a person wants the key.
 */
import type { Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import { keyFromJson, type RowKey } from './format/keys.js';
import { lookupPair } from './lookup.js';

/** Keys found for `rows` (by their id), looked up forward through the pairs of the runs that read each pointer. */
export async function originKeys(
  store: Store,
  rows: readonly { id: string; row?: { pointer: string; hash: string } }[],
): Promise<Map<string, RowKey>> {
  const found = new Map<string, RowKey>();
  for (const r of rows) {
    if (r.row === undefined) continue;
    const hash = r.row.hash;
    const query = Uint32Array.of(Number.parseInt(hash.slice(0, 8), 16), Number.parseInt(hash.slice(8, 16), 16));
    const readers = await store.scanRuns({ input: r.row.pointer, limit: 100 });
    search: for (const reader of readers.runs) {
      const pairs = ((await readRowManifest(store, reader.id))?.pairs ?? []).filter(
        (p) => p.input === r.row?.pointer && p.keys,
      );
      for (const pair of pairs) {
        const m = await lookupPair(store, reader.id, pair, query, 'forward');
        // A keep pair's output key is the input key; a map or many pair reports the input's own.
        const key = m.queryKey?.[0] ?? (pair.kind === 'keep' ? m.key?.[0] : undefined);
        if (key !== undefined) {
          found.set(r.id, keyFromJson(key));
          break search;
        }
      }
    }
  }
  return found;
}
