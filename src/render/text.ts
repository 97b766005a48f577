/**
 * A trace as Mermaid (flowchart) and Graphviz DOT text, left to right, upstream first. Node ids
 * are generated (r0, r1, ...), so names never reach the syntax; labels are escaped.
 */
import type { Trace } from '../analysis/trace.js';
import { clip, formatTime, shortId } from './format.js';

function label(run: Trace['nodes'][number]['run']): [string, string, string] {
  return [
    clip(run.component, 60),
    shortId(run.id),
    `${formatTime(run.startedAt)}${run.status === 'failed' ? ' failed' : ''}`,
  ];
}

/**
 * Mermaid text: everything outside a small safe set becomes an entity code (`#34;`), which
 * Mermaid decodes, so quotes, brackets, pipes and markup cannot break out of a label.
 */
export function mermaidText(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.,:/@+()-]/gu, (c) => `#${c.codePointAt(0)};`);
}

/** A Mermaid flowchart of the trace: `flowchart LR`, one node per run, one edge per dependency. */
export function toMermaid(trace: Trace): string {
  const ids = new Map(trace.nodes.map((n, i) => [n.run.id, `r${i}`]));
  const lines = ['flowchart LR'];
  for (const n of trace.nodes) {
    const [a, b, c] = label(n.run);
    lines.push(`  ${ids.get(n.run.id)}["${mermaidText(a)}<br/>${mermaidText(b)}<br/>${mermaidText(c)}"]`);
  }
  for (const edge of trace.edges) {
    const from = ids.get(edge.to);
    const to = ids.get(edge.from);
    if (from === undefined || to === undefined) continue;
    const via = clip(edge.via.join(', '), 80);
    lines.push(via === '' ? `  ${from} --> ${to}` : `  ${from} -->|"${mermaidText(via)}"| ${to}`);
  }
  const root = ids.get(trace.root);
  if (root !== undefined) lines.push(`  style ${root} stroke-width:3px`);
  for (const n of trace.nodes) {
    if (n.run.status === 'failed') lines.push(`  style ${ids.get(n.run.id)} fill:#fdecec,stroke:#c62828`);
  }
  return `${lines.join('\n')}\n`;
}

/** A DOT string literal: backslashes, quotes and line breaks escaped. */
export function dotString(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u001f]/g, ' ')}"`;
}

/** A Graphviz digraph of the trace, `rankdir=LR`, run ids in a tooltip. */
export function toDot(trace: Trace): string {
  const ids = new Map(trace.nodes.map((n, i) => [n.run.id, `r${i}`]));
  const lines = [
    'digraph trace {',
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef5ff", color="#3567c4", fontname="Helvetica", fontsize=11];',
    '  edge [color="#7a8699", fontname="Helvetica", fontsize=9];',
  ];
  for (const n of trace.nodes) {
    const attrs = [`label=${dotString(label(n.run).join('\n'))}`, `tooltip=${dotString(n.run.id)}`];
    if (n.run.id === trace.root) attrs.push('penwidth=2.5');
    if (n.run.status === 'failed') attrs.push('fillcolor="#fdecec"', 'color="#c62828"');
    lines.push(`  ${ids.get(n.run.id)} [${attrs.join(', ')}];`);
  }
  for (const edge of trace.edges) {
    const from = ids.get(edge.to);
    const to = ids.get(edge.from);
    if (from === undefined || to === undefined) continue;
    const via = clip(edge.via.join(', '), 80);
    lines.push(via === '' ? `  ${from} -> ${to};` : `  ${from} -> ${to} [label=${dotString(via)}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
