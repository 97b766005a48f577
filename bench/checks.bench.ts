/**
 * Checks figures: the cost of checks on a wrapped step.
 *   check_overhead       a wrapped synchronous step with 3 trivial checks (two before, one after)
 *                        over the same step without checks: the median of per-round ratios of
 *                        CPU time; target ≤ 1.05
 *   check_overhead_p25, _p75   the spread of those per-round ratios
 *   check_overhead_wall  the same median from wall time (what a quiet machine would show)
 *   check_call_us        microseconds of CPU per call with the checks (logging to a memory store included)
 *   plain_call_us        microseconds of CPU per call without
 *   check_clock_read_ns  nanoseconds of CPU per performance.now reading on this machine
 *   check_overhead_clock_floor  the least ratio the clock readings alone allow: exact durations
 *                        of 3 checks need at least 3 readings more than a call without checks
 *                        (even if the run's start and end shared the first and last; today only
 *                        the end does), so 1 + 3 readings / plain call
 *   check_overhead_clock_floor_separate_start  the same with the run's start kept a wall-clock
 *                        reading of its own (one way to time runs, as now): 4 readings more (5
 *                        for 3 checks around the call, less the run's end, which the last shares)
 *   check_overhead_ns    CPU nanoseconds a call with the checks costs more than one without (the
 *                        median of per-batch differences), and where they go:
 *   check_clock_ns         the 4 extra clock readings;
 *   check_store_ns         the memory store keeping a run's 3 results (a run written with them
 *                          over the same run without, the results made for both);
 *   check_rest_ns          the rest: calling the checks, their result objects and list, the
 *                          policy look-ups and the hand-over to the run
 * Many short rounds: in each, the two variants run back to back (which goes first alternates),
 * each on a fresh memory store, so drift between rounds and store growth fall on both alike,
 * and each round gives one ratio. A round is timed by CPU time (process.cpuUsage) beside wall
 * time: on a shared machine, time spent waiting for a core is in the wall time only.
 * Run with `npm run bench -- checks`.
 */
import { memoryStore } from '../adapters/memory.js';
import { type CheckResult, createPipetrace, type Run } from '../src/index.js';
import { percentile, report, round } from './lib.js';

const input = { rows: 10, file: 'raw.csv' };
const ROUNDS = Number(process.env.CHECKS_ROUNDS ?? 200);
const WARMUP_ROUNDS = 20;
/** Pairs of timed batches per round, and calls per batch. */
const PAIRS = Number(process.env.CHECKS_PAIRS ?? 8);
const CALLS = Number(process.env.CHECKS_CALLS ?? 100);

async function step(withChecks: boolean) {
  const pt = createPipetrace({ store: memoryStore() });
  const fn = pt.wrap(
    'clean',
    (input: { rows: number; file: string }) => ({ rows: input.rows - 1, file: 'clean.csv' }),
    {
      inputs: ['file'],
      outputs: ['file'],
      ...(withChecks
        ? {
            checks: {
              before: [
                { name: 'has rows', check: (input: { rows: number }) => input.rows > 0 },
                { name: 'names a file', check: (input: { file: string }) => input.file !== '' },
              ],
              after: [{ name: 'kept rows', check: (out: { rows: number }) => out.rows >= 0 }],
            },
          }
        : {}),
    },
  );
  // One run before timing: the store then has the component, as a store in use has.
  fn(input);
  await pt.flush();
  return { pt, fn };
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

type Step = Awaited<ReturnType<typeof step>>;

/** Microseconds of CPU and of wall time of CALLS calls of one variant, their logging included. */
async function timed({ pt, fn }: Step): Promise<{ cpu: number; wall: number }> {
  const c0 = cpuMicros();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) fn(input);
  await pt.flush();
  const wall = (performance.now() - t0) * 1000;
  return { cpu: cpuMicros() - c0, wall };
}

