/**
 * The monitoring view's charts, drawn by uPlot. This module is imported lazily (its own chunk in
 * the split bundle), so uPlot's ~22 KB gzipped load only when a chart is shown. Each chart fills
 * its element's width and follows it; colours come from the element's text colour, so a chart
 * reads on whatever background the page gives it. The caller puts a table beside each chart:
 * the chart is a picture of it (role="img" with a label), never the only way to the numbers.
 */
import uPlot from 'uplot';

/** The two sides of a comparison: reference dashed, current solid, in colours apart in hue and lightness. */
export const SERIES_COLORS = { reference: '#2e63c7', current: '#c2410c' } as const;

/** uPlot's own rules that matter without its legend (from uPlot.min.css, MIT), scoped by the shadow root. */
const UPLOT_CSS =
  '.uplot,.uplot *{box-sizing:border-box}.uplot{width:min-content}.u-wrap{position:relative;user-select:none}' +
  '.u-over,.u-under{position:absolute}.u-under{overflow:hidden}.uplot canvas{display:block;position:relative;width:100%;height:100%}' +
  '.u-axis{position:absolute}.u-select{background:rgba(127,127,127,.15);position:absolute;pointer-events:none}' +
  '.u-cursor-x,.u-cursor-y{position:absolute;left:0;top:0;pointer-events:none}' +
  '.u-hz .u-cursor-x{height:100%;border-right:1px dashed currentColor}.u-hz .u-cursor-y{width:100%;border-bottom:1px dashed currentColor}' +
  '.u-cursor-pt{position:absolute;top:0;left:0;border-radius:50%;border:0 solid;pointer-events:none;background-clip:padding-box!important}' +
  '.u-axis.u-off,.u-select.u-off,.u-cursor-x.u-off,.u-cursor-y.u-off,.u-cursor-pt.u-off{display:none}';

const HEIGHT = 220;

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
}

/** A chart in `el`, made once the element has a width and resized with it; a detached element lets it go. */
function mount(el: HTMLElement, make: (width: number, ink: string) => uPlot): void {
  const style = document.createElement('style');
  style.textContent = UPLOT_CSS;
  el.append(style);
  let chart: uPlot | undefined;
  const observer = new ResizeObserver(() => {
    if (!el.isConnected) {
      observer.disconnect();
      chart?.destroy();
      return;
    }
    const width = Math.floor(el.clientWidth);
    if (width <= 0) return;
    if (chart === undefined) chart = make(width, getComputedStyle(el).color);
    else if (chart.width !== width) chart.setSize({ width, height: HEIGHT });
  });
  observer.observe(el);
}

function axis(ink: string, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: ink,
    grid: { stroke: 'rgba(127,127,127,.25)', width: 1 },
    ticks: { stroke: 'rgba(127,127,127,.4)', width: 1 },
    ...extra,
  };
}

/** A dashed horizontal rule at `y` (a threshold), drawn over the plot. */
function ruleAt(y: number, ink: string) {
  return (u: uPlot) => {
    const at = u.valToPos(y, 'y', true);
    const c = u.ctx;
    c.save();
    c.strokeStyle = ink;
    c.lineWidth = Math.max(1, devicePixelRatio);
    c.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    c.beginPath();
    c.moveTo(u.bbox.left, at);
    c.lineTo(u.bbox.left + u.bbox.width, at);
    c.stroke();
    c.restore();
  };
}

/** Bars per category, several series side by side; `rule` draws a threshold line. */
export function barChart(
  el: HTMLElement,
  chart: { labels: string[]; series: Series[]; yLabel: string; rule?: number },
): void {
  const n = chart.labels.length;
  const aligns: (-1 | 0 | 1)[] = chart.series.length === 2 ? [-1, 1] : [0];
  const size = chart.series.length === 2 ? 0.4 : 0.6;
  mount(el, (width, ink) => {
    const short = (s: string) => (s.length > 14 ? `${s.slice(0, 13)}…` : s);
    return new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: () => [-0.5, n - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(max, chart.rule ?? 0, 1e-9) * 1.1] },
        },
        axes: [
          axis(ink, {
            splits: () => chart.labels.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => short(chart.labels[i] ?? '')),
          }),
          axis(ink, { label: chart.yLabel, size: 56 }),
        ],
        series: [
          {},
          ...chart.series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            fill: s.color,
            width: 1,
            points: { show: false },
            paths: uPlot.paths.bars?.({ size: [size, 48], align: aligns[i] ?? 0 }),
          })),
        ],
        hooks: chart.rule === undefined ? {} : { draw: [ruleAt(chart.rule, ink)] },
      },
      [chart.labels.map((_, i) => i), ...chart.series.map((s) => s.values)],
      el,
    );
  });
}

/** Cumulative share against value: each side's quantiles as a step-free line, reference dashed. */
export function cdfChart(
  el: HTMLElement,
  chart: { sides: { label: string; points: { value: number; q: number }[]; color: string; dash?: number[] }[] },
): void {
  // uPlot wants one x array: the union of both sides' values, each side null where it has no point.
  const xs = [...new Set(chart.sides.flatMap((s) => s.points.map((p) => p.value)))].sort((a, b) => a - b);
  const ys = chart.sides.map((s) => {
    const at = new Map(s.points.map((p) => [p.value, p.q]));
    return xs.map((x) => at.get(x) ?? null);
  });
  mount(el, (width, ink) => {
    return new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [axis(ink), axis(ink, { label: 'share at or below', size: 56 })],
        series: [
          {},
          ...chart.sides.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            spanGaps: true,
            ...(s.dash === undefined ? {} : { dash: s.dash }),
            points: { show: true, size: 5, fill: s.color },
          })),
        ],
      },
      [xs, ...ys],
      el,
    );
  });
}

/** A series over time (x in epoch ms), with points, gaps where a value is null. */
export function timeChart(el: HTMLElement, chart: { times: number[]; series: Series; yLabel: string }): void {
  mount(el, (width, ink) => {
    return new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        axes: [axis(ink), axis(ink, { label: chart.yLabel, size: 56 })],
        series: [
          {},
          {
            label: chart.series.label,
            stroke: chart.series.color,
            width: 2,
            points: { show: true, size: 6, fill: chart.series.color },
          },
        ],
      },
      [chart.times.map((t) => t / 1000), chart.series.values],
      el,
    );
  });
}
