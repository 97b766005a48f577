import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { readRowManifest } from './chunk-cache.js';
import type { RunRowsManifest } from './format/codec.js';

const PEERS = 1000;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[n >> 1] as number) : ((s[(n >> 1) - 1] as number) + (s[n >> 1] as number)) / 2;
}

/** True when x is an outlier among xs by a robust z-score (median and MAD). */
function outlier(x: number, xs: number[]): { med: number } | undefined {
  if (xs.length < 4) return undefined;
  const med = median(xs);
  const mad = median(xs.map((v) => Math.abs(v - med)));
  const scale = Math.max(1.4826 * mad, Math.abs(med) * 0.01, 1e-9);
  return Math.abs(x - med) / scale > 4 ? { med } : undefined;
}

/** The value most runs share, when more than half share it. */
function majority(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, c] of counts) if (c * 2 > values.length) return v;
  return undefined;
}

const rowsOf = (m: RunRowsManifest | undefined): number => (m?.pairs ?? []).reduce((s, p) => s + p.rows, 0);

/**
 * How each run differs from the other runs of its component, in words: code version, params
 * and row counts against the majority or the median, and duration. Used only to order
 * candidates whose scores tie; an empty list means nothing sets the run apart.
 */
export async function runDifferences(
  store: Store,
  runs: readonly Run[],
  manifests: Map<string, RunRowsManifest | undefined>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const byComponent = new Map<string, Run[]>();
  for (const r of runs) {
    const list = byComponent.get(r.component) ?? [];
    list.push(r);
    byComponent.set(r.component, list);
  }
  for (const [component, mine] of byComponent) {
    const page = await store.scanRuns({ component, limit: PEERS });
    const peers = page.runs;
    const missing = peers.filter((p) => !manifests.has(p.id));
    for (const p of missing) manifests.set(p.id, await readRowManifest(store, p.id));
    const commits = peers.map((p) => p.code?.commit ?? '');
    const commitMajority = majority(commits);
    const paramKeys = new Set<string>();
    for (const p of peers) for (const k of Object.keys(p.params)) paramKeys.add(k);
    const paramMajority = new Map<string, string | undefined>();
    for (const k of paramKeys) paramMajority.set(k, majority(peers.map((p) => JSON.stringify(p.params[k] ?? null))));
    const durations = peers.map((p) => p.endedAt - p.startedAt);
    const rowCounts = peers.map((p) => rowsOf(manifests.get(p.id))).filter((n) => n > 0);
    for (const r of mine) {
      const diffs: string[] = [];
      const commit = r.code?.commit ?? '';
      if (commitMajority !== undefined && commit !== commitMajority) {
        diffs.push(
          `code version ${commit || '(none)'} differs from most runs of ${component} (${commitMajority || '(none)'})`,
        );
      }
      for (const [k, maj] of paramMajority) {
        const v = JSON.stringify(r.params[k] ?? null);
        if (maj !== undefined && v !== maj) diffs.push(`params.${k} = ${v} (most runs: ${maj})`);
      }
      const d = outlier(r.endedAt - r.startedAt, durations);
      if (d !== undefined) diffs.push(`took ${r.endedAt - r.startedAt} ms (median ${d.med} ms)`);
      const rows = rowsOf(manifests.get(r.id));
      const c = rows > 0 ? outlier(rows, rowCounts) : undefined;
      if (c !== undefined) diffs.push(`recorded ${rows} rows of lineage (median ${c.med})`);
      out.set(r.id, diffs);
    }
  }
  return out;
}
