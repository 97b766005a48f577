import { PipetraceError } from '../errors.js';
import type { Component, PointerRecord, Run } from '../model.js';
import type { BlobRecord, Store } from '../store.js';
import { isPlainObject } from '../validate.js';
import type { JsonChunks, StoreSnapshot } from './types.js';

const RUN_PAGE = 500;
const BLOB_BATCH = 256;
/** Encoding yields to the event loop this often, so a big snapshot never blocks a page. */
const SLICE_MS = 8;

/** Lets other tasks run (timers, input, rendering) between slices of work; works in every host. */
const yieldTask = () => new Promise<void>((done) => setTimeout(done, 0));

class ChunkWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly ends: number[] = [];
  private size = 0;
  private readonly encoder = new TextEncoder();

  add(records: readonly unknown[]): void {
    if (records.length === 0) return;
    const bytes = this.encoder.encode(JSON.stringify(records));
    this.parts.push(bytes);
    this.size += bytes.length;
    this.ends.push(this.size);
  }

  finish(): JsonChunks {
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    return { data: data.buffer, ends: Uint32Array.from(this.ends).buffer };
  }
}

/**
 * Copies a whole store into a few ArrayBuffers: records as chunked JSON, blobs concatenated.
 * Reads page by page and yields between slices, so the caller's thread stays responsive.
 * Writes made while it runs may or may not be included.
 */
export async function encodeSnapshot(store: Store): Promise<StoreSnapshot> {
  let slice = performance.now();
  const maybeYield = async () => {
    if (performance.now() - slice >= SLICE_MS) {
      await yieldTask();
      slice = performance.now();
    }
  };
  const runs = new ChunkWriter();
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({ order: 'asc', limit: RUN_PAGE, ...(cursor === undefined ? {} : { cursor }) });
    runs.add(page.runs);
    cursor = page.cursor;
    await maybeYield();
  } while (cursor !== undefined);
  const components = new ChunkWriter();
  components.add(await store.scanComponents());
  const pointers = new ChunkWriter();
  pointers.add(await store.scanPointers());
  await maybeYield();
  const blobKeys = new ChunkWriter();
  const keys = await store.listBlobs('');
  const blobParts: Uint8Array[] = [];
  const blobEnds = new Float64Array(keys.length);
  let blobSize = 0;
  for (let i = 0; i < keys.length; i += BLOB_BATCH) {
    const batch = keys.slice(i, i + BLOB_BATCH);
    const data = await store.getBlobs(batch);
    const present: string[] = [];
    data.forEach((bytes, j) => {
      if (bytes === undefined) return; // deleted since listed
      present.push(batch[j] as string);
      blobParts.push(bytes);
      blobSize += bytes.length;
      blobEnds[blobParts.length - 1] = blobSize;
    });
    blobKeys.add(present);
    await maybeYield();
  }
  const blobData = new Uint8Array(blobSize);
  let at = 0;
  for (const p of blobParts) {
    blobData.set(p, at);
    at += p.length;
  }
  return {
    version: 1,
    runs: runs.finish(),
    components: components.finish(),
    pointers: pointers.finish(),
    blobKeys: blobKeys.finish(),
    blobEnds: blobEnds.slice(0, blobParts.length).buffer,
    blobData: blobData.buffer,
  };
}

/** The buffers to transfer with a snapshot (the sender loses them). */
export function snapshotBuffers(s: StoreSnapshot): ArrayBuffer[] {
  return [s.runs, s.components, s.pointers, s.blobKeys].flatMap((c) => [c.data, c.ends]).concat(s.blobEnds, s.blobData);
}

const bad = (what: string) => new PipetraceError('invalid_input', `snapshot: ${what}`, { field: 'snapshot' });

function decodeChunks<T>(chunks: unknown, what: string): T[] {
  if (!isPlainObject(chunks) || !(chunks.data instanceof ArrayBuffer) || !(chunks.ends instanceof ArrayBuffer)) {
    throw bad(`${what} must be { data, ends } ArrayBuffers`);
  }
  if (chunks.ends.byteLength % 4 !== 0) throw bad(`${what}.ends is not a Uint32Array`);
  const data = new Uint8Array(chunks.data);
  const ends = new Uint32Array(chunks.ends);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: T[] = [];
  let start = 0;
  for (const end of ends) {
    if (end < start || end > data.length) throw bad(`${what}.ends are out of order or out of range`);
    let records: unknown;
    try {
      records = JSON.parse(decoder.decode(data.subarray(start, end)));
    } catch (cause) {
      throw new PipetraceError('invalid_input', `snapshot: ${what} holds a chunk that is not JSON`, { cause });
    }
    if (!Array.isArray(records)) throw bad(`${what} holds a chunk that is not an array`);
    for (const r of records) out.push(r as T);
    start = end;
  }
  return out;
}

