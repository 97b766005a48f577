/**
 * Monitoring benchmarks: profiling speed, overhead on the demo's cleaning step, bytes per
 * numeric column, drift false alarms (effect sizes, and KS as the p-value baseline), detection
 * of planted shifts, and monitor() over 50 steps of 20 columns.
 * Run: npm run bench -- monitor   (MONITOR_N overrides the 1M rows of the drift figures)
 */
import { memoryStore } from '../adapters/memory.js';
import { generateRides, normal as normalDraw, rng } from '../demo/ride/data.js';
import { clean } from '../demo/ride/steps.js';
import { createPipetrace } from '../src/index.js';
import { encodeProfile } from '../src/monitor/codec.js';
import { compareProfiles } from '../src/monitor/compare.js';
import { ksPValue } from '../src/monitor/measures.js';
import { type Profile, profileData } from '../src/monitor/profile.js';
import { percentile, report, round } from './lib.js';

const N = Number(process.env.MONITOR_N ?? 1_000_000);
const median = (xs: number[]) => percentile(xs, 50);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

// ---- profile_values_per_s: 1M rows x 10 numeric columns ----------------------------------
const random = rng(11);
const columns: Record<string, Float64Array> = {};
for (let c = 0; c < 10; c++) columns[`c${c}`] = Float64Array.from({ length: 1_000_000 }, () => c + normalDraw(random));
const speed: number[] = [];
for (let r = 0; r < 5; r++) {
  gc();
  const t0 = performance.now();
  profileData('bench', columns);
  speed.push(performance.now() - t0);
}
const profileValuesPerS = 10_000_000 / (median(speed) / 1000);

// ---- profile_bytes_per_numeric_column: at 1M rows -----------------------------------------
const profileBytes = encodeProfile(profileData('bench', { x: columns.c0 as Float64Array })).length;

// ---- profile_overhead: the demo's cleaning step, profiles on / off -------------------------
const raw = generateRides(42, 0, '2026-03-01', 200_000);
async function cleaningStep(profile: boolean): Promise<number> {
  const pt = createPipetrace({ store: memoryStore() });
  const t0 = performance.now();
  const cleaned = clean(raw, 'per-vendor');
  const run = pt.startRun('cleaning', { inputs: ['raw.csv'], outputs: ['clean.parquet'] });
  run.rows({ output: 'clean.parquet', input: 'raw.csv', kind: 'keep', keys: cleaned.ids });
  if (profile) {
    const { km, minutes, hour, passengers, fare } = cleaned;
    run.profile('clean.parquet', { km, minutes, hour, passengers, fare });
  }
  await run.end();
  return performance.now() - t0;
}
const on: number[] = [];
const off: number[] = [];
// Warm-up pairs first (not counted: the engine is still compiling both paths), then pairs
// interleaved in alternating order so that load drifting over the run hits both sides alike.
for (let r = 0; r < 3; r++) {
  await cleaningStep(false);
  await cleaningStep(true);
}
for (let r = 0; r < 15; r++) {
  for (const profile of r % 2 === 0 ? [false, true] : [true, false]) {
    gc();
    (profile ? on : off).push(await cleaningStep(profile));
  }
}
const profileOverhead = median(on) / median(off);

// ---- drift: 200 columns of several shapes ------------------------------------------------
type Shape = 'normal' | 'lognormal' | 'uniform' | 'exponential' | 'bimodal' | 'offset' | 'counts' | 'category' | 'flag';
const SHAPES: Shape[] = [
  'normal',
  'lognormal',
  'uniform',
  'exponential',
  'bimodal',
  'offset',
  'counts',
  'category',
  'flag',
];
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `cat-${i}`);
// Zipf weights, so that swapping categories changes the distribution.
const ZIPF = CATEGORIES.map((_, i) => 1 / (i + 1));
const ZIPF_CUM = ZIPF.map(
  (
    (s) => (w: number) =>
      (s += w)
  )(0),
).map((c, _, all) => c / (all[all.length - 1] as number));

interface Plant {
  shift?: number;
  scale?: number;
  swap?: boolean;
  nulls?: number;
}

/** One column's sample: numbers in sd units around the shape's own mean, or categories. */
function sample(shape: Shape, n: number, seed: number, plant: Plant = {}): ArrayLike<unknown> {
  const r = rng(seed);
  const nulls = plant.nulls ?? 0;
  if (shape === 'category' || shape === 'flag') {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      if (nulls > 0 && r() < nulls) {
        out[i] = null;
        continue;
      }
      if (shape === 'flag') {
        out[i] = r() < 0.3;
        continue;
      }
      const u = r();
      let k = 0;
      while ((ZIPF_CUM[k] as number) < u) k++;
      // 5% of the categories (the most frequent) swap labels with the least frequent.
      if (plant.swap && k === 0) k = CATEGORIES.length - 1;
      else if (plant.swap && k === CATEGORIES.length - 1) k = 0;
      out[i] = CATEGORIES[k];
    }
    return out;
  }
  const out = nulls > 0 ? new Array<number | null>(n) : new Float64Array(n);
  const shift = plant.shift ?? 0;
  const scale = plant.scale ?? 1;
  // [mean, sd] of each shape, so shifts and scales are in its own standard deviations.
  const moments: Record<string, [number, number]> = {
    normal: [0, 1],
    lognormal: [Math.exp(0.5), Math.sqrt((Math.E - 1) * Math.E)],
    uniform: [0.5, Math.sqrt(1 / 12)],
    exponential: [1, 1],
    bimodal: [0, Math.sqrt(1 + 9)],
    offset: [1000, 1],
    counts: [4, 2],
  };
  const [mean, sd] = moments[shape] as [number, number];
  for (let i = 0; i < n; i++) {
    if (nulls > 0 && r() < nulls) {
      out[i] = null;
      continue;
    }
    let x: number;
    if (shape === 'normal') x = normalDraw(r);
    else if (shape === 'lognormal') x = Math.exp(normalDraw(r));
    else if (shape === 'uniform') x = r();
    else if (shape === 'exponential') x = -Math.log(1 - r());
    else if (shape === 'bimodal') x = (r() < 0.5 ? -3 : 3) + normalDraw(r);
    else if (shape === 'offset') x = 1000 + normalDraw(r);
    else x = Math.max(0, Math.round(4 + 2 * normalDraw(r)));
    out[i] = mean + (x - mean) * scale + shift * sd;
  }
  return out;
}

