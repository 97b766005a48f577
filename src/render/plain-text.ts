/**
 * Plain text for a terminal (the CLI and the demo): tables, the trace as a tree, runs, reviews
 * and row traces. No colour, so output pipes and diffs cleanly. Browser-safe, pure.
 */
import { REACH_TEXT, type ReviewCandidate } from '../analysis/candidate.js';
import type { Review } from '../analysis/review.js';
import type { Staleness } from '../analysis/staleness.js';
import type { Trace } from '../analysis/trace.js';
import type { Component, Pointer, Run } from '../model.js';
import type { DriftReport, OutputDrift } from '../monitor/drift.js';
import type { MonitorReport } from '../monitor/monitor.js';
import type { RowReview } from '../rows/review.js';
import type { RowRef, RowTrace } from '../rows/trace.js';
import type { TaskMetrics, TaskSummary } from '../task/types.js';
import { counted, formatDuration, formatScore, formatTime, shortId } from './format.js';
import { upstreamRowLines } from './review-sections.js';

/** A left-aligned table with a header row and a rule under it. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A list of pointers in one cell: the first few, then how many more. */
function pointers(list: string[], shown = 2): string {
  if (list.length === 0) return '-';
  const head = list.slice(0, shown).join(', ');
  return list.length > shown ? `${head} +${list.length - shown}` : head;
}

export function runsTable(runs: Run[]): string {
  if (runs.length === 0) return '(no runs)';
  return table(
    ['started (UTC)', 'component', 'run', 'took', 'status', 'outputs'],
    runs.map((r) => [
      formatTime(r.startedAt),
      r.component,
      r.id,
      formatDuration(r.endedAt - r.startedAt),
      r.status,
      pointers(r.outputs),
    ]),
  );
}

/** Every field of a run, one per line. */
export function runDetails(run: Run, staleness?: Staleness): string {
  const out = [
    `run        ${run.id}`,
    `component  ${run.component}`,
    `status     ${run.status}${run.error ? `: ${run.error.name}: ${run.error.message}` : ''}`,
    `started    ${formatTime(run.startedAt)} UTC, took ${formatDuration(run.endedAt - run.startedAt)}`,
  ];
  if (run.code !== undefined) {
    const c = run.code;
    const parts = [c.commit, c.branch && `on ${c.branch}`, c.tags?.length ? `tags ${c.tags.join(', ')}` : undefined];
    out.push(`code       ${parts.filter(Boolean).join(' ')}${c.dirty ? ' (dirty)' : ''}`);
  }
  const list = (label: string, items: string[]) => {
    out.push(`${label.padEnd(10)} ${items.length === 0 ? '-' : items[0]}`);
    for (const item of items.slice(1)) out.push(`${''.padEnd(10)} ${item}`);
  };
  list('inputs', run.inputs);
  list('outputs', run.outputs);
  list('depends on', run.dependencies);
  list(
    'params',
    Object.entries(run.params).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
  );
  list(
    'metrics',
    Object.entries(run.metrics).map(([k, v]) => `${k} = ${v}`),
  );
  list(
    'notes',
    run.notes.map((n) => `${formatTime(n.at)}  ${n.text}`),
  );
  if (run.snapshot !== undefined) out.push(`snapshot   ${run.snapshot.length} characters of code kept`);
  if (staleness !== undefined) out.push(`stale      ${stalenessText(staleness)}`);
  return out.join('\n');
}

export function stalenessText(s: Staleness): string {
  if (!s.stale) return `no (checked ${formatTime(s.checkedAt)} UTC, max age ${s.maxAgeDays} days)`;
  return ['yes', ...s.reasons.map((r) => `  - ${r.message}`)].join('\n');
}

/**
 * The trace as a tree from the root run down to its dependencies. A run reached twice (a
 * shared ancestor) is printed once in full, then named with "(see above)".
 */
export function traceTree(trace: Trace): string {
  const runs = new Map(trace.nodes.map((n) => [n.run.id, n.run]));
  const children = new Map<string, { to: string; via: string[] }[]>();
  for (const e of trace.edges) {
    const list = children.get(e.from) ?? [];
    list.push({ to: e.to, via: e.via });
    children.set(e.from, list);
  }
  const target = 'pointer' in trace.target ? trace.target.pointer : `run ${trace.target.run}`;
  const lines = [`${target}`];
  const shown = new Set<string>();
  const label = (run: Run) => `${run.component}  ${run.id}  ${formatTime(run.startedAt)}  ${run.status}`;
  const walk = (id: string, via: string[], prefix: string, last: boolean) => {
    const run = runs.get(id);
    if (run === undefined) return;
    const branch = last ? '└─ ' : '├─ ';
    const reads = via.length > 0 ? `  via ${pointers(via, 1)}` : '';
    if (shown.has(id)) {
      lines.push(`${prefix}${branch}${run.component}  ${run.id}  (see above)${reads}`);
      return;
    }
    shown.add(id);
    lines.push(`${prefix}${branch}${label(run)}${reads}`);
    const kids = children.get(id) ?? [];
    kids.forEach((k, i) => {
      walk(k.to, k.via, prefix + (last ? '   ' : '│  '), i === kids.length - 1);
    });
  };
  walk(trace.root, [], '', true);
  if (trace.truncated) lines.push('(cut off at the depth limit; more runs lie further upstream)');
  return lines.join('\n');
}

