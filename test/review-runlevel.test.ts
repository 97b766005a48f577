import { describe, expect, it } from 'vitest';
import type { ReviewCandidate } from '../src/analysis/candidate.js';
import type { RunInput } from '../src/run-input.js';
import { DAY, setup, T0 } from './helpers.js';

type Tweak = Partial<RunInput>;

/**
 * Eight days of load -> clean -> feat, one run each a day, each writing its day's output.
 * `tweak(component, day)` changes one run; `flag` lists the days whose feat output is flagged.
 */
async function chains(flag: number[], tweak: (component: string, day: number) => Tweak = () => ({})) {
  const { pt } = setup();
  const ids = new Map<string, string>();
  for (let day = 0; day < 8; day++) {
    let prev: string | undefined;
    for (const [k, component] of ['load', 'clean', 'feat'].entries()) {
      const startedAt = T0 + day * DAY + k * 3_600_000;
      const id = `${component}-${day}`;
      await pt.logRun({
        id,
        component,
        startedAt,
        endedAt: startedAt + 60_000 + day * 10,
        inputs: prev === undefined ? [] : [prev],
        outputs: [`${component}/day-${day}`],
        params: { unit: 'dollars' },
        code: { commit: 'v1' },
        ...tweak(component, day),
      });
      prev = `${component}/day-${day}`;
      ids.set(id, id);
    }
  }
  for (const d of flag) await pt.flag(`feat/day-${d}`);
  return pt;
}

/** Logs a one-minute run by id, component, start hour, inputs, outputs and params. */
const logger =
  (pt: ReturnType<typeof setup>['pt']) =>
  (id: string, component: string, hour: number, inputs: string[], outputs: string[], params = {}) =>
    pt.logRun({
      id,
      component,
      startedAt: T0 + hour * 3_600_000,
      endedAt: T0 + hour * 3_600_000 + 60_000,
      inputs,
      outputs,
      params,
    });

const top = (cands: ReviewCandidate[], rank = 1) => cands.filter((c) => c.rank === rank).map((c) => c.id);

describe('run-level review: tie-breaks by evidence', () => {
  it('without differences, a flagged chain is one group sharing rank 1', async () => {
    const review = await (await chains([3])).review();
    const group = review.candidates.filter((c) => c.group === 1);
    expect(group.map((c) => c.id).sort()).toEqual(['clean-3', 'feat-3', 'load-3']);
    expect(group.every((c) => c.rank === 1 && c.differences.length === 0 && c.reach === 'direct')).toBe(true);
    expect(group[0]?.evidence).toEqual({ ef: 1, ep: 0, F: 1, P: 7, score: 1 });
  });

  it('ranks the run with another code version first, and says so', async () => {
    const pt = await chains([3], (c, d) => (c === 'clean' && d === 3 ? { code: { commit: 'v2' } } : {}));
    const review = await pt.review();
    // The version that ran once is that run again: the two share rank 1, the rest come after.
    expect(top(review.candidates)).toEqual(['clean-3', 'clean@v2']);
    expect(review.candidates[0]?.differences).toEqual(['code version v2 differs from most runs of clean (v1)']);
    expect(review.candidates[1]?.differences).toEqual(['version v2 ran in 1 of 8 runs of clean reached']);
    expect(top(review.candidates, 3).sort()).toEqual(['feat-3', 'load-3']);
  });

  it('ranks the run with other params first', async () => {
    const pt = await chains([3], (c, d) => (c === 'load' && d === 3 ? { params: { unit: 'cents' } } : {}));
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['load-3']);
    expect(review.candidates[0]?.differences).toEqual(['params.unit = "cents" (most runs: "dollars")']);
  });

  it('ranks the run that wrote an unusual number of outputs first', async () => {
    const pt = await chains([3], (c, d) =>
      c === 'clean' && d === 3 ? { outputs: ['clean/day-3', 'clean/extra-a', 'clean/extra-b'] } : {},
    );
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['clean-3']);
    expect(review.candidates[0]?.differences).toEqual(['wrote 3 outputs (median 1)']);
  });

  it('ranks the run that took unusually long first', async () => {
    const pt = await chains([3], (c, d) =>
      c === 'feat' && d === 3 ? { endedAt: T0 + 3 * DAY + 2 * 3_600_000 + 600_000 } : {},
    );
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['feat-3']);
    expect(review.candidates[0]?.differences).toEqual(['took 600000 ms (median 60045 ms)']);
  });

  it('ranks a failed run first where its component usually succeeds', async () => {
    const pt = await chains([3], (c, d) => (c === 'load' && d === 3 ? { status: 'failed' } : {}));
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['load-3']);
    expect(review.candidates[0]?.differences).toEqual(['failed (most runs of load: succeeded)']);
  });

  it('ranks what reaches the flagged outputs directly above what reaches them only through an aggregating run', async () => {
    // Two source runs feed one training run (an aggregate); its model feeds the flagged prediction.
    const { pt } = setup();
    const log = logger(pt);
    await log('src-a', 'src', 0, [], ['src/a']);
    await log('src-b', 'src', 1, [], ['src/b']);
    await log('train-1', 'train', 2, ['src/a', 'src/b'], ['model']);
    await log('predict-1', 'predict', 3, ['model'], ['out/1']);
    await pt.flag('out/1');
    const review = await pt.review();
    const byId = new Map(review.candidates.map((c) => [c.id, c]));
    expect(review.candidates.every((c) => c.group === 1)).toBe(true);
    expect(top(review.candidates).sort()).toEqual(['predict-1', 'predict@(none)', 'train-1', 'train@(none)']);
    expect(byId.get('src-a')).toMatchObject({ rank: 5, reach: 'aggregate', hops: 1 });
    expect(byId.get('src-a')?.differences).toEqual([
      'reaches the flagged outputs only through 1 aggregating step (a run reading several runs of one component)',
    ]);
    expect(byId.get('train-1')).toMatchObject({ reach: 'direct', hops: 0, differences: [] });
  });
});

