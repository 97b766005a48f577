/**
 * The flagged producers' ancestry as a graph of its own, numbered from 0: all a review walks.
 * Every path up from a flagged producer stays inside it, so the spectra over it equal those
 * over the whole population's graph, at the cost of the flagged lineage only.
 */
import type { Run } from '../model.js';
import type { Ancestry } from './ancestry.js';
import type { Population } from './run-population.js';
import type { RunGroups } from './run-spectra.js';

export class FlaggedLineage {
  /** Population number of each local run. */
  readonly global: number[] = [];
  private readonly local = new Map<number, number>();
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly aggregating: Uint8Array;
  readonly groups: RunGroups;
  /** Flagged outputs each local run produced. */
  readonly producedF: Float64Array;
  /** The local runs that produced a flagged output. */
  readonly producers: number[] = [];

  /** `flaggedBy`: population run number to the flagged outputs it produced. */
  constructor(
    private readonly graph: Ancestry,
    population: Pick<Population, 'aggregating' | 'groups'>,
    flaggedBy: Map<number, number>,
  ) {
    const { global, local } = this;
    for (const i of [...flaggedBy.keys()].sort((a, b) => a - b)) this.number(i);
    for (let k = 0; k < global.length; k++) {
      const i = global[k] as number;
      for (let e = graph.offsets[i] as number; e < (graph.offsets[i + 1] as number); e++)
        this.number(graph.targets[e] as number);
    }
    const n = global.length;
    const offsets = new Int32Array(n + 1);
    const targets: number[] = [];
    const groupOffsets = new Int32Array(n + 1);
    const groupTargets: number[] = [];
    const aggregating = new Uint8Array(n);
    const { groups } = population;
    for (let j = 0; j < n; j++) {
      const i = global[j] as number;
      for (let e = graph.offsets[i] as number; e < (graph.offsets[i + 1] as number); e++)
        targets.push(local.get(graph.targets[e] as number) as number);
      offsets[j + 1] = targets.length;
      for (let e = groups.offsets[i] as number; e < (groups.offsets[i + 1] as number); e++)
        groupTargets.push(groups.targets[e] as number);
      groupOffsets[j + 1] = groupTargets.length;
      aggregating[j] = population.aggregating[i] as number;
    }
    this.offsets = offsets;
    this.targets = Int32Array.from(targets);
    this.aggregating = aggregating;
    this.groups = { size: groups.size, offsets: groupOffsets, targets: Int32Array.from(groupTargets) };
    this.producedF = new Float64Array(n);
    for (const [i, count] of flaggedBy) {
      const j = local.get(i) as number;
      this.producedF[j] = count;
    }
    for (let j = 0; j < n; j++) if ((this.producedF[j] as number) > 0) this.producers.push(j);
  }

  private number(i: number): void {
    if (this.local.has(i)) return;
    this.local.set(i, this.global.length);
    this.global.push(i);
  }

  get size(): number {
    return this.global.length;
  }
  id(j: number): string {
    return this.graph.id(this.global[j] as number);
  }
  component(j: number): string {
    return this.graph.component(this.global[j] as number);
  }
  startedAt(j: number): number {
    return this.graph.startedAt(this.global[j] as number);
  }
  commit(j: number): string | undefined {
    return this.graph.commit(this.global[j] as number);
  }
  run(j: number): Run {
    return this.graph.run(this.global[j] as number);
  }
}