const COLUMNS = 200;
const shapeOf = (c: number) => SHAPES[c % SHAPES.length] as Shape;
const profileOf = (shape: Shape, n: number, seed: number, plant?: Plant): Profile =>
  profileData('bench', { x: sample(shape, n, seed, plant) });
const drifted = (ref: Profile, cur: Profile, options = {}) => compareProfiles('p', cur, ref, options)[0];

let falseAlarms = 0;
const t0 = performance.now();
const references: Profile[] = [];
for (let c = 0; c < COLUMNS; c++) {
  const shape = shapeOf(c);
  const ref = profileOf(shape, N, 1000 + c);
  references.push(ref);
  if (drifted(ref, profileOf(shape, N, 5000 + c))?.drifted) falseAlarms++;
}
const driftSeconds = (performance.now() - t0) / 1000;

/** The textbook two-sample KS test on the raw samples: the p-value baseline. */
function ksExact(a: Float64Array, b: Float64Array): number {
  a.sort();
  b.sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && (a[i] as number) === x) i++;
    while (j < b.length && (b[j] as number) === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return ksPValue(d, a.length, b.length);
}
const KS_COLUMNS = 50;
let ksTried = 0;
let ksAlarms = 0;
for (let c = 0; ksTried < KS_COLUMNS && c < COLUMNS; c++) {
  const shape = shapeOf(c);
  if (shape === 'category' || shape === 'flag' || shape === 'counts') continue;
  ksTried++;
  const a = sample(shape, N, 1000 + c) as Float64Array;
  const b = sample(shape, N, 5000 + c, { shift: 0.01 }) as Float64Array;
  if (ksExact(a, b) < 0.05) ksAlarms++;
}

// ---- drift_detection_rate: planted shifts ------------------------------------------------
let planted = 0;
let detected = 0;
const missedBy: Record<string, number> = {};
const DETECT_N = Math.min(N, 200_000);
for (let c = 0; c < COLUMNS; c++) {
  const shape = shapeOf(c);
  const ref = profileOf(shape, DETECT_N, 1000 + c);
  const plants: [string, Plant][] =
    shape === 'category'
      ? [
          ['swap', { swap: true }],
          ['nulls', { nulls: 0.1 }],
        ]
      : shape === 'flag'
        ? [['nulls', { nulls: 0.1 }]]
        : [
            ['shift', { shift: 0.5 }],
            ['scale', { scale: 1.3 }],
            ['nulls', { nulls: 0.1 }],
          ];
  for (const [name, plant] of plants) {
    planted++;
    if (drifted(ref, profileOf(shape, DETECT_N, 9000 + c, plant))?.drifted) detected++;
    else missedBy[`${shape}:${name}`] = (missedBy[`${shape}:${name}`] ?? 0) + 1;
  }
}

// ---- monitor_ms: 50 steps x 20 columns -----------------------------------------------------
const pt = createPipetrace({ store: memoryStore() });
const stepColumns = (seed: number) => {
  const r = rng(seed);
  const cols: Record<string, Float64Array> = {};
  for (let c = 0; c < 20; c++) cols[`f${c}`] = Float64Array.from({ length: 10_000 }, () => normalDraw(r));
  return cols;
};
for (let day = 0; day < 2; day++) {
  for (let s = 0; s < 50; s++) {
    const at = Date.UTC(2026, 0, 1 + day) + s * 1000;
    await pt
      .startRun(`step${String(s).padStart(2, '0')}`, { startedAt: at, inputs: s === 0 ? [] : [`out/${s - 1}`] })
      .profile(`out/${s}`, stepColumns(day * 100 + s))
      .end({ endedAt: at + 500 });
  }
}
const monitorTimes: number[] = [];
let monitorSteps = 0;
for (let r = 0; r < 12; r++) {
  const t = performance.now();
  const result = await pt.monitor();
  monitorTimes.push(performance.now() - t);
  monitorSteps = result.steps.length;
}

const figures = {
  profile_values_per_s: Math.round(profileValuesPerS),
  profile_overhead: round(profileOverhead),
  profile_ms_on: round(median(on), 1),
  profile_ms_off: round(median(off), 1),
  profile_bytes_per_numeric_column: profileBytes,
  drift_false_alarm_rate: round(falseAlarms / COLUMNS, 4),
  drift_columns: COLUMNS,
  drift_rows: N,
  drift_seconds: round(driftSeconds, 1),
  ks_false_alarm_rate_tiny_shift: round(ksAlarms / ksTried, 4),
  ks_columns: ksTried,
  drift_detection_rate: round(detected / planted, 4),
  drift_detection_planted: planted,
  drift_detection_rows: DETECT_N,
  drift_detection_missed: JSON.stringify(missedBy),
  // The first call decodes every profile and compares every pair; later calls over the same runs
  // reuse both (stored profiles never change), as a dashboard or a /metrics scrape repeats it.
  monitor_first_ms: round(monitorTimes[0] as number, 1),
  monitor_ms: round(median(monitorTimes.slice(2)), 1),
  monitor_steps: monitorSteps,
};
console.error(figures);
report(figures);
