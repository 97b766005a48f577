/**
 * The one row walk shared by traceRow, impact and propagate: a frontier of (run, pointer)
 * nodes popped in write-key order, the links of a node (its pairs, inputs and upstream runs,
 * or its readers), and the one set type for 64-bit row hashes.
 */
import type { Run } from '../model.js';
import { compareWriteKeys, dependencyBound, type Store, type WriterRef } from '../store.js';
import type { PairManifest, RunRowsManifest } from './format/codec.js';
import { keyFromJson, type RowRef, toHex } from './format/keys.js';
import { HashTable64 } from './hashset.js';

/** Distinct row hashes in first-seen order, with keys where known. A trace holds a few: a table only past a handful. */
export class RowSet {
  private table: HashTable64 | undefined;
  /** Interleaved (hi, lo) hashes, in first-seen order. */
  hashes: number[] = [];
  private keyOf: Map<number, unknown> | undefined;
  add(hi: number, lo: number, key?: unknown): void {
    const at = this.indexOf(hi >>> 0, lo >>> 0);
    if (key !== undefined && !this.hasKey(at)) this.setKey(at, key);
  }
  /** Adds every row of `other`, with its keys. */
  addAll(other: RowSet): void {
    const h = other.hashes;
    for (let j = 0; j < h.length; j += 2) this.add(h[j] as number, h[j + 1] as number, other.key(j / 2));
  }
  /** Adds interleaved hashes, with `keys[i]` for hash i where given. */
  addPacked(hashes: Uint32Array, keys?: readonly unknown[]): void {
    for (let i = 0; i < hashes.length >>> 1; i++)
      this.add(hashes[2 * i] as number, hashes[2 * i + 1] as number, keys?.[i]);
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
  /** The first `max` rows as results show them. */
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

/** A node of the walk: a version of a pointer, by the run that wrote it (none for raw data). */
export interface WalkNode {
  run?: Run | undefined;
  pointer: string;
}

interface Slot<N> {
  node: N;
  /** Insertion order: ties (one run, several pointers) pop first-added first. */
  seq: number;
}

/**
 * The pending nodes, one per (run, pointer), popped newest writer first (backward: every reader
 * of a node is visited before it) or oldest first (forward: a node's rows are complete before it
 * is followed); raw data counts as oldest. A binary heap: O(log n) a step.
 */
export class Frontier<N extends WalkNode> {
  private readonly byKey = new Map<string, N>();
  private readonly heap: Slot<N>[] = [];
  private seq = 0;
  private readonly newest: boolean;

  constructor(order: 'newest' | 'oldest') {
    this.newest = order === 'newest';
  }

  get size(): number {
    return this.heap.length;
  }

  /** The pending node for `run` and `pointer`, if any (to merge rows into it). */
  get(run: Run | undefined, pointer: string): N | undefined {
    return this.byKey.get(keyOf(run, pointer));
  }

  /** Adds a node; there must be none pending for its run and pointer. */
  add(node: N): N {
    this.byKey.set(keyOf(node.run, node.pointer), node);
    const heap = this.heap;
    heap.push({ node, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i] as Slot<N>, heap[parent] as Slot<N>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Slot<N>, heap[i] as Slot<N>];
      i = parent;
    }
    return node;
  }

  /** Removes and returns the next node in write-key order. */
  pop(): N | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Slot<N>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && this.before(heap[l] as Slot<N>, heap[best] as Slot<N>)) best = l;
        if (r < heap.length && this.before(heap[r] as Slot<N>, heap[best] as Slot<N>)) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best] as Slot<N>, heap[i] as Slot<N>];
        i = best;
      }
    }
    this.byKey.delete(keyOf(top.node.run, top.node.pointer));
    return top.node;
  }

  private before(x: Slot<N>, y: Slot<N>): boolean {
    const a = x.node.run;
    const b = y.node.run;
    // Raw data (no run) is older than any run: only a forward walk starts there.
    const c = a === undefined ? (b === undefined ? 0 : -1) : b === undefined ? 1 : compareWriteKeys(a, b);
    if (c === 0) return x.seq < y.seq;
    return this.newest ? c > 0 : c < 0;
  }
}

const keyOf = (run: Run | undefined, pointer: string): string => `${run?.id ?? ''}\u0000${pointer}`;

/** A node's links backward: its run's pairs for the pointer, the run's inputs, and each input's upstream writer. */
export interface Upstream {
  pairs: PairManifest[];
  inputs: string[];
  /** The run that wrote each input before this run started (undefined: raw data). */
  runs: (Run | undefined)[];
}

/** The pairs, inputs and upstream runs of the node (run, pointer), given the run's manifest. */
export async function upstreamOf(
  store: Store,
  run: Run,
  pointer: string,
  manifest: RunRowsManifest | undefined,
): Promise<Upstream> {
  const { pairs, inputs } = inputsOf(run, pointer, manifest);
  const writers = await writersOf(store, run, inputs);
  const runs = await store.getRuns(writers.map((w) => w?.id ?? ''));
  return { pairs, inputs, runs };
}

export function inputsOf(
  run: Run,
  pointer: string,
  manifest: RunRowsManifest | undefined,
): { pairs: PairManifest[]; inputs: string[] } {
  const pairs = (manifest?.pairs ?? []).filter((p) => p.output === pointer);
  const inputs: string[] = [];
  for (const p of run.inputs) if (!inputs.includes(p)) inputs.push(p);
  for (const p of pairs) if (!inputs.includes(p.input)) inputs.push(p.input);
  return { pairs, inputs };
}

export function writersOf(
  store: Store,
  run: { id: string; startedAt: number },
  inputs: readonly string[],
): Promise<(WriterRef | undefined)[]> | (WriterRef | undefined)[] {
  const queries = inputs.map((p) => ({ pointer: p, before: dependencyBound(run) }));
  // The store's synchronous twin where it has one (the memory store): one promise fewer a step.
  const sync = store.sync;
  return sync?.store === store ? sync.latestWriters(queries) : store.latestWriters(queries);
}

/** A run's manifest bytes, read ahead of its step. */
export type ManifestRead = Promise<(Uint8Array | undefined)[]>;

/** The runs that read the version of `pointer` that `writer` wrote (undefined: raw data), in scan order. */
export async function readersOf(store: Store, pointer: string, writer: Run | undefined): Promise<Run[]> {
  const all: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns(
      cursor === undefined
        ? { input: pointer, order: 'asc', limit: 1000 }
        : { input: pointer, order: 'asc', limit: 1000, cursor },
    );
    all.push(...page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  const writers = await store.latestWriters(all.map((r) => ({ pointer, before: dependencyBound(r) })));
  return all.filter((_, i) => (writers[i]?.id ?? undefined) === writer?.id);
}
