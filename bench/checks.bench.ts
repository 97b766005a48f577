/**
 * Checks figures: the cost of checks on a wrapped step.
 *   check_overhead     time per call of a wrapped synchronous step with 3 trivial checks (two
 *                      before, one after), over the same step without checks; target ≤ 1.05
 *   check_call_us      microseconds per call with the checks (logging to a memory store included)
 *   plain_call_us      microseconds per call without
 * Batches of the two alternate, each on a fresh memory store, so drift and store growth fall
 * on both alike; the figures are medians of batch means.
 * Run with `npm run bench -- checks`.
 */
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, type Run } from '../src/index.js';
import { percentile, report, round } from './lib.js';

const BATCHES = 100;
const PER_BATCH = 1000;

function step(withChecks: boolean) {
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
  return { pt, fn };
}

const times: number[][] = [[], []];
const input = { rows: 10, file: 'raw.csv' };
let stored: Run | undefined;
for (let b = -5; b < BATCHES; b++) {
  // A fresh store per batch, so the figure is the call's cost and not the heap's growth.
  const variants = [step(false), step(true)];
  // Alternate which goes first, so neither always runs on a warmer or quieter machine.
  const order = b % 2 === 0 ? [0, 1] : [1, 0];
  for (const v of order) {
    const { pt, fn } = variants[v]!;
    const t0 = performance.now();
    for (let i = 0; i < PER_BATCH; i++) fn(input);
    await pt.flush();
    // The first batches warm up the JIT and are not counted.
    if (b >= 0) times[v]?.push(((performance.now() - t0) / PER_BATCH) * 1000);
  }
  [stored] = await variants[1]!.pt.recent(1);
}
const plain = percentile(times[0] as number[], 50);
const checked = percentile(times[1] as number[], 50);
if (stored?.checks?.length !== 3) throw new Error('the checked step did not store its 3 check results');
report({ check_overhead: round(checked / plain), check_call_us: round(checked, 2), plain_call_us: round(plain, 2) });
