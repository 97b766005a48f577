/**
 * The original keys of a few upstream rows, where the pairs that read them kept keys
 * (`keepKeys`): the row review ranks rows by hash, and a person wants the key.
 */
import type { ReviewCandidate } from '../analysis/candidate.js';
import type { Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import { keyFromJson } from './format/keys.js';
import { lookupPair } from './lookup.js';
import { rowKeyToText } from './wire.js';

/** Origin rows given their keys: at most this many, the best ranked first (each costs a few lookups). */
export const KEYED_ROWS = 100;

/**
 * Sets `row.key` on the origin rows behind two or more flagged rows (the ones a listing shows
 * one by one), looked up forward through the pairs of the runs that read each pointer; a row
 * whose pairs kept no keys keeps none. In the result itself, so every surface (HTTP too) has it.
 */
export async function withOriginKeys(store: Store, rows: ReviewCandidate[]): Promise<void> {
  for (const r of rows.filter((c) => c.evidence.ef >= 2).slice(0, KEYED_ROWS)) {
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
          r.row.key = rowKeyToText(keyFromJson(key));
          break search;
        }
      }
    }
  }
}
