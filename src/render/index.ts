/**
 * Rendering: traces, reviews and row traces as self-contained HTML/SVG for notebooks, Mermaid
 * and DOT text, and the layered layout the dashboard shares. Browser-safe and pure.
 */
export { escapeHtml } from './escape.js';
export { clip, formatDuration, formatScore, formatTime, shortId } from './format.js';
export { renderReview, renderRowTrace, renderTrace, rowLabel } from './html.js';
export {
  type Layout,
  type LayoutEdgeInput,
  type LayoutNodeInput,
  type LayoutOptions,
  layeredLayout,
  type PlacedEdge,
  type PlacedNode,
} from './layout.js';
export { type TraceSvgOptions, traceSvg } from './svg.js';
export { dotString, mermaidText, toDot, toMermaid } from './text.js';
