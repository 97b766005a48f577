import { PipetraceError } from '../errors.js';
import type { Store } from '../store.js';
import { checkPointer } from '../validate.js';
import { decodeBlob, encodeBlob } from './format/codec.js';
import { hashKeys, keyFromJson, keyToJson, type RowKey, rowHash, toHex } from './format/keys.js';
import { HashTable64 } from './hashset.js';
import type { RowRef } from './trace.js';

/** Flagged rows of one pointer: distinct hashes and the keys as given. */
export interface FlaggedRows {
  pointer: string;
  /** Interleaved (hi, lo) hashes, one pair per flagged row. */
  hashes: Uint32Array;
  rows: RowRef[];
  updatedAt?: number;
}

interface FlagHeader {
  pointer: string;
  updatedAt: number;
}

export const FLAG_PREFIX = 'rows/f/';
// Pointer names can be longer than a blob key: the key holds the pointer's hash, the blob the name.
const flagKey = (pointer: string): string => `${FLAG_PREFIX}${rowHash(pointer)}`;

async function read(store: Store, pointer: string): Promise<{ hashes: Uint32Array; keys: unknown[] }> {
  const [data] = await store.getBlobs([flagKey(pointer)]);
  if (data === undefined) return { hashes: new Uint32Array(0), keys: [] };
  const blob = decodeBlob<FlagHeader>(data, flagKey(pointer));
  if (blob.header.pointer !== pointer) {
    throw new PipetraceError('conflict', `row flags of ${JSON.stringify(pointer)} collide with another pointer's`);
  }
  return { hashes: blob.body.slice(), keys: blob.text?.() ?? [] };
}

function merge(
  current: { hashes: Uint32Array; keys: unknown[] },
  add: Uint32Array,
  addKeys: unknown[],
  remove: Uint32Array | undefined,
): { hashes: Uint32Array; keys: unknown[] } {
  const drop = new HashTable64(remove === undefined ? 1 : remove.length >>> 1);
  if (remove !== undefined)
    for (let i = 0; i < remove.length; i += 2) drop.add(remove[i] as number, remove[i + 1] as number, 0);
  const seen = new HashTable64((current.hashes.length + add.length) >>> 1);
  const out: number[] = [];
  const keys: unknown[] = [];
  const take = (h: Uint32Array, k: unknown[]) => {
    for (let i = 0; i < h.length >>> 1; i++) {
      const hi = h[2 * i] as number;
      const lo = h[2 * i + 1] as number;
      if (drop.get(hi, lo) >= 0) continue;
      const before = seen.size;
      seen.add(hi, lo, before);
      if (seen.size === before) continue;
      out.push(hi, lo);
      keys.push(k[i] ?? null);
    }
  };
  take(current.hashes, current.keys);
  take(add, addKeys);
  return { hashes: Uint32Array.from(out), keys };
}

/**
 * The blob that flags `add` and unflags `remove` rows of a pointer, for the caller to write in a
 * batch of its own (a retraction writes its flags and its record at once). `data` is undefined
 * when no row stays flagged and the store can delete.
 */
export async function nextRowFlags(
  store: Store,
  pointer: string,
  add: { hashes: Uint32Array; keys: unknown[] },
  remove: Uint32Array | undefined,
  now: number,
): Promise<{ key: string; data?: Uint8Array; count: number }> {
  const next = merge(await read(store, pointer), add.hashes, add.keys, remove);
  const key = flagKey(pointer);
  const count = next.hashes.length >>> 1;
  // No row left flagged: nothing to keep, where the store can delete.
  if (count === 0 && store.deleteBlobs !== undefined) return { key, count };
  const header: FlagHeader = { pointer, updatedAt: now };
  return { key, data: encodeBlob(header, next.hashes, JSON.stringify(next.keys)), count };
}

/** Writes what nextRowFlags computed. */
export async function writeRowFlags(store: Store, next: { key: string; data?: Uint8Array }): Promise<void> {
  if (next.data !== undefined) await store.putBlobs([{ key: next.key, data: next.data }]);
  else await store.deleteBlobs?.([next.key]);
}

/** Flags rows of a pointer as wrong (adds to the rows already flagged). Returns the count now flagged. */
export async function flagRows(
  store: Store,
  pointer: string,
  keys: ArrayLike<RowKey>,
  now = Date.now(),
): Promise<number> {
  checkPointer('pointer', pointer);
  const add = { hashes: hashKeys(keys), keys: Array.from(keys, keyToJson) };
  const next = await nextRowFlags(store, pointer, add, undefined, now);
  await writeRowFlags(store, next);
  return next.count;
}

/** Unflags the given rows of a pointer, or all of its rows when `keys` is omitted. Returns the count still flagged. */
export async function unflagRows(
  store: Store,
  pointer: string,
  keys?: ArrayLike<RowKey>,
  now = Date.now(),
): Promise<number> {
  checkPointer('pointer', pointer);
  const none = { hashes: new Uint32Array(0), keys: [] };
  if (keys === undefined) {
    // Every row: whatever is flagged now goes.
    await writeRowFlags(store, await nextRowFlags(store, pointer, none, (await read(store, pointer)).hashes, now));
    return 0;
  }
  const next = await nextRowFlags(store, pointer, none, hashKeys(keys), now);
  await writeRowFlags(store, next);
  return next.count;
}

/** The flagged rows of a pointer (none flagged: empty). */
export async function flaggedRows(store: Store, pointer: string): Promise<FlaggedRows> {
  checkPointer('pointer', pointer);
  const [data] = await store.getBlobs([flagKey(pointer)]);
  if (data === undefined) return { pointer, hashes: new Uint32Array(0), rows: [] };
  const blob = decodeBlob<FlagHeader>(data, flagKey(pointer));
  return decodeFlags(blob.header, blob.body, blob.text?.() ?? []);
}

function decodeFlags(header: FlagHeader, body: Uint32Array, keys: unknown[]): FlaggedRows {
  const rows: RowRef[] = [];
  for (let i = 0; i < body.length >>> 1; i++) {
    const ref: RowRef = { hash: toHex(body[2 * i] as number, body[2 * i + 1] as number) };
    const k = keys[i];
    if (k !== undefined && k !== null) ref.key = keyFromJson(k);
    rows.push(ref);
  }
  return { pointer: header.pointer, hashes: body.slice(), rows, updatedAt: header.updatedAt };
}

/** Every pointer with flagged rows, with its flags, ordered by pointer name. */
export async function allFlaggedRows(store: Store): Promise<FlaggedRows[]> {
  const keys = await store.listBlobs(FLAG_PREFIX);
  const datas = await store.getBlobs(keys);
  const out: FlaggedRows[] = [];
  for (const [i, data] of datas.entries()) {
    if (data === undefined) continue;
    const blob = decodeBlob<FlagHeader>(data, keys[i] as string);
    if (blob.body.length > 0) out.push(decodeFlags(blob.header, blob.body, blob.text?.() ?? []));
  }
  return out.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

/** How many rows of each pointer are flagged (pointers with none left out), ordered by pointer name. */
export interface FlaggedRowCount {
  pointer: string;
  rows: number;
  updatedAt?: number;
}

/** Every pointer with flagged rows and how many: what a person on call sees first. */
export async function flaggedRowCounts(store: Store): Promise<FlaggedRowCount[]> {
  return (await allFlaggedRows(store)).map((f) => ({
    pointer: f.pointer,
    rows: f.hashes.length >>> 1,
    ...(f.updatedAt === undefined ? {} : { updatedAt: f.updatedAt }),
  }));
}
