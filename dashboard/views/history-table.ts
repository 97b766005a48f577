/**
 * A component's history as a table worth scanning: commit, params and one metric beside each
 * run, what changed since the run before in bold, and a gate column that names a failed check
 * or a missing output (a run that wrote fewer outputs than its component usually does).
 */
import type { JsonValue, Run } from '../../src/model.js';
import { counted, formatDuration, formatTime } from '../../src/render/format.js';
import { h, table } from '../dom.js';
import type { ViewContext } from '../view-context.js';
import { outputsCell, runLink, traceLink } from './run-cells.js';

/** Why a run fails its gate, in words; undefined when it passes (or has nothing to check). */
export function gateFailure(run: Run, usualOutputs: number): string | undefined {
  const bad = (run.checks ?? []).filter((c) => c.outcome !== 'pass');
  if (bad.length > 0)
    return `${bad.length === 1 ? 'check' : `${bad.length} checks`} not passed: ${bad.map((c) => `${c.name} (${c.outcome})`).join(', ')}`;
  if (run.outputs.length < usualOutputs)
    return `expected output missing: wrote ${run.outputs.length} of the usual ${counted(usualOutputs, 'output')}`;
  return undefined;
}

/** How many outputs the succeeded runs of the page most often write (0 when none succeeded). */
export function usualOutputCount(runs: Run[]): number {
  const seen = new Map<number, number>();
  for (const r of runs) if (r.status === 'succeeded') seen.set(r.outputs.length, (seen.get(r.outputs.length) ?? 0) + 1);
  let best = 0;
  let times = 0;
  for (const [n, t] of seen) if (t > times || (t === times && n > best)) [best, times] = [n, t];
  return best;
}

/** The metric names the runs carry, sorted. */
export function metricNames(runs: Run[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
}

const text = (v: JsonValue): string => (typeof v === 'string' ? v : JSON.stringify(v));
const metricText = (v: number | undefined) =>
  v === undefined ? '-' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));

/** `k=v` per param, the ones that differ from the run before (the next older) in bold. */
function paramsCell(run: Run, before: Run | undefined) {
  const entries = Object.entries(run.params);
  if (entries.length === 0) return h('span', { class: 'muted' }, '-');
  return h(
    'span',
    { class: 'mono' },
    ...entries.map(([k, v], i) => {
      const changed = before !== undefined && text(before.params[k] ?? null) !== text(v);
      const item = `${k}=${text(v)}`;
      return [
        i === 0 ? '' : ' ',
        changed ? h('b', { title: `changed since the run before (${text(before?.params[k] ?? null)})` }, item) : item,
      ];
    }),
  );
}

function commitCell(run: Run, before: Run | undefined) {
  const commit = run.code?.commit;
  if (commit === undefined) return h('span', { class: 'muted' }, '-');
  const label = `${commit.slice(0, 10)}${run.code?.dirty ? '+dirty' : ''}`;
  const changed = before !== undefined && before.code?.commit !== commit;
  return h(
    'span',
    { class: 'mono', title: `${commit}${run.code?.branch ? ` on ${run.code.branch}` : ''}` },
    changed ? h('b', {}, label) : label,
  );
}

function gateCell(run: Run, usual: number) {
  const failure = gateFailure(run, usual);
  if (failure !== undefined) return h('span', { class: 'status-failed' }, `✗ ${failure}`);
  const checks = run.checks?.length ?? 0;
  return checks === 0
    ? h('span', { class: 'muted' }, '-')
    : h('span', { class: 'status-succeeded' }, `✓ ${counted(checks, 'check')} passed`);
}

/** The history table, newest first; `metric` names the metric column's metric (no column without one). */
export function historyTable(ctx: ViewContext, runs: Run[], metric: string | undefined): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'muted' }, 'No runs.');
  const usual = usualOutputCount(runs);
  const head = [
    'started (UTC)',
    'run',
    'commit',
    'params',
    ...(metric === undefined ? [] : [metric]),
    'duration',
    'status',
    'gate',
    'outputs',
    { hidden: 'links' },
  ];
  const t = table(
    head,
    runs.map((r, i) => {
      const before = runs[i + 1];
      return [
        formatTime(r.startedAt),
        runLink(ctx, r),
        commitCell(r, before),
        paramsCell(r, before),
        ...(metric === undefined ? [] : [h('span', { class: 'mono' }, metricText(r.metrics[metric]))]),
        formatDuration(r.endedAt - r.startedAt),
        h('span', { class: `status-${r.status}` }, r.status),
        gateCell(r, usual),
        outputsCell(r),
        traceLink(ctx, r),
      ];
    }),
    { 'aria-label': 'runs', class: 'history' },
  );
  // A row whose gate failed is marked as a whole, for the eye (its gate cell says why, in words).
  runs.forEach((r, i) => {
    const row = t.tBodies[0]?.rows[i];
    if (row !== undefined && (r.status === 'failed' || gateFailure(r, usual) !== undefined))
      row.setAttribute('data-gate', 'failed');
  });
  return t;
}
