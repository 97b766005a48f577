/**
 * Notebook rendering: a trace, a review or a row trace as one self-contained HTML string
 * (inline styles, inline SVG, no scripts, no external assets; every name escaped). Display it
 * with any notebook's HTML output, or write it to a file and open it.
 */
import type { Review } from '../analysis/review.js';
import type { Trace } from '../analysis/trace.js';
import type { RowRef, RowTrace } from '../rows/trace.js';
import { escapeHtml } from './escape.js';
import { clip, counted, formatDuration, formatScore, formatTime, shortId } from './format.js';
import { type TraceSvgOptions, traceSvg } from './svg.js';

const BOX =
  'font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:13px;color:#15202b;line-height:1.4;max-width:100%';
const TABLE = 'border-collapse:collapse;margin:6px 0 12px;font-size:12px';
const TH = 'text-align:left;padding:4px 8px;border-bottom:2px solid #cfd6e0;background:#f4f6f9;white-space:nowrap';
const TD = 'padding:4px 8px;border-bottom:1px solid #e3e7ee;vertical-align:top';
const MONO = 'font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px';
const H = 'font-size:14px;margin:8px 0 4px';

const e = escapeHtml;

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th style="${TH}">${e(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="${TD}">${c}</td>`).join('')}</tr>`).join('');
  return `<table style="${TABLE}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const mono = (text: string) => `<span style="${MONO}">${e(text)}</span>`;

/** A trace: what it is of, the DAG picture, and a table of its runs by depth. */
export function renderTrace(trace: Trace, options: TraceSvgOptions = {}): string {
  const of = 'pointer' in trace.target ? `pointer ${trace.target.pointer}` : `run ${trace.target.run}`;
  const rows = trace.nodes.map((n) => [
    String(n.depth),
    e(n.run.component),
    mono(n.run.id),
    e(formatTime(n.run.startedAt)),
    e(formatDuration(n.run.endedAt - n.run.startedAt)),
    n.run.status === 'failed'
      ? `<span style="color:#c62828">failed${n.run.error ? `: ${e(clip(n.run.error.message, 120))}` : ''}</span>`
      : 'succeeded',
    mono(n.run.code?.commit === undefined ? '-' : n.run.code.commit.slice(0, 12)),
  ]);
  return (
    `<div style="${BOX}"><div style="${H}"><b>Trace</b> of ${e(of)}: ${counted(trace.nodes.length, 'run')}${trace.truncated ? ' (depth limit reached)' : ''}</div>` +
    `<div style="overflow:auto;max-width:100%;border:1px solid #e3e7ee;border-radius:6px;background:#fff">${traceSvg(trace, options)}</div>` +
    table(['depth', 'component', 'run', 'started (UTC)', 'duration', 'status', 'commit'], rows) +
    '</div>'
  );
}

/** A review: the flagged outputs, then ranked groups of runs and components with their evidence. */
export function renderReview(review: Review): string {
  const evidence = (g: { rank: number; score: number; ef: number; ep: number }) => [
    `<b>${g.rank}</b>`,
    e(formatScore(g.score)),
    e(`${g.ef} / ${review.F}`),
    e(`${g.ep} / ${review.P}`),
  ];
  const runRows = review.runs.map((g) => [
    ...evidence(g),
    g.candidates
      .map(
        (c) =>
          `${e(c.component)} ${mono(shortId(c.id))} <span style="color:#5b6778">${e(formatTime(c.startedAt))}</span>`,
      )
      .join('<br>') +
      (g.candidates.length > 1 ? `<div style="color:#8a5a00;font-size:11px">${g.candidates.length} tied</div>` : ''),
  ]);
  const componentRows = review.components.map((g) => [...evidence(g), g.candidates.map((c) => e(c.name)).join(', ')]);
  const head = ['rank', 'score', 'flagged (ef / F)', 'unflagged (ep / P)'];
  const flagged = review.flagged
    .slice(0, 50)
    .map(
      (f) =>
        `<li>${mono(f.pointer)}${f.component === undefined ? ' <i>(no producer)</i>' : ` from ${e(f.component)}`}</li>`,
    )
    .join('');
  return (
    `<div style="${BOX}"><div style="${H}"><b>Review</b> (${e(review.method)}): ${counted(review.F, 'flagged output')}, ${review.P} unflagged outputs of the same components</div>` +
    `<div style="${H}">Runs</div>` +
    (runRows.length === 0 ? '<p>No candidates: flag some outputs first.</p>' : table([...head, 'runs'], runRows)) +
    `<div style="${H}">Components</div>` +
    (componentRows.length === 0 ? '<p>No candidates.</p>' : table([...head, 'components'], componentRows)) +
    `<details><summary>Flagged outputs (${review.flagged.length})</summary><ul style="margin:4px 0;padding-left:20px">${flagged}${
      review.flagged.length > 50 ? `<li>… ${review.flagged.length - 50} more</li>` : ''
    }</ul></details></div>`
  );
}

/** A row shown by its key when the run kept keys, else by its hash. */
export function rowLabel(row: RowRef): string {
  return row.key === undefined
    ? `#${row.hash}`
    : JSON.stringify(row.key, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

function rowList(rows: RowRef[], count: number, max = 12): string {
  const shown = rows.slice(0, max).map((r) => mono(clip(rowLabel(r), 80)));
  const more = count - shown.length;
  return shown.join(', ') + (more > 0 ? ` <span style="color:#5b6778">… ${more} more</span>` : '') || '<i>none</i>';
}

/** A row trace: the row's path through the runs, step by step, and the raw rows it came from. */
export function renderRowTrace(rowTrace: RowTrace): string {
  const steps = rowTrace.steps.map((s) => [
    String(s.depth),
    `${e(s.run.component)}<br>${mono(shortId(s.run.id))}`,
    `${mono(s.pointer)}<br>${rowList(s.rows, s.rowCount)}${s.note ? `<div style="color:#8a5a00">${e(s.note)}</div>` : ''}`,
    s.links
      .map(
        (l) => `${mono(l.pointer)} <span style="color:#5b6778">(${e(l.kind)})</span><br>${rowList(l.rows, l.rowCount)}`,
      )
      .join('<hr style="border:0;border-top:1px dashed #e3e7ee">') || '<i>none</i>',
  ]);
  const origins = rowTrace.origins.map((o) => [
    mono(o.pointer),
    rowList(o.rows, o.rowCount),
    o.run === undefined ? '-' : mono(shortId(o.run)),
  ]);
  const backward = rowTrace.direction === 'backward';
  return (
    `<div style="${BOX}"><div style="${H}"><b>Row ${backward ? 'trace' : 'impact'}</b> of ${mono(
      rowLabel({ hash: rowTrace.hash, key: rowTrace.key }),
    )} in ${mono(rowTrace.pointer)}${rowTrace.truncated ? ' (step limit reached)' : ''}</div>` +
    table(['depth', 'run', backward ? 'rows written' : 'rows read', backward ? 'came from' : 'led to'], steps) +
    (backward && origins.length > 0
      ? `<div style="${H}">Origins (rows with no recorded source)</div>${table(['pointer', 'rows', 'run'], origins)}`
      : '') +
    '</div>'
  );
}
