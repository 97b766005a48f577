/**
 * What sets a run or a component version apart from its component's other runs, in words.
 * Shared by the row review and the run-level review; used only to order candidates whose
 * scores tie, so an empty list means nothing sets the candidate apart.
 */
import type { Run } from '../model.js';
import type { Store } from '../store.js';

const PEERS = 1000;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[n >> 1] as number) : ((s[(n >> 1) - 1] as number) + (s[n >> 1] as number)) / 2;
}

/**
 * Tells outliers among xs by a robust z-score (median and MAD), computed once for all the runs
 * asked about: a review may ask about a thousand tied runs of one component.
 */
function outliers(xs: number[]): (x: number) => { med: number } | undefined {
  if (xs.length < 4) return () => undefined;
  const med = median(xs);
  const mad = median(xs.map((v) => Math.abs(v - med)));
  const scale = Math.max(1.4826 * mad, Math.abs(med) * 0.01, 1e-9);
  return (x) => (Math.abs(x - med) / scale > 4 ? { med } : undefined);
}

/** The value most runs share, when more than half share it. */
function majority(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, c] of counts) if (c * 2 > values.length) return v;
  return undefined;
}

/**
 * Rows of lineage each run recorded (the row review has them; the run-level review does not):
 * given a component's peer runs, a function from run to its row count (0: none recorded).
 */
export type RowCounts = (peers: readonly Run[]) => Promise<(run: Run) => number>;

/**
 * How each run differs from the other runs of its component: code version, params and status
 * against the majority; outputs written, duration and (with `rowCounts`) rows recorded against
 * the median, when far from it.
 */
export async function runDifferences(
  store: Store,
  runs: readonly Run[],
  rowCounts?: RowCounts,
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
    const rowsOf = rowCounts === undefined ? undefined : await rowCounts(peers);
    const commits = peers.map((p) => p.code?.commit ?? '');
    const commitMajority = majority(commits);
    const paramKeys = new Set<string>();
    for (const p of peers) for (const k of Object.keys(p.params)) paramKeys.add(k);
    const paramMajority = new Map<string, string | undefined>();
    for (const k of paramKeys) paramMajority.set(k, majority(peers.map((p) => JSON.stringify(p.params[k] ?? null))));
    const statusMajority = majority(peers.map((p) => p.status));
    const duration = outliers(peers.map((p) => p.endedAt - p.startedAt));
    const outputCount = outliers(peers.map((p) => p.outputs.length));
    const rowCount = outliers(rowsOf === undefined ? [] : peers.map(rowsOf).filter((n) => n > 0));
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
      if (statusMajority !== undefined && r.status !== statusMajority)
        diffs.push(`${r.status} (most runs of ${component}: ${statusMajority})`);
      const o = outputCount(r.outputs.length);
      if (o !== undefined) diffs.push(`wrote ${r.outputs.length} outputs (median ${o.med})`);
      const d = duration(r.endedAt - r.startedAt);
      if (d !== undefined) diffs.push(`took ${r.endedAt - r.startedAt} ms (median ${d.med} ms)`);
      const rows = rowsOf === undefined ? 0 : rowsOf(r);
      const c = rows > 0 ? rowCount(rows) : undefined;
      if (c !== undefined) diffs.push(`recorded ${rows} rows of lineage (median ${c.med})`);
      out.set(r.id, diffs);
    }
  }
  return out;
}

/**
 * A component version's difference: it ran in under half of its component's runs reached
 * (a minority version, the usual shape of a bad release); none otherwise.
 */
export function versionDifferences(
  c: { name: string; version: string; runs: number; params?: Record<string, string> },
  allRuns: number,
): string[] {
  if (c.runs * 2 >= allRuns) return [];
  const setting = Object.entries(c.params ?? {}).map(([k, v]) => ` with params.${k} = ${v}`);
  return [`version ${c.version}${setting.join('')} ran in ${c.runs} of ${allRuns} runs of ${c.name} reached`];
}
