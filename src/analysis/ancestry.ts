import type { Run } from '../model.js';
import type { RunColumns } from '../run-columns.js';
import type { RunTable } from '../run-table.js';
import type { Store } from '../store.js';
import type { VersionedRuns } from './versions.js';

/**
 * Runs numbered as they are added (each a slot of a RunColumns, read in place), then completed
 * with every run upstream of some of them into a compact CSR adjacency over those numbers.
 * Over the memory store the columns are its own table and no Run object is made but for the
 * candidates; over other stores the runs read are put into a table of the review's own.
 */
export class Ancestry implements VersionedRuns {
  /** Slot of each numbered run. */
  private slotOf = new Int32Array(1024);
  /** Number of the run in each slot, -1 when not added. */
  private numberOf: Int32Array;
  size = 0;
  offsets = new Int32Array(1);
  targets = new Int32Array(0);

  /** `fetch`: a store to read missing runs from into `columns` (its own RunTable); none when the columns hold every run. */
  constructor(
    readonly columns: RunColumns,
    private readonly fetch?: { store: Store; table: RunTable },
  ) {
    this.numberOf = new Int32Array(Math.max(1024, columns.slots)).fill(-1);
  }

  /** The number of a stored run by id, undefined when not added. */
  numberOfId(id: string): number | undefined {
    const slot = this.columns.slotOf(id);
    const i = slot < 0 || slot >= this.numberOf.length ? -1 : (this.numberOf[slot] as number);
    return i < 0 ? undefined : i;
  }

  slot(i: number): number {
    return this.slotOf[i] as number;
  }

  component(i: number): string {
    return this.columns.component(this.slotOf[i] as number);
  }

  commit(i: number): string | undefined {
    return this.columns.commit(this.slotOf[i] as number);
  }

  params(i: number): Readonly<Record<string, unknown>> {
    return this.columns.params(this.slotOf[i] as number);
  }

  startedAt(i: number): number {
    return this.columns.startedAt(this.slotOf[i] as number);
  }

  id(i: number): string {
    return this.columns.id(this.slotOf[i] as number);
  }

  /** A fresh Run object: made only for the runs a review lists. */
  run(i: number): Run {
    return this.columns.run(this.slotOf[i] as number);
  }

  /** Numbers the run in a slot (once; the same number again after). */
  add(slot: number): number {
    if (slot >= this.numberOf.length) {
      const grown = new Int32Array(Math.max(slot + 1, 2 * this.numberOf.length)).fill(-1);
      grown.set(this.numberOf);
      this.numberOf = grown;
    }
    const known = this.numberOf[slot] as number;
    if (known >= 0) return known;
    const i = this.size++;
    if (i >= this.slotOf.length) {
      const grown = new Int32Array(2 * this.slotOf.length);
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    this.slotOf[i] = slot;
    this.numberOf[slot] = i;
    return i;
  }

  /** The number of a slot's run, -1 when not added. */
  private numbered(slot: number): number {
    return slot < this.numberOf.length ? (this.numberOf[slot] as number) : -1;
  }

  /** Adds every run upstream of the runs numbered `roots`, one store call per generation. */
  async complete(roots: number[]): Promise<void> {
    const { columns } = this;
    let seen = new Uint8Array(Math.max(this.size, 1024));
    let frontier = roots;
    while (frontier.length > 0) {
      const next: number[] = [];
      const missing = new Set<string>();
      if (seen.length < this.size) {
        const grown = new Uint8Array(2 * this.size);
        grown.set(seen);
        seen = grown;
      }
      for (const i of frontier) {
        if (seen[i] === 1) continue;
        seen[i] = 1;
        const slot = this.slotOf[i] as number;
        const from = columns.firstDependency(slot);
        const to = from + columns.dependencyCount(slot);
        const links = columns.links();
        for (let d = from; d < to; d++) {
          const dep = links[d] as number;
          const j = this.numbered(dep);
          if (j >= 0) {
            if (seen[j] !== 1) next.push(j);
          } else if (columns.stored(dep)) next.push(this.add(dep));
          else if (this.fetch !== undefined) missing.add(columns.id(dep));
        }
      }
      if (this.fetch !== undefined && missing.size > 0) {
        for (const run of await this.fetch.store.getRuns([...missing])) {
          if (run === undefined || columns.slotOf(run.id) >= 0) continue;
          this.fetch.table.put(run);
          next.push(this.add(columns.slotOf(run.id)));
        }
      }
      frontier = next;
    }
    this.link();
  }

  /** The CSR adjacency: for each numbered run, the numbers of its numbered dependencies. */
  private link(): void {
    const { columns, size } = this;
    const offsets = new Int32Array(size + 1);
    let edges = 0;
    for (let pass = 0; pass < 2; pass++) {
      const targets = pass === 0 ? undefined : new Int32Array(edges);
      let at = 0;
      for (let i = 0; i < size; i++) {
        const slot = this.slotOf[i] as number;
        const from = columns.firstDependency(slot);
        const to = from + columns.dependencyCount(slot);
        const links = columns.links();
        for (let d = from; d < to; d++) {
          const j = this.numbered(links[d] as number);
          if (j < 0) continue;
          if (targets === undefined) edges++;
          else targets[at++] = j;
        }
        if (targets === undefined) offsets[i + 1] = edges;
      }
      if (targets !== undefined) this.targets = targets;
    }
    this.offsets = offsets;
  }

  /**
   * 1 for each aggregating run: one that read the outputs of two or more runs of one component
   * (a model trained on a week of features). What reaches a run only through one is weak
   * evidence, as the row review treats steps without row lineage.
   */
  aggregating(): Uint8Array {
    const out = new Uint8Array(this.size);
    const seen = new Set<string>();
    for (let i = 0; i < this.size; i++) {
      const from = this.offsets[i] as number;
      const to = this.offsets[i + 1] as number;
      if (to - from < 2) continue;
      seen.clear();
      for (let e = from; e < to; e++) {
        const c = this.component(this.targets[e] as number);
        if (seen.has(c)) {
          out[i] = 1;
          break;
        }
        seen.add(c);
      }
    }
    return out;
  }
}