/** The run-level review: runs and code versions by tie group with their differences, then components. */
export function reviewText(review: Review, limit = 5): string {
  if (review.F === 0)
    return 'No flagged outputs with a producing run: flag some outputs first (pipetrace flag POINTER).';
  const out = [
    `Run review (${review.method}): ${review.F} flagged outputs, ${review.P} unflagged outputs of the same components`,
    ...candidateGroupLines(review.candidates, limit),
  ];
  if (review.components.length > 0) {
    out.push('', 'Components:');
    out.push(
      table(
        ['rank', 'component', 'score', 'ef', 'ep', 'best version'],
        review.components
          .slice(0, limit)
          .flatMap((g) =>
            g.candidates.map((c) => [
              `#${g.rank}`,
              c.name,
              formatScore(g.score),
              String(g.ef),
              String(g.ep),
              c.bestVersion ?? '-',
            ]),
          ),
      ),
    );
  }
  for (const n of review.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function candidateName(c: ReviewCandidate): string {
  if (c.kind === 'run' && c.run !== undefined) return `${c.run.component} run ${c.run.id}`;
  if (c.kind === 'component' && c.component !== undefined) {
    const params = Object.entries(c.component.params ?? {}).map(([k, v]) => ` with params.${k} = ${v}`);
    return `${c.component.name} at ${c.component.version.slice(0, 12)}${params.join('')} (${c.component.runs} runs)`;
  }
  if (c.row !== undefined) return `${c.row.pointer} row ${c.row.hash}`;
  return c.id;
}

/**
 * The first `groups` score groups of ranked candidates, each headed by its first candidate's
 * evidence and reach (a candidate whose own differ, as equal scores can, shows its own);
 * differences under each candidate.
 */
function candidateGroupLines(candidates: readonly ReviewCandidate[], groups: number): string[] {
  const out: string[] = [];
  let head: ReviewCandidate | undefined;
  for (const c of candidates) {
    if (c.group > groups) break;
    if (c.group !== head?.group) {
      head = c;
      const e = c.evidence;
      out.push(
        '',
        `Group ${c.group}: score ${formatScore(e.score)}  ef=${e.ef} ep=${e.ep} F=${e.F} P=${e.P}  (${REACH_TEXT[c.reach]})`,
      );
    }
    const own = [
      c.evidence.ef === head.evidence.ef && c.evidence.ep === head.evidence.ep
        ? ''
        : `ef=${c.evidence.ef} ep=${c.evidence.ep}`,
      c.reach === head.reach ? '' : REACH_TEXT[c.reach],
    ].filter((x) => x !== '');
    out.push(`  ${c.rank}. ${candidateName(c)}${own.length === 0 ? '' : `  (${own.join(', ')})`}`);
    for (const d of c.differences) out.push(`       - ${d}`);
  }
  return out;
}

/** The row review: the top tie groups of runs and components, each with its evidence and differences. */
export function rowReviewText(review: RowReview, groups = 3, originRows = 5): string {
  if (review.F === 0)
    return `Row review: no flagged rows${review.notes.length ? ` (${review.notes.join('; ')})` : ''}.`;
  const out = [
    `Row review (${review.metric}): ${review.F} flagged rows, ${review.P} unflagged rows of ${review.outputs.length} outputs`,
  ];
  out.push(...candidateGroupLines(review.candidates, groups));
  if (review.rows.length > 0 && originRows > 0) {
    // Only rows that stand out (behind several flagged rows), in the first `originRows` groups.
    out.push(...upstreamRowLines(review.rows, originRows));
  }
  for (const n of review.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

const rowText = (r: RowRef) => (r.key === undefined ? r.hash : JSON.stringify(r.key));

function rowList(rows: RowRef[], count: number, shown = 3): string {
  const head = rows.slice(0, shown).map(rowText).join(', ');
  return count > shown ? `${head} ... (${count} rows)` : head || '-';
}

/**
 * A row trace (backward) or impact (forward), step by step. Steps with row lineage are shown
 * with their rows; runs reached only at run level (through a model, say) are listed briefly.
 */
export function rowTraceText(t: RowTrace): string {
  const arrow = t.direction === 'backward' ? '<-' : '->';
  const out = [
    `${t.direction === 'backward' ? 'Row trace' : 'Impact'} of ${t.pointer} row ${JSON.stringify(t.key)} (${t.hash})`,
  ];
  const runLevel: string[] = [];
  const origins = new Set(t.origins.map((o) => `${o.run}\u0000${o.pointer}`));
  for (const s of t.steps) {
    if (!s.rowLevel) {
      // The run that wrote an origin is named with it below.
      if (origins.has(`${s.run.id}\u0000${s.pointer}`)) continue;
      runLevel.push(`${s.run.component} ${s.run.id} (${s.pointer})`);
      continue;
    }
    out.push(`  ${s.run.component} run ${s.run.id}  ${s.pointer}: ${rowList(s.rows, s.rowCount)}`);
    for (const l of s.links) {
      if (l.kind !== 'none') out.push(`    ${arrow} ${l.pointer} [${l.kind}]: ${rowList(l.rows, l.rowCount)}`);
      else out.push(`    ${arrow} ${l.pointer} [no row lineage: run level from here]`);
    }
  }
  if (t.origins.length > 0) {
    out.push('  Origins (rows with no recorded origin):');
    for (const o of t.origins)
      out.push(`    ${o.pointer}: ${rowList(o.rows, o.rowCount)}${o.run ? `  written by ${o.run}` : ''}`);
  }
  if (runLevel.length > 0) {
    out.push(`  Reached at run level only (${runLevel.length} runs):`);
    for (const r of runLevel) out.push(`    ${r}`);
  }
  if (t.truncated) out.push('  (stopped at the step limit)');
  return out.join('\n');
}

export function componentsTable(components: Component[]): string {
  if (components.length === 0) return '(no components)';
  return table(
    ['component', 'owner', 'tags', 'description'],
    components.map((c) => [c.name, c.owner || '-', c.tags.join(', ') || '-', c.description || '-']),
  );
}

export function tagsTable(tags: { tag: string; count: number }[]): string {
  if (tags.length === 0) return '(no tags)';
  return table(
    ['tag', 'components'],
    tags.map((t) => [t.tag, String(t.count)]),
  );
}

export function pointerText(p: Pointer): string {
  return `${p.name}  (${p.type})  ${p.flagged ? 'flagged' : 'not flagged'}${p.flaggedAt ? ` since ${formatTime(p.flaggedAt)} UTC` : ''}`;
}

/** A drift report: per output, its reference, then each drifted column's sentence (or that none drifted). */
export function driftText(report: DriftReport): string {
  const lines: string[] = [];
  for (const o of report.outputs) lines.push(...outputDriftLines(o, ''));
  if (lines.length === 0) lines.push(`run ${report.run.id} stored no profile`);
  return lines.join('\n');
}

function outputDriftLines(o: OutputDrift, indent: string): string[] {
  if (o.status === 'no_profile') return [`${indent}${o.pointer}: no profile stored by run ${o.run.id}`];
  if (o.status === 'no_reference') return [`${indent}${o.pointer}: nothing to compare with yet`];
  const head = `${indent}${o.pointer} against ${o.reference?.description}: ${o.drifted ? `${counted(o.sentences.length, 'column')} drifted` : `no drift in ${counted(o.columns.length, 'column')}`}`;
  return [head, ...o.sentences.map((s) => `${indent}  ${s}`)];
}

/** A monitor report: the steps in pipeline order, drifted ones marked, the first drifted named. */
export function monitorText(report: MonitorReport): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    const mark = step.drifted ? 'DRIFT' : step.profiled ? 'ok' : '-';
    lines.push(`${mark.padEnd(5)} ${step.component} (run ${shortId(step.run.id)}, ${formatTime(step.run.startedAt)})`);
    for (const o of step.outputs) lines.push(...outputDriftLines(o, '      '));
  }
  if (lines.length === 0) return 'no runs';
  lines.push(
    report.drifted.length === 0
      ? 'no step drifted'
      : `first drifted step: ${report.drifted[0]}${report.drifted.length > 1 ? ` (then ${report.drifted.slice(1).join(', ')})` : ''}`,
  );
  return lines.join('\n');
}

/** A task's metrics side by side, one row per time window. */
export function taskMetricsText(list: readonly TaskMetrics[]): string {
  const first = list[0];
  if (first === undefined) return 'no metrics';
  const daily = first.windowMs % 86_400_000 === 0;
  const when = (iso: string) => (daily ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')}Z`);
  const rows = first.points.map((p, i) => [
    when(p.start),
    String(p.count),
    ...list.map((m) => {
      const v = m.points[i]?.value;
      return v === null || v === undefined ? '-' : formatScore(v);
    }),
  ]);
  const head = `${first.task}: ${list.map((m) => m.metric).join(', ')} per ${first.window} window, by ${first.by} time`;
  const unmatched =
    first.unmatched > 0
      ? `\n${counted(first.unmatched, 'feedback id')} with no output yet (kept; they join when it is logged)`
      : '';
  if (rows.length === 0) return `${head}\nno output has feedback yet${unmatched}`;
  return `${head}\n${table([daily ? 'day' : 'window start', 'pairs', ...list.map((m) => m.metric)], rows)}${unmatched}`;
}

/** The tasks with their counts. */
export function tasksText(tasks: readonly TaskSummary[]): string {
  if (tasks.length === 0) return 'no tasks';
  return table(
    ['task', 'outputs', 'feedback', 'batches (outputs/feedback)'],
    tasks.map((t) => [t.name, String(t.outputs), String(t.feedback), `${t.outputBatches}/${t.feedbackBatches}`]),
  );
}
