/** Time windows for task metrics: '15m', '6h', '1d', '1w' or milliseconds, aligned to the epoch (UTC). */
import { invalid } from '../errors.js';
import { describe } from '../validate.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** At most this many windows in one answer. */
export const MAX_WINDOWS = 100_000;

export function parseWindow(value: unknown): { text: string; ms: number } {
  if (value === undefined) return { text: '1d', ms: UNITS.d as number };
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1000) return { text: `${value}ms`, ms: value };
  if (typeof value === 'string') {
    const m = /^(\d{1,6})([smhdw])$/.exec(value);
    if (m !== null && Number(m[1]) > 0) return { text: value, ms: Number(m[1]) * (UNITS[m[2] as string] as number) };
  }
  throw invalid('window', `must be like 15m, 6h, 1d or 1w, or milliseconds from 1000, got ${describe(value)}`);
}

/** The windows [first, last] (indexes of ms-long windows from the epoch) to report. */
export function windowRange(
  ms: number,
  times: Float64Array,
  since: number | undefined,
  until: number | undefined,
): { first: number; last: number } | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    if ((since !== undefined && t < since) || (until !== undefined && t >= until)) continue;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const first = Math.floor((since ?? lo) / ms);
  const last = until !== undefined ? Math.ceil(until / ms) - 1 : Math.floor(hi / ms);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first) return undefined;
  if (last - first + 1 > MAX_WINDOWS)
    throw invalid(
      'window',
      `gives ${last - first + 1} windows; the limit is ${MAX_WINDOWS} (use a longer window or since/until)`,
    );
  return { first, last };
}
