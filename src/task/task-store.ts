/**
 * Tasks live in the store's blobs, so every adapter keeps them with no change of its own. A
 * batch is written once under a new time-sorted key and never rewritten, which lets readers
 * cache decoded batches by key; the key also carries the batch's count, so listing tasks reads
 * only keys.
 */
import { PipetraceError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { decodeBlob, encodeBlob } from '../rows/format/codec.js';
import { rowHash } from '../rows/format/keys.js';
import type { Store } from '../store.js';
import { type Batch, CHUNK_IDS, decodeBatch, encodeBatch, type StoredBatch } from './batch.js';
import type { TaskSummary } from './types.js';

export const TASK_PREFIX = 'task/';
export type Side = 'o' | 'f';

const taskDir = (name: string): string => `${TASK_PREFIX}${rowHash(name)}/`;
const nameKey = (name: string): string => `${taskDir(name)}n`;

/** Stores a checked batch (its name record and every chunk) in one atomic write. */
export async function writeBatch(
  store: Store,
  name: string,
  side: Side,
  batch: Batch,
  now: number,
): Promise<StoredBatch[]> {
  if (batch.ids.length === 0) return [];
  await checkName(store, name);
  const batchId = uuidv7(now);
  const chunks = encodeBatch(name, batch);
  const keys = chunks.map(
    (_, i) =>
      `${taskDir(name)}${side}/${batchId}-${String(i).padStart(5, '0')}.${Math.min(batch.ids.length - i * CHUNK_IDS, CHUNK_IDS)}`,
  );
  await store.putBlobs([
    { key: nameKey(name), data: encodeBlob({ v: 1, name }, new Uint32Array(0)) },
    ...chunks.map((data, i) => ({ key: keys[i] as string, data })),
  ]);
  return chunks.map((data, i) => decodeBatch(data, keys[i] as string));
}

async function checkName(store: Store, name: string): Promise<void> {
  const [data] = await store.getBlobs([nameKey(name)]);
  if (data !== undefined && decodeBlob<{ name: string }>(data, nameKey(name), 'task').header.name !== name) {
    throw new PipetraceError('conflict', `task ${JSON.stringify(name)} collides with another task's hash`);
  }
}

/** The task's batch keys of one side, oldest first (later batches win for an id). */
export async function batchKeys(store: Store, name: string, side: Side): Promise<string[]> {
  return (await store.listBlobs(`${taskDir(name)}${side}/`)).sort();
}

/** Every task, by name, with counts from the keys alone. */
export async function listTasks(store: Store): Promise<TaskSummary[]> {
  const keys = await store.listBlobs(TASK_PREFIX);
  const byDir = new Map<string, { name?: string; o: number; f: number; ob: number; fb: number }>();
  const nameKeys: string[] = [];
  for (const key of keys) {
    const parts = key.slice(TASK_PREFIX.length).split('/');
    const dir = parts[0] as string;
    let entry = byDir.get(dir);
    if (entry === undefined) {
      entry = { o: 0, f: 0, ob: 0, fb: 0 };
      byDir.set(dir, entry);
    }
    if (parts[1] === 'n') nameKeys.push(key);
    else if (parts[1] === 'o' || parts[1] === 'f') {
      // `<batch id>-<chunk>.<count>`: a batch is counted at its first chunk.
      const file = parts[2] ?? '';
      const dot = file.lastIndexOf('.');
      entry[parts[1]] += Number(file.slice(dot + 1)) || 0;
      if (file.slice(0, dot).endsWith('-00000')) entry[parts[1] === 'o' ? 'ob' : 'fb']++;
    }
  }
  const names = await store.getBlobs(nameKeys);
  names.forEach((data, i) => {
    if (data === undefined) return;
    const key = nameKeys[i] as string;
    const entry = byDir.get(key.slice(TASK_PREFIX.length).split('/')[0] as string);
    if (entry !== undefined) entry.name = decodeBlob<{ name: string }>(data, key, 'task').header.name;
  });
  return [...byDir.values()]
    .filter((e): e is typeof e & { name: string } => typeof e.name === 'string')
    .map((e) => ({ name: e.name, outputs: e.o, feedback: e.f, outputBatches: e.ob, feedbackBatches: e.fb }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when anything was ever logged for the task. */
export async function taskExists(store: Store, name: string): Promise<boolean> {
  const [data] = await store.getBlobs([nameKey(name)]);
  return data !== undefined;
}

// Decoded batches per store, by key: a key's bytes never change, so a hit needs no check. The
// cache is bounded by the ids it holds.
const CACHE_IDS = 8_000_000;
const caches = new WeakMap<Store, { ids: number; batches: Map<string, StoredBatch> }>();

/** The batches under `keys`, in that order, decoding only those not cached. */
export async function readBatches(store: Store, keys: readonly string[]): Promise<StoredBatch[]> {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = { ids: 0, batches: new Map() };
    caches.set(store, cache);
  }
  const missing = keys.filter((k) => !cache.batches.has(k));
  const datas = missing.length === 0 ? [] : await store.getBlobs(missing);
  const fresh = new Map<string, StoredBatch>();
  datas.forEach((data, i) => {
    const key = missing[i] as string;
    if (data === undefined) throw new PipetraceError('storage', `task batch ${key} vanished while being read`);
    fresh.set(key, decodeBatch(data, key));
  });
  const out = keys.map((k) => (cache.batches.get(k) ?? fresh.get(k)) as StoredBatch);
  for (const [key, batch] of fresh) {
    if (cache.ids + batch.n > CACHE_IDS) {
      cache.batches.clear();
      cache.ids = 0;
    }
    cache.batches.set(key, batch);
    cache.ids += batch.n;
  }
  return out;
}