/** The records of a snapshot, checked for shape (the worker puts them into a memory store). */
export interface SnapshotRecords {
  runs: Run[];
  components: Component[];
  pointers: PointerRecord[];
  blobs: BlobRecord[];
}

export function decodeSnapshot(snapshot: unknown): SnapshotRecords {
  if (!isPlainObject(snapshot) || snapshot.version !== 1) throw bad('unknown format (expected version 1)');
  const runs = decodeChunks<Run>(snapshot.runs, 'runs');
  const components = decodeChunks<Component>(snapshot.components, 'components');
  const pointers = decodeChunks<PointerRecord>(snapshot.pointers, 'pointers');
  const keys = decodeChunks<string>(snapshot.blobKeys, 'blobKeys');
  if (!(snapshot.blobEnds instanceof ArrayBuffer) || !(snapshot.blobData instanceof ArrayBuffer))
    throw bad('blobEnds and blobData must be ArrayBuffers');
  if (snapshot.blobEnds.byteLength !== keys.length * 8) throw bad('blobEnds does not match the blob keys');
  const ends = new Float64Array(snapshot.blobEnds);
  const data = new Uint8Array(snapshot.blobData);
  const blobs: BlobRecord[] = [];
  let start = 0;
  keys.forEach((key, i) => {
    const end = ends[i] as number;
    if (typeof key !== 'string' || !(end >= start && end <= data.length)) throw bad(`blob ${i} is malformed`);
    blobs.push({ key, data: data.subarray(start, end) });
    start = end;
  });
  for (const [i, r] of runs.entries())
    if (!isPlainObject(r) || typeof r.id !== 'string') throw bad(`runs[${i}] is not a run`);
  for (const [i, c] of components.entries())
    if (!isPlainObject(c) || typeof c.name !== 'string') throw bad(`components[${i}] is not a component`);
  for (const [i, p] of pointers.entries())
    if (!isPlainObject(p) || typeof p.name !== 'string') throw bad(`pointers[${i}] is not a pointer record`);
  return { runs, components, pointers, blobs };
}

/** Loads decoded records into an empty store (the worker passes a fresh memory store). */
export async function loadSnapshot(store: Store, records: SnapshotRecords): Promise<Store> {
  await store.putComponents(records.components);
  await store.putPointers(records.pointers);
  for (let i = 0; i < records.runs.length; i += 10_000) await store.putRuns(records.runs.slice(i, i + 10_000));
  for (let i = 0; i < records.blobs.length; i += 1000) await store.putBlobs(records.blobs.slice(i, i + 1000));
  return store;
}

/** Row flags live in blobs under this prefix (src/rows/flags.ts); they change after runs are logged. */
const FLAG_PREFIX = 'rows/f/';

/**
 * What the blobs looked like: every key, and the bytes of the row-flag blobs. Blob writes
 * raise no store event, so the analyst compares this before each call to know whether its
 * snapshot is stale (lineage chunks are written once per key, so keys alone describe them).
 */
export async function blobState(store: Store): Promise<{ keys: string[]; flags: (Uint8Array | undefined)[] }> {
  const keys = await store.listBlobs('');
  const flags = await store.getBlobs(keys.filter((k) => k.startsWith(FLAG_PREFIX)));
  return { keys, flags };
}

export function sameBlobState(
  a: { keys: string[]; flags: (Uint8Array | undefined)[] },
  b: { keys: string[]; flags: (Uint8Array | undefined)[] },
): boolean {
  if (a.keys.length !== b.keys.length || a.flags.length !== b.flags.length) return false;
  for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false;
  for (let i = 0; i < a.flags.length; i++) {
    const x = a.flags[i];
    const y = b.flags[i];
    if (x === undefined || y === undefined) {
      if (x !== y) return false;
      continue;
    }
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}
