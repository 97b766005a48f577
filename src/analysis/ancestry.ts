import type { Run } from '../model.js';
import type { Store } from '../store.js';

/**
 * Runs numbered as they are added, then completed with every run upstream of some of them
 * into a compact CSR adjacency over those numbers.
 */
export class Ancestry {
  readonly runs: Run[] = [];
  readonly index = new Map<string, number>();
  offsets = new Int32Array(1);
  targets = new Int32Array(0);

  add(run: Run): number {
    const i = this.runs.length;
    this.index.set(run.id, i);
    this.runs.push(run);
    return i;
  }

  /** Adds every run upstream of the runs numbered `roots`, one store call per generation. */
  async complete(store: Store, roots: number[]): Promise<void> {
    const visited: boolean[] = [];
    let frontier = roots;
    while (frontier.length > 0) {
      const next: number[] = [];
      const missing = new Set<string>();
      for (const i of frontier) {
        if (visited[i] === true) continue;
        visited[i] = true;
        for (const dep of (this.runs[i] as Run).dependencies) {
          const j = this.index.get(dep);
          if (j === undefined) missing.add(dep);
          else if (visited[j] !== true) next.push(j);
        }
      }
      if (missing.size > 0) {
        for (const run of await store.getRuns([...missing])) {
          if (run !== undefined && !this.index.has(run.id)) next.push(this.add(run));
        }
      }
      frontier = next;
    }
    const { runs, index } = this;
    const offsets = new Int32Array(runs.length + 1);
    let edges = 0;
    runs.forEach((run, i) => {
      for (const dep of run.dependencies) if (index.has(dep)) edges++;
      offsets[i + 1] = edges;
    });
    const targets = new Int32Array(edges);
    let at = 0;
    for (const run of runs) {
      for (const dep of run.dependencies) {
        const j = index.get(dep);
        if (j !== undefined) targets[at++] = j;
      }
    }
    this.offsets = offsets;
    this.targets = targets;
  }

  /**
   * 1 for each aggregating run: one that read the outputs of two or more runs of one component
   * (a model trained on a week of features). What reaches a run only through one is weak
   * evidence, as the row review treats steps without row lineage.
   */
  aggregating(): Uint8Array {
    const out = new Uint8Array(this.runs.length);
    const seen = new Set<string>();
    for (let i = 0; i < this.runs.length; i++) {
      seen.clear();
      for (let e = this.offsets[i] as number; e < (this.offsets[i + 1] as number); e++) {
        const c = (this.runs[this.targets[e] as number] as Run).component;
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
