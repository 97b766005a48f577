/** Labels and retractions as plain text, for the CLI. */
import type { Labelled, LabelledOutput } from '../labels/labelled.js';
import type { Retraction, RetractionItem, RetractionReport } from '../labels/retract.js';
import type { RowRef } from '../rows/trace.js';

const SHOWN = 5;

function rowsText(rows: RowRef[], count: number): string {
  const shown = rows.slice(0, SHOWN).map((r) => (r.key === undefined ? r.hash : JSON.stringify(r.key, big)));
  return `${count} rows: ${shown.join(', ')}${count > shown.length ? `, ... (${count - shown.length} more)` : ''}`;
}
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

function outputLine(o: LabelledOutput, extra = ''): string {
  const what = o.rowLevel ? rowsText(o.rows, o.rowCount) : (o.note ?? 'whole output');
  const version = o.current ? '' : ' (an older version, no longer in use)';
  return `  ${o.pointer} [${o.type}] by ${o.run.component} run ${o.run.id}${version}${extra}\n      ${what}`;
}

export function labelledText(l: Labelled): string {
  if (l.sources.length === 0) return `label ${JSON.stringify(l.label)} is on nothing`;
  const lines = [`label ${JSON.stringify(l.label)} is on:`];
  for (const s of l.sources)
    lines.push(
      `  ${s.pointer}${s.run === undefined ? ' (raw data)' : ` (run ${s.run})`}: ${s.whole ? 'the whole output' : rowsText(s.rows, s.rowCount)}`,
    );
  if (l.outputs.length === 0) lines.push('and reached nothing derived.');
  else {
    lines.push(`and reached ${l.outputs.length} outputs${l.exact ? ', row by row' : ''}:`);
    for (const o of l.outputs) lines.push(outputLine(o));
  }
  return lines.join('\n');
}

const itemLine = (i: RetractionItem) =>
  outputLine(i, i.flagged === 'none' ? '' : i.flagged === 'already' ? ', already flagged' : `, flagged (${i.flagged})`);

export function retractionText(r: RetractionReport): string {
  const when = new Date(r.retractedAt).toISOString();
  const lines = [
    `retraction of ${JSON.stringify(r.label)} at ${when}: ${r.reason}${r.open ? '' : ` (closed ${new Date(r.closedAt ?? 0).toISOString()})`}`,
    `flagged ${r.flagged.pointers} outputs and ${r.flagged.rows} rows (reason ${r.flagReason})`,
  ];
  const section = (title: string, items: RetractionItem[]) => {
    if (items.length === 0) return;
    lines.push(`${title}:`);
    for (const i of items) lines.push(itemLine(i));
  };
  section('models trained on the data', r.models);
  section('predictions', r.predictions);
  section('intermediate files', r.files);
  if (r.rebuild.length > 0) {
    lines.push('rebuild, in pipeline order:');
    r.rebuild.forEach((s, n) => {
      lines.push(`  ${n + 1}. ${s.run.component} (run ${s.run.id}): ${s.outputs.join(', ')}`);
    });
  }
  if (r.violations.length > 0) {
    lines.push('violations (read the data after the retraction):');
    for (const v of r.violations) lines.push(`  ${v.run.component} run ${v.run.id} read ${v.inputs.join(', ')}`);
  }
  return lines.join('\n');
}

export function retractionsText(list: Retraction[]): string {
  if (list.length === 0) return 'no open retractions';
  return list
    .map(
      (r) =>
        `${r.label}\t${new Date(r.at).toISOString()}\t${r.open ? 'open' : 'closed'}\t${r.flagged.pointers} outputs, ${r.flagged.rows} rows flagged\t${r.reason}`,
    )
    .join('\n');
}
