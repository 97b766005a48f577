/**
 * A chart's place in a view, drawn once the chart chunk (charts.ts, with uPlot) has loaded; the
 * table beside it carries the numbers, so a chunk that fails to load costs only the picture.
 */
import { h } from '../dom.js';

export type Charts = typeof import('./charts.js');

let charts: Promise<Charts> | undefined;
/** The chart chunk, loaded once: a view starts it before its own queries, so the two overlap. */
export function loadCharts(): Promise<Charts> {
  charts ??= import('./charts.js').catch((error) => {
    charts = undefined;
    throw error;
  });
  return charts;
}

/** A chart's place: drawn once the chunk loads; if it cannot load, the table beside it stands alone. */
export function chartBox(label: string, draw: (c: Charts, el: HTMLElement) => void): HTMLElement {
  const el = h('div', { class: 'mon-chart', role: 'img', 'aria-label': label });
  loadCharts().then(
    (c) => draw(c, el),
    () => el.replaceChildren(h('p', { class: 'muted' }, 'The chart could not load; the table has its numbers.')),
  );
  return el;
}

/** A chart with its caption (the caption says how to read it; the table beside it holds the numbers). */
export function chartFigure(chart: HTMLElement, ...caption: string[]): HTMLElement {
  return h('figure', { class: 'mon-figure' }, chart, h('figcaption', { class: 'muted' }, ...caption));
}

/** A table that scrolls sideways on a narrow screen (a region a keyboard can reach and scroll). */
export function scroller(label: string, content: Node): HTMLElement {
  return h('div', { class: 'mon-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, content);
}
