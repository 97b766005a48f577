import { describe, expect, it } from 'vitest';
import { spectrumScore } from '../src/index.js';
import { setup, T0 } from './helpers.js';

/**
 * One shared raw load, ten daily feature runs, two inference runs a day writing ten predictions
 * each. Day 7's feature run is faulty: 18 of its 20 predictions are flagged (two missed), plus
 * two false flags on other days.
 */
async function plantedFaultyRun() {
  const { pt } = setup();
  let t = T0;
  const log = (component: string, inputs: string[], outputs: string[]) =>
    pt.logRun({ component, startedAt: (t += 10), endedAt: (t += 5), inputs, outputs });
  const load = await log('load', [], ['raw.parquet']);
  const features: string[] = [];
  for (let day = 0; day < 10; day++) {
    features.push((await log('features', ['raw.parquet'], [`features-${day}`])).id);
    for (const half of [0, 1]) {
      const preds = Array.from({ length: 10 }, (_, i) => `pred-${day}-${half * 10 + i}`);
      await log('infer', [`features-${day}`], preds);
    }
  }
  for (let i = 0; i < 18; i++) await pt.flag(`pred-7-${i}`);
  await pt.flag('pred-2-3');
  await pt.flag('pred-4-11');
  return { pt, load, faulty: features[7] as string };
}

describe('review', () => {
  it('ranks a planted faulty run first with Ochiai, where coverage ranks the shared raw load first', async () => {
    const { pt, load, faulty } = await plantedFaultyRun();
    const ochiai = await pt.review();
    expect(ochiai.F).toBe(20);
    expect(ochiai.P).toBe(180);
    expect(ochiai.runs[0]?.candidates.map((c) => c.id)).toEqual([faulty]);
    expect(ochiai.runs[0]?.candidates[0]?.evidence).toEqual({
      ef: 18,
      ep: 2,
      F: 20,
      P: 180,
      score: 18 / Math.sqrt(20 * 20),
    });
    const coverage = await pt.review({ method: 'coverage' });
    expect(coverage.runs[0]?.candidates.map((c) => c.id)).toEqual([load.id]);
    expect(coverage.runs[0]?.score).toBe(1);
    expect((await pt.review({ method: 'risk_ratio' })).runs[0]?.candidates.map((c) => c.id)).toEqual([faulty]);
    // Tarantula ignores how many flagged outputs a candidate explains (a small inference run whose
    // outputs were all flagged scores 1), but it still puts the faulty run above the raw load.
    const tarantula = await pt.review({ method: 'tarantula' });
    const rankOf = (id: string) => tarantula.runs.find((g) => g.candidates.some((c) => c.id === id))?.rank ?? 99;
    expect(rankOf(faulty)).toBeLessThan(rankOf(load.id));
  });

  it('ranks components by the same evidence and reports the flagged outputs with their producers', async () => {
    const { pt } = await plantedFaultyRun();
    const review = await pt.review();
    expect(review.components.flatMap((g) => g.candidates.map((c) => c.name))).toEqual(['features', 'infer', 'load']);
    expect(review.flagged).toHaveLength(20);
    expect(review.flagged[0]).toMatchObject({ component: 'infer', producer: expect.any(String) });
  });

  it('groups candidates with equal evidence as a tie, newest run first', async () => {
    const { pt } = setup();
    let t = T0;
    const ids: string[] = [];
    for (const day of [0, 1]) {
      const chain = ['ingest', 'clean', 'features'];
      let prev: string | undefined;
      for (const c of chain) {
        const run = await pt.logRun({
          component: c,
          startedAt: (t += 10),
          endedAt: (t += 5),
          inputs: prev ? [prev] : [],
          outputs: [`${c}-${day}`],
        });
        prev = `${c}-${day}`;
        if (day === 1) ids.push(run.id);
      }
    }
    await pt.flag('features-1');
    const review = await pt.review();
    expect(review.runs[0]?.candidates.map((c) => c.id)).toEqual(ids.slice().reverse());
    expect(review.runs[0]).toMatchObject({ rank: 1, ef: 1, ep: 0 });
  });

  it('returns an empty ranking when nothing is flagged', async () => {
    const { pt } = await plantedFaultyRun();
    await pt.unflagAll();
    expect(await pt.review()).toMatchObject({ F: 0, P: 0, runs: [], components: [] });
  });

  it('leaves out candidates below the minimum support', async () => {
    const { pt, faulty } = await plantedFaultyRun();
    const review = await pt.review({ method: 'risk_ratio', minSupport: 3 });
    const ids = review.runs.flatMap((g) => g.candidates.map((c) => c.id));
    expect(ids).toContain(faulty);
    expect(review.runs.every((g) => g.ef >= 3)).toBe(true);
  });

  it('scores by the documented formulas', () => {
    expect(spectrumScore('ochiai', 4, 12, 8, 100)).toBeCloseTo(4 / Math.sqrt(8 * 16));
    expect(spectrumScore('coverage', 4, 12, 8, 100)).toBe(0.5);
    expect(spectrumScore('tarantula', 4, 12, 8, 100)).toBeCloseTo(0.5 / (0.5 + 0.12));
    expect(spectrumScore('risk_ratio', 4, 12, 8, 100)).toBeCloseTo(4.5 / 17 / (4.5 / 93));
    expect(spectrumScore('ochiai', 0, 12, 8, 100)).toBe(0);
    expect(spectrumScore('tarantula', 3, 0, 3, 0)).toBe(1);
  });
});