const ratios: number[] = [];
const wallRatios: number[] = [];
const plainCpu: number[] = [];
const checkedCpu: number[] = [];
const extraNs: number[] = [];
let stored: Run | undefined;
for (let r = -WARMUP_ROUNDS; r < ROUNDS; r++) {
  // Fresh stores each round: store growth and the collector's work on old stores stay small.
  const plain = await step(false);
  const checked = await step(true);
  for (let k = 0; k < PAIRS; k++) {
    // Alternate which goes first, so neither always runs on a warmer or quieter machine.
    const checkedFirst = (r + k) % 2 === 0;
    const first = await timed(checkedFirst ? checked : plain);
    const second = await timed(checkedFirst ? plain : checked);
    const [p, c] = checkedFirst ? [second, first] : [first, second];
    // The first rounds warm up the JIT and are not counted.
    if (r < 0) continue;
    ratios.push(c.cpu / p.cpu);
    wallRatios.push(c.wall / p.wall);
    plainCpu.push(p.cpu / CALLS);
    checkedCpu.push(c.cpu / CALLS);
    extraNs.push(((c.cpu - p.cpu) * 1000) / CALLS);
  }
  [stored] = await checked.pt.recent(1);
}
/** A run as a wrapped call of the step stores it, with its 3 check results when `checked`. */
function stepRun(i: number, checked: boolean, results: CheckResult[]): Run {
  const run: Run = {
    id: `run-${i}`,
    component: 'clean',
    startedAt: 1_700_000_000_000 + i,
    endedAt: 1_700_000_000_000 + i,
    status: 'succeeded',
    inputs: ['raw.csv'],
    outputs: ['clean.csv'],
    dependencies: [],
    notes: [],
    params: {},
    metrics: {},
  };
  if (checked) run.checks = results;
  return run;
}
const stepResults = (): CheckResult[] => [
  { name: 'has rows', phase: 'before', outcome: 'pass', durationMs: Math.random() / 1000 },
  { name: 'names a file', phase: 'before', outcome: 'pass', durationMs: Math.random() / 1000 },
  { name: 'kept rows', phase: 'after', outcome: 'pass', durationMs: Math.random() / 1000 },
];
/** CPU microseconds of CALLS synchronous writes of step runs to a memory store, results made either way. */
function storeBatch(store: ReturnType<typeof memoryStore>, from: number, checked: boolean): number {
  const sync = store.sync;
  if (sync === undefined) throw new Error('the memory store has no synchronous writes');
  const c0 = cpuMicros();
  for (let i = from; i < from + CALLS; i++) sync.putRuns([stepRun(i, checked, stepResults())]);
  return cpuMicros() - c0;
}
// The store's part, in rounds like the ones above: fresh stores, alternating order.
const storeNs: number[] = [];
for (let r = -WARMUP_ROUNDS; r < ROUNDS; r++) {
  const plain = memoryStore();
  const checked = memoryStore();
  for (let k = 0; k < PAIRS; k++) {
    const checkedFirst = (r + k) % 2 === 0;
    const first = storeBatch(checkedFirst ? checked : plain, k * CALLS, checkedFirst);
    const second = storeBatch(checkedFirst ? plain : checked, k * CALLS, !checkedFirst);
    if (r >= 0) storeNs.push(((checkedFirst ? first - second : second - first) * 1000) / CALLS);
  }
}

// The cost of one clock reading, in CPU time, read as a check's duration is.
const now = performance.now.bind(performance);
let sink = 0;
const READS = 1_000_000;
const c0 = cpuMicros();
for (let i = 0; i < READS; i++) sink += now();
const readNs = ((cpuMicros() - c0) * 1000) / READS;
if (!(sink > 0)) throw new Error('the clock did not move');
if (stored?.checks?.length !== 3) throw new Error('the checked step did not store its 3 check results');
const overheadNs = percentile(extraNs, 50);
const storePart = percentile(storeNs, 50);
const plainUs = percentile(plainCpu, 50);
report({
  check_overhead: round(percentile(ratios, 50)),
  check_overhead_p25: round(percentile(ratios, 25)),
  check_overhead_p75: round(percentile(ratios, 75)),
  check_overhead_wall: round(percentile(wallRatios, 50)),
  check_overhead_wall_p25: round(percentile(wallRatios, 25)),
  check_overhead_wall_p75: round(percentile(wallRatios, 75)),
  check_call_us: round(percentile(checkedCpu, 50), 2),
  plain_call_us: round(percentile(plainCpu, 50), 2),
  check_clock_read_ns: round(readNs, 1),
  check_overhead_clock_floor: round(1 + (3 * readNs) / (1000 * plainUs)),
  check_overhead_clock_floor_separate_start: round(1 + (4 * readNs) / (1000 * plainUs)),
  check_overhead_ns: Math.round(overheadNs),
  check_clock_ns: Math.round(4 * readNs),
  check_store_ns: Math.round(storePart),
  check_rest_ns: Math.round(overheadNs - 4 * readNs - storePart),
});
