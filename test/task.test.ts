/** Tasks: outputs and late feedback joined by id, windowed metrics, bad input refused whole, feedback rules to flags. */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/index.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const HOUR = 3_600_000;

const fresh = () => {
  const store = memoryStore();
  return { store, pt: createPipetrace({ store, now: () => T0 }) };
};

async function refused(p: Promise<unknown>, pattern: RegExp, code = 'invalid_input'): Promise<void> {
  try {
    await p;
  } catch (error) {
    expect(isPipetraceError(error, code as 'invalid_input')).toBe(true);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('not refused');
}

describe('tasks', () => {
  it('joins feedback that arrives a day later by id, and windows MAE and RMSE by the time feedback came', async () => {
    const { pt } = fresh();
    const fare = pt.task('fare');
    expect(await fare.logOutputs(['a', 'b', 'c', 'd'], [10, 20, 30, 40], { at: T0 + HOUR })).toEqual({
      task: 'fare',
      logged: 4,
    });
    await fare.logOutputs(['e', 'f'], Float64Array.of(5, 6), { at: T0 + DAY + HOUR });
    // Day 1's truth arrives on day 2, day 2's on day 3; d never gets feedback.
    await fare.logFeedback(['a', 'b', 'c'], [11, 18, 30], { at: T0 + DAY + 2 * HOUR });
    await fare.logFeedback(['e', 'f'], [9, 6], { at: T0 + 2 * DAY });
    const mae = await fare.metrics({ metric: 'mae', window: '1d' });
    expect(mae).toMatchObject({
      task: 'fare',
      metric: 'mae',
      window: '1d',
      windowMs: DAY,
      by: 'feedback',
      unmatched: 0,
    });
    expect(mae.points).toEqual([
      { start: '2026-01-02T00:00:00.000Z', end: '2026-01-03T00:00:00.000Z', value: 1, count: 3 },
      { start: '2026-01-03T00:00:00.000Z', end: '2026-01-04T00:00:00.000Z', value: 2, count: 2 },
    ]);
    const byOutput = await fare.metrics({ metric: 'rmse', window: '1d', by: 'output' });
    expect(byOutput.points.map((p) => [p.start.slice(0, 10), p.value, p.count])).toEqual([
      ['2026-01-01', Math.sqrt(5 / 3), 3],
      ['2026-01-02', Math.sqrt(8), 2],
    ]);
    const windowed = await fare.metrics({ metric: 'count', window: '12h', since: T0, until: T0 + 2 * DAY });
    expect(windowed.points.map((p) => p.count)).toEqual([0, 0, 3, 0]);
    expect(windowed.points[0]?.value).toBe(0);
    expect(await pt.tasks()).toEqual([{ name: 'fare', outputs: 6, feedback: 5, outputBatches: 2, feedbackBatches: 2 }]);
  });

  it('keeps feedback for ids with no output, reports it, and joins it once the output is logged', async () => {
    const { pt, store } = fresh();
    const t = pt.task('late');
    await t.logOutputs(['x'], [1], { at: T0 });
    const early = await t.logFeedback(['x', 'y', 'z', 'y'], [1, 2, 3, 2], { at: T0 + DAY });
    expect(early).toMatchObject({ logged: 4, unmatched: 2 });
    expect(early.unmatchedIds.sort()).toEqual(['y', 'z']);
    expect((await t.metrics({ metric: 'count' })).unmatched).toBe(2);
    // The output arrives after its feedback: the pair joins, nothing was lost.
    await t.logOutputs(['y'], [5], { at: T0 });
    const after = await t.metrics({ metric: 'mae' });
    expect(after.unmatched).toBe(1);
    expect(after.points.map((p) => [p.value, p.count])).toEqual([[1.5, 2]]);
    // A second pipetrace over the same store reads it all back.
    const again = await createPipetrace({ store }).task('late').metrics({ metric: 'mae' });
    expect(again.points).toEqual(after.points);
  });

  it('lets a later batch win for an id, on either side, and takes one time per id', async () => {
    const { pt } = fresh();
    const t = pt.task('fix');
    await t.logOutputs(['a', 'b'], [1, 1], { at: [T0, T0 + DAY] });
    await t.logOutputs(['a'], [4], { at: T0 });
    await t.logFeedback(['a', 'b'], [0, 0], { at: T0 + 2 * DAY });
    await t.logFeedback(['b'], [3], { at: T0 + 2 * DAY });
    const m = await t.metrics({ metric: 'mae', by: 'output' });
    expect(m.points.map((p) => [p.value, p.count])).toEqual([
      [4, 1],
      [2, 1],
    ]);
  });

  it('scores classes: accuracy, precision and recall with a positive class, and a function of yours', async () => {
    const { pt } = fresh();
    const fraud = pt.task('fraud');
    await fraud.logOutputs(['1', '2', '3', '4', '5'], [true, true, false, false, true], { at: T0 });
    await fraud.logFeedback(['1', '2', '3', '4', '5'], [true, false, true, false, true], { at: T0 + HOUR });
    const value = async (metric: 'accuracy' | 'precision' | 'recall') =>
      (await fraud.metrics({ metric })).points[0]?.value;
    expect(await value('accuracy')).toBeCloseTo(3 / 5, 12);
    expect(await value('precision')).toBeCloseTo(2 / 3, 12);
    expect(await value('recall')).toBeCloseTo(2 / 3, 12);
    const colour = pt.task('colour');
    await colour.logOutputs(['a', 'b', 'c'], ['red', 'red', 'blue'], { at: T0 });
    await colour.logFeedback(['a', 'b', 'c'], ['red', 'blue', 'blue'], { at: T0 });
    await refused(colour.metrics({ metric: 'precision' }), /positive.*required/);
    expect((await colour.metrics({ metric: 'precision', positive: 'red' })).points[0]?.value).toBe(0.5);
    expect((await colour.metrics({ metric: 'recall', positive: 'blue' })).points[0]?.value).toBe(0.5);
    await refused(colour.metrics({ metric: 'mae' }), /needs numeric/);
    const wrong = (o: unknown[], f: unknown[]) => o.filter((x, i) => x !== f[i]).length;
    const custom = await colour.metrics({ metric: wrong });
    expect(custom).toMatchObject({ metric: 'wrong', points: [{ value: 1, count: 3 }] });
    await refused(colour.metrics({ metric: () => Number.NaN }), /finite number or null/);
    // Over a query (HTTP, a worker) the metric is a name.
    await refused(pt.taskMetrics('colour', { metric: wrong as never }), /must be one of/);
    expect((await pt.taskMetrics('colour', { metric: 'accuracy' })).points[0]?.value).toBeCloseTo(2 / 3, 12);
  });

  it('refuses bad input whole and stores nothing', async () => {
    const { pt, store } = fresh();
    const t = pt.task('bad');
    await refused(t.logOutputs(['a', 'b'], [1]), /1 values for 2 ids; the lengths must be equal/);
    await refused(t.logOutputs(['a', 'b'], [1, 'x'] as never), /values\[1\].*mixed types/);
    await refused(t.logOutputs(['a', 'b'], [true, 1] as never), /mixed types/);
    await refused(t.logOutputs(['a', 2] as never, [1, 2]), /ids\[1\]: must be a string/);
    await refused(t.logOutputs('a' as never, [1]), /ids: must be an array/);
    await refused(t.logOutputs(['a'], [Number.NaN]), /finite number/);
    await refused(t.logOutputs(['a'], [{}] as never), /number, string or boolean/);
    await refused(t.logOutputs(['a', 'b'], [1, 2], { at: [T0] }), /at: has 1 times for 2 ids/);
    await refused(t.logOutputs(['a'], [1], { at: 'yesterday' }), /at: must be a Date/);
    await refused(t.logOutputs(['a'], [1], { when: T0 } as never), /options.when: is not an option/);
    await refused(t.logFeedback(['a'], [1], { pointer: 'x' } as never), /options.pointer: is not an option/);
    await refused(t.logFeedback(['a', 'b'], ['x', null] as never), /values\[1\].*mixed types/);
    expect(() => pt.task('')).toThrow(/task: must not be empty/);
    expect(await store.listBlobs('')).toEqual([]);
    expect(await pt.tasks()).toEqual([]);
    await refused(t.metrics({ metric: 'mae' }), /task not found/, 'not_found');
    await t.logOutputs(['a'], [1]);
    await refused(t.metrics({ metric: 'median' as never }), /options.metric: must be one of/);
    await refused(t.metrics({ metric: 'mae', window: '1 day' }), /window: must be like/);
    await refused(t.metrics({ metric: 'mae', window: 1000, since: T0 - 365 * DAY, until: T0 }), /windows; the limit/);
    await refused(t.metrics({ metric: 'mae', by: 'arrival' as never }), /by: must be feedback or output/);
    await refused(t.metrics({ metric: 'mae', since: T0, until: T0 }), /until: must be after since/);
  });

  it('stores a large batch in chunks, in one write, and reads it back', async () => {
    const { pt, store } = fresh();
    const n = 150_000;
    const ids = Array.from({ length: n }, (_, i) => `ride-${i}`);
    const t = pt.task('big');
    await t.logOutputs(
      ids,
      Float64Array.from({ length: n }, (_, i) => i % 7),
      { at: T0 },
    );
    await t.logFeedback(
      ids,
      Float64Array.from({ length: n }, (_, i) => (i % 7) + (i % 2)),
      { at: T0 },
    );
    expect((await store.listBlobs('task/')).length).toBe(1 + 3 + 3);
    const m = await t.metrics({ metric: 'mae' });
    expect(m.points).toHaveLength(1);
    expect(m.points[0]?.count).toBe(n);
    expect(m.points[0]?.value).toBeCloseTo(0.5, 12);
    expect(await pt.tasks()).toEqual([{ name: 'big', outputs: n, feedback: n, outputBatches: 1, feedbackBatches: 1 }]);
  });

  it('flags the predictions a rule calls missed as rows of their pointer, and the row review names the culprit run', async () => {
    const { pt } = fresh();
    const keys = (day: number) => Array.from({ length: 40 }, (_, i) => `d${day}-${i}`);
    const runs: string[] = [];
    for (let day = 0; day < 3; day++) {
      const at = T0 + day * DAY;
      const clean = await pt
        .startRun('cleaning', { startedAt: at, inputs: [`raw/${day}`], outputs: [`clean/${day}`] })
        .rows({ output: `clean/${day}`, input: `raw/${day}`, kind: 'keep', keys: keys(day) })
        .end({ endedAt: at + 1000 });
      runs.push(clean.id);
      await pt
        .startRun('inference', { startedAt: at + 2000, inputs: [`clean/${day}`], outputs: [`pred/${day}`] })
        .rows({
          output: `pred/${day}`,
          input: `clean/${day}`,
          kind: 'map',
          outputKeys: keys(day),
          inputKeys: keys(day),
        })
        .end({ endedAt: at + 3000 });
      // Day 1's cleaning was broken: its predictions are off by 5; the others by 0.1.
      await pt.task('fare').logOutputs(keys(day), Array(40).fill(day === 1 ? 15 : 10.1), {
        at: at + 3000,
        pointer: `pred/${day}`,
      });
      await pt.task('fare').logFeedback(keys(day), Array(40).fill(10), { at: at + DAY });
    }
    expect(await pt.flagged()).toEqual([]);
    const result = await pt.task('fare').flagMisses({ absError: 1 });
    expect(result).toEqual({
      task: 'fare',
      checked: 120,
      missed: 40,
      pointers: [{ pointer: 'pred/1', missed: 40, flaggedRows: 40 }],
      noPointer: 0,
      notInLineage: 0,
    });
    const review = await pt.reviewRows({ pointers: ['pred/0', 'pred/1', 'pred/2'], limit: 3 });
    const top = review.candidates.filter((c) => c.group === 1 && c.kind === 'run').map((c) => c.id);
    expect(top).toContain(runs[1]);
    expect(top).not.toContain(runs[0]);
    // Applying the rule again adds nothing; a time range limits it.
    expect((await pt.task('fare').flagMisses({ absError: 1 })).pointers[0]?.flaggedRows).toBe(40);
    expect((await pt.task('fare').flagMisses({ absError: 0.05 }, { until: T0 + DAY + 1 })).pointers).toEqual([
      { pointer: 'pred/0', missed: 40, flaggedRows: 40 },
    ]);
  });

  it('rules: relative error, wrong class and a function; misses with no pointer or no lineage are counted, not flagged', async () => {
    const { pt } = fresh();
    const t = pt.task('rel');
    await t.logOutputs(['a', 'b', 'c'], [11, 13, 0], { at: T0 });
    await t.logFeedback(['a', 'b', 'c'], [10, 10, 0], { at: T0 });
    expect(await t.flagMisses({ relError: 0.2 })).toMatchObject({ checked: 3, missed: 1, noPointer: 1, pointers: [] });
    expect((await t.flagMisses((o, f, id) => id === 'c' || o === f)).missed).toBe(1);
    const c = pt.task('cls');
    await c.logOutputs(['x', 'y'], ['cat', 'dog'], { at: T0, pointer: 'nobody/wrote/this' });
    await c.logFeedback(['x', 'y'], ['cat', 'cat'], { at: T0 });
    expect(await c.flagMisses({ wrongClass: true })).toMatchObject({
      missed: 1,
      notInLineage: 1,
      pointers: [{ pointer: 'nobody/wrote/this', missed: 1, flaggedRows: 0 }],
    });
    await refused(c.flagMisses({ absError: 1 }), /needs numeric/);
    await refused(c.flagMisses({ absError: -1 }), /must be a number from 0/);
    await refused(c.flagMisses({ wrongClass: false } as never), /must be true/);
    await refused(c.flagMisses({ absError: 1, relError: 1 } as never), /must be \{ absError/);
    await refused(c.flagMisses((() => 'yes') as never), /must return true or false/);
  });
});
