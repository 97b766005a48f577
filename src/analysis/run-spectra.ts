/**
 * The run-level spectra: for every run and every group of runs (a version, a component), the
 * flagged and unflagged outputs whose lineage holds it, counted by the outputs its lineage
 * actually reaches. An output reaches a run directly when no aggregating run lies on some
 * path between them; when some outputs reach a candidate directly, only those count.
 */

export interface Counts {
  /** Flagged and unflagged outputs reaching it directly. */
  directF: Float64Array;
  directP: Float64Array;
  /** Flagged and unflagged outputs reaching it at all. */
  allF: Float64Array;
  allP: Float64Array;
  /** Fewest aggregating steps to a flagged output (Infinity when none reaches it). */
  hops: Float64Array;
}

function counts(n: number): Counts {
  return {
    directF: new Float64Array(n),
    directP: new Float64Array(n),
    allF: new Float64Array(n),
    allP: new Float64Array(n),
    hops: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
  };
}

/** Groups of runs: the groups of run i are targets[offsets[i]] .. targets[offsets[i + 1]] - 1. */
export interface RunGroups {
  size: number;
  offsets: Int32Array;
  targets: Int32Array;
}

/**
 * Walks up from every producer (a run whose latest outputs hold `producedF[i]` flagged and
 * `producedP[i]` unflagged ones), level by level in aggregating steps, so each run is met at
 * its fewest; adds the producer's outputs to every run and group it meets, once each.
 */
export function runSpectra(
  graph: { size: number; offsets: Int32Array; targets: Int32Array },
  aggregating: Uint8Array,
  producers: readonly number[],
  producedF: Float64Array,
  producedP: Float64Array,
  groups: RunGroups,
): { runs: Counts; groups: Counts } {
  const n = graph.size;
  const runs = counts(n);
  const grouped = counts(groups.size);
  const seen = new Int32Array(n).fill(-1);
  const groupAll = new Int32Array(groups.size).fill(-1);
  const groupDirect = new Int32Array(groups.size).fill(-1);
  const stack = new Int32Array(n);
  let stamp = 0;
  for (const start of producers) {
    const cf = producedF[start] as number;
    const cp = producedP[start] as number;
    stamp++;
    let next: number[] = [start];
    for (let level = 0; next.length > 0; level++) {
      let top = 0;
      for (const v of next) {
        if (seen[v] === stamp) continue;
        seen[v] = stamp;
        stack[top++] = v;
      }
      next = [];
      while (top > 0) {
        const v = stack[--top] as number;
        meet(runs, v, level, cf, cp);
        for (let e = groups.offsets[v] as number; e < (groups.offsets[v + 1] as number); e++) {
          const g = groups.targets[e] as number;
          if (groupAll[g] !== stamp) {
            groupAll[g] = stamp;
            grouped.allF[g] = (grouped.allF[g] as number) + cf;
            grouped.allP[g] = (grouped.allP[g] as number) + cp;
            if (cf > 0 && level < (grouped.hops[g] as number)) grouped.hops[g] = level;
          }
          if (level === 0 && groupDirect[g] !== stamp) {
            groupDirect[g] = stamp;
            grouped.directF[g] = (grouped.directF[g] as number) + cf;
            grouped.directP[g] = (grouped.directP[g] as number) + cp;
          }
        }
        const up = aggregating[v] === 1;
        for (let e = graph.offsets[v] as number; e < (graph.offsets[v + 1] as number); e++) {
          const u = graph.targets[e] as number;
          if (seen[u] === stamp) continue;
          if (up) next.push(u);
          else {
            seen[u] = stamp;
            stack[top++] = u;
          }
        }
      }
    }
  }
  return { runs, groups: grouped };
}

function meet(c: Counts, v: number, level: number, cf: number, cp: number): void {
  c.allF[v] = (c.allF[v] as number) + cf;
  c.allP[v] = (c.allP[v] as number) + cp;
  if (level === 0) {
    c.directF[v] = (c.directF[v] as number) + cf;
    c.directP[v] = (c.directP[v] as number) + cp;
  }
  if (cf > 0 && level < (c.hops[v] as number)) c.hops[v] = level;
}

/** The counts a candidate is scored by: direct ones when any output reaches it directly. */
export function reachOf(c: Counts, i: number): { ef: number; ep: number; reach: 'direct' | 'aggregate' } {
  const f = c.directF[i] as number;
  const p = c.directP[i] as number;
  return f + p > 0
    ? { ef: f, ep: p, reach: 'direct' }
    : { ef: c.allF[i] as number, ep: c.allP[i] as number, reach: 'aggregate' };
}
