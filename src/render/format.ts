/**
 * How numbers, durations, times and ids read, for every renderer: the HTML and SVG, the CLI's
 * text, the demo and the dashboard all print through these, so one value reads the same
 * everywhere. Browser-safe, pure.
 */

/** A number with a fixed count of decimals; NaN and infinities as their names. */
export function formatNumber(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}

/** A review score: 3 decimals. */
export function formatScore(score: number): string {
  return formatNumber(score, 3);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** `ms` rounded to whole `unit`s, then split into two units: 125 s as "2 min 5 s". */
function twoUnits(ms: number, unit: number, per: number, big: string, small: string): string {
  const units = Math.round(ms / unit);
  return `${Math.floor(units / per)} ${big} ${units % per} ${small}`;
}

/**
 * A duration a person reads at a glance, one style everywhere:
 *
 *   below 1 s      whole milliseconds          850 ms
 *   below 1 min    seconds with one decimal    1.5 s, 59.9 s
 *   below 1 h      minutes and seconds         4 min 5 s
 *   below 1 d      hours and minutes           2 h 10 min
 *   from 1 d       days and hours              2 d 0 h
 *
 * Each unit is chosen after rounding, so a value never reads "1000 ms", "60.0 s" or "1 min 60 s".
 * Negative and non-finite durations read "-".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (Math.round(ms) < SECOND) return `${Math.round(ms)} ms`;
  if (Math.round(ms / 100) < 600) return `${formatNumber(Math.round(ms / 100) / 10, 1)} s`;
  if (Math.round(ms / SECOND) < 3600) return twoUnits(ms, SECOND, 60, 'min', 's');
  if (Math.round(ms / MINUTE) < 1440) return twoUnits(ms, MINUTE, 60, 'h', 'min');
  return twoUnits(ms, HOUR, 24, 'd', 'h');
}

/** Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC (the same in every time zone); "-" when not finite. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Epoch milliseconds as the UTC day `YYYY-MM-DD`. */
export function formatDay(ms: number): string {
  return formatTime(ms).slice(0, 10);
}

/** A run id shortened for labels: UUIDv7 ids share their leading time digits, so keep the tail too. */
export function shortId(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`;
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1))}…`;
}

/** A count with its noun: "1 row", "3 rows" (`plural` for irregular nouns). */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** A whole count with thousands separators: 5000 as "5,000" (no Intl: its first call in a page costs tens of ms). */
export function formatCount(count: number): string {
  return Number.isSafeInteger(count) ? String(count).replace(/\B(?=(\d{3})+$)/g, ',') : String(count);
}

/** A measured value at `digits` significant digits, without exponent noise: 3.14, 5020, 0.000412. */
export function formatSignificant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const text = Number(value.toPrecision(digits));
  return Math.abs(text) >= 1e-4 && Math.abs(text) < 1e15 ? String(text) : text.toExponential(digits - 1);
}

/** A share in [0, 1] as a percentage with `decimals` decimals: 0.125 as "12.5%". */
export function formatPercent(share: number, decimals = 0): string {
  return `${formatNumber(share * 100, decimals)}%`;
}
