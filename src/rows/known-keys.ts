/**
 * The one not-found rule for rows. A pointer is known when a run wrote or read it; a row key is
 * known for a pointer when row lineage records it: as an output row of the pairs of the run that
 * wrote that version, or, for data no run wrote, as an input row a reader's pair recorded (a
 * filter records the rows it kept). Where no run recorded row lineage for the pointer nothing
 * can be told, and every key is taken. traceRow, impact and flagRows refuse an unknown pointer
 * or key as not_found, naming the keys, rather than answer something that looks real.
 */
import { notFound, PipetraceError } from '../errors.js';
import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import { keyToJson, type RowKey } from './format/keys.js';
import { lookupPair } from './lookup.js';
import { readersOf } from './walk.js';

/** Keys named in a message at most (the error's details hold them all). */
const NAMED = 5;

/**
 * Which of `hashes` (interleaved hi, lo) no row lineage of `pointer` records, by index; or
 * undefined when no run recorded row lineage for it. Throws not_found for a pointer no run wrote
 * or read.
 */
export async function unknownRowKeys(
  store: Store,
  pointer: string,
  writer: Run | undefined,
  hashes: Uint32Array,
): Promise<number[] | undefined> {
  const seen = new Uint8Array(hashes.length >>> 1);
  let told = false;
  if (writer !== undefined) {
    const pairs = ((await readRowManifest(store, writer.id))?.pairs ?? []).filter((p) => p.output === pointer);
    for (const pair of pairs) {
      told = true;
      const m = await lookupPair(store, writer.id, pair, hashes, 'backward');
      for (let j = 0; j < m.count; j++) seen[m.query[j] as number] = 1;
    }
  } else {
    const readers = await readersOf(store, pointer, undefined);
    if (readers.length === 0) throw notFound('pointer (no run wrote or read it)', pointer);
    for (const reader of readers) {
      const pairs = ((await readRowManifest(store, reader.id))?.pairs ?? []).filter((p) => p.input === pointer);
      for (const pair of pairs) {
        told = true;
        const m = await lookupPair(store, reader.id, pair, hashes, 'forward');
        for (let j = 0; j < m.count; j++) seen[m.query[j] as number] = 1;
      }
    }
  }
  if (!told) return undefined;
  const unknown: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i] === 0) unknown.push(i);
  return unknown;
}

/** Throws not_found naming the keys of `keys` at `unknown` (none: returns). */
export function refuseUnknownKeys(
  pointer: string,
  writer: Run | undefined,
  keys: ArrayLike<RowKey>,
  unknown: number[] | undefined,
): void {
  if (unknown === undefined || unknown.length === 0) return;
  const named = unknown.slice(0, NAMED).map((i) => JSON.stringify(keyToJson(keys[i] as RowKey)));
  const more = unknown.length > NAMED ? ` and ${unknown.length - NAMED} more` : '';
  // Raw data is known only through its readers, and a filter records only the rows it kept.
  const where = writer === undefined ? ' by any run that read it' : ` (run ${writer.id})`;
  throw new PipetraceError(
    'not_found',
    `row ${unknown.length === 1 ? 'key' : 'keys'} never recorded for ${JSON.stringify(pointer)}${where}: ${named.join(', ')}${more}`,
    { details: { what: 'row key', pointer, keys: unknown.map((i) => keyToJson(keys[i] as RowKey)) } },
  );
}