describe('run-level review: component versions', () => {
  it('ranks a bad code version first outright, with its share of runs', async () => {
    const pt = await chains([2, 3, 4], (c, d) => (c === 'clean' && d >= 2 && d <= 4 ? { code: { commit: 'v2' } } : {}));
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['clean@v2']);
    expect(review.candidates[0]).toMatchObject({
      kind: 'component',
      component: { name: 'clean', version: 'v2', runs: 3 },
      evidence: { ef: 3, ep: 0, F: 3, P: 5, score: 1 },
      differences: ['version v2 ran in 3 of 8 runs of clean reached'],
    });
    // Components tie on outputs alone; ordered by their best version, and the note says so.
    expect(review.components[0]?.candidates.map((c) => c.name)).toEqual(['clean', 'feat', 'load']);
    expect(review.components[0]?.candidates[0]?.bestVersion).toBe('clean@v2');
    expect(review.notes).toEqual([
      'the components clean, feat, load lie behind the same flagged and unflagged outputs; they are ordered by their best version (clean@v2)',
    ]);
  });

  it('ranks a param setting first where the param changed for some runs', async () => {
    const pt = await chains([2, 3, 4], (c, d) =>
      c === 'clean' && d >= 2 && d <= 4 ? { params: { unit: 'cents' } } : {},
    );
    const review = await pt.review();
    expect(top(review.candidates)).toEqual(['clean@v1 params.unit="cents"']);
    expect(review.candidates[0]).toMatchObject({
      component: { name: 'clean', version: 'v1', runs: 3, params: { unit: '"cents"' } },
      evidence: { ef: 3, ep: 0 },
      differences: ['version v1 with params.unit = "cents" ran in 3 of 8 runs of clean reached'],
    });
  });

  it('says plainly when flags alone cannot separate components', async () => {
    const review = await (await chains([3])).review();
    expect(review.notes).toEqual([
      'flags alone cannot separate the components clean, feat, load: they lie behind the same flagged and unflagged outputs, and so do their best versions',
    ]);
  });
});

describe('run-level review: output-level spectra for shared upstreams', () => {
  /**
   * The README's worked example. Four days of features; a model trained on day 2 from days 0
   * and 1 (an aggregating run) predicts days 2 and 3; an initial model predicts days 0 and 1.
   * Day 1's features were bad: only day 1's predictions are flagged.
   */
  async function sharedUpstream() {
    const { pt } = setup();
    const log = logger(pt);
    await log('train-0', 'train', 0, [], ['model']);
    for (let d = 0; d < 4; d++) {
      await log(`feat-${d}`, 'feat', 24 * d + 1, [], [`features/day-${d}`], d === 1 ? { window: 3 } : { window: 7 });
      if (d === 2) await log('train-2', 'train', 24 * d + 2, ['features/day-0', 'features/day-1'], ['model']);
      await log(`predict-${d}`, 'predict', 24 * d + 3, [`features/day-${d}`, 'model'], [`predictions/day-${d}`]);
    }
    await pt.flag('predictions/day-1');
    return pt;
  }

  it("counts a day's features by the predictions they reach directly, not those of the next days' model", async () => {
    const review = await (await sharedUpstream()).review();
    const byId = new Map(review.candidates.map((c) => [c.id, c]));
    // feat-1 reaches predictions/day-1 directly, and days 2 and 3 only through train-2.
    expect(byId.get('feat-1')).toMatchObject({
      evidence: { ef: 1, ep: 0, F: 1, P: 3, score: 1 },
      reach: 'direct',
      hops: 0,
    });
    expect(byId.get('predict-1')?.evidence).toMatchObject({ ef: 1, ep: 0 });
    // The window it ran with breaks the tie with predict-1.
    expect(review.candidates[0]?.id).toBe('feat-1');
    expect(review.candidates[0]?.differences).toEqual(['params.window = 3 (most runs: 7)']);
    // train-2 and the other days' features reach no flagged output directly: no candidates.
    expect(byId.has('train-2')).toBe(false);
    expect(byId.has('feat-0')).toBe(false);
  });
});

describe('review limit', () => {
  it('counts score groups, so a tie at the cut is kept whole, in candidates as in runs', async () => {
    // Day 3's chain is flagged: its load, clean and feat runs share the top score.
    const pt = await chains([3]);
    const full = await pt.review();
    const top = full.candidates.filter((c) => c.group === 1);
    expect(top.length).toBeGreaterThan(1);
    expect(full.candidates.some((c) => c.group === 2)).toBe(true);
    const one = await pt.review({ limit: 1 });
    expect(one.candidates.map((c) => c.id).sort()).toEqual(top.map((c) => c.id).sort());
    expect(one.runs).toHaveLength(1);
    const two = await pt.review({ limit: 2 });
    expect(new Set(two.candidates.map((c) => c.group))).toEqual(new Set([1, 2]));
  });
});
