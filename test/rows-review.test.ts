import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import type { Run } from '../src/model.js';
import {
  allFlaggedRows,
  flaggedRows,
  flagRows,
  type RowReviewCandidate,
  reviewRows,
  rowHash,
  unflagRows,
  writeRowLineage,
} from '../src/rows/index.js';
import { sampleRun } from '../src/testing.js';
import { buildScenario, CULPRIT_KINDS, judge, rowPrecision, top1 } from './review-scenario.js';

const T = 1_700_000_000_000;
const run = (
  id: string,
  component: string,
  at: number,
  inputs: string[],
  outputs: string[],
  fields: Partial<Run> = {},
): Run => sampleRun({ id, component, startedAt: T + at, endedAt: T + at + 10, inputs, outputs, ...fields });

describe('row flags', () => {
  it('adds, lists and removes flagged rows of a pointer', async () => {
    const store = memoryStore();
    expect(await flagRows(store, 'predictions', ['a', 'b'])).toBe(2);
    expect(await flagRows(store, 'predictions', ['b', 'c'])).toBe(3);
    expect((await flaggedRows(store, 'predictions')).rows).toEqual([
      { hash: rowHash('a'), key: 'a' },
      { hash: rowHash('b'), key: 'b' },
      { hash: rowHash('c'), key: 'c' },
    ]);
    expect(await unflagRows(store, 'predictions', ['a'])).toBe(2);
    expect((await allFlaggedRows(store)).map((f) => f.pointer)).toEqual(['predictions']);
    expect(await unflagRows(store, 'predictions')).toBe(0);
    expect(await allFlaggedRows(store)).toEqual([]);
  });

  it('keeps flags of pointers longer than a blob key apart', async () => {
    const store = memoryStore();
    const long = `s3://bucket/${'x'.repeat(3000)}`;
    await flagRows(store, long, [1]);
    await flagRows(store, `${long}y`, [2]);
    expect((await flaggedRows(store, long)).rows).toEqual([{ hash: rowHash(1), key: 1 }]);
  });

  it('rejects a bad pointer or key and changes nothing', async () => {
    const store = memoryStore();
    for (const call of [() => flagRows(store, '../x\u0000', ['a']), () => flagRows(store, 'p', [{} as never])]) {
      expect(isPipetraceError(await call().catch((e: unknown) => e), 'invalid_input')).toBe(true);
    }
    expect(await store.listBlobs('')).toEqual([]);
  });
});

/** Two days of ingest -> clean -> score; day 2's cleaning run ran with other params. */
async function twoDays() {
  const store = memoryStore();
  const runs: Run[] = [];
  for (const d of [1, 2, 3]) {
    const at = d * 1000;
    const params = d === 2 ? { unit: 'cents' } : { unit: 'dollars' };
    runs.push(
      run(`ingest-${d}`, 'ingest', at, [], [`raw/${d}`]),
      run(`clean-${d}`, 'clean', at + 100, [`raw/${d}`], [`clean/${d}`], { params }),
      run(`score-${d}`, 'score', at + 200, [`clean/${d}`], [`scores/${d}`]),
    );
  }
  await store.putRuns(runs);
  for (const d of [1, 2, 3]) {
    const keys = Array.from({ length: 100 }, (_, i) => `${d}-${i}`);
    await writeRowLineage(store, `clean-${d}`, [{ output: `clean/${d}`, input: `raw/${d}`, kind: 'keep', keys }]);
    await writeRowLineage(store, `score-${d}`, [
      {
        output: `scores/${d}`,
        input: `clean/${d}`,
        kind: 'map',
        outputKeys: keys.map((k) => `s${k}`),
        inputKeys: keys,
      },
    ]);
  }
  return store;
}

describe('row review', () => {
  it('ranks the runs behind the flagged rows with Ochiai evidence over rows of the same outputs', async () => {
    const store = await twoDays();
    await flagRows(
      store,
      'scores/2',
      Array.from({ length: 30 }, (_, i) => `s2-${i}`),
    );
    await flagRows(store, 'scores/1', ['s1-0']);
    const review = await reviewRows(store);
    expect(review.outputs).toEqual(['scores/1', 'scores/2', 'scores/3']);
    expect(review.F).toBe(31);
    expect(review.P).toBe(269);
    const top = review.candidates[0] as RowReviewCandidate;
    expect(top.id).toBe('clean-2');
    expect(top.evidence).toEqual({ ef: 30, ep: 70, F: 31, P: 269, score: 30 / Math.sqrt(31 * 100) });
    expect(top.differences).toEqual(['params.unit = "cents" (most runs: "dollars")']);
  });

  it('shows runs with equal evidence as one group sharing a rank', async () => {
    const store = await twoDays();
    await flagRows(store, 'scores/3', ['s3-1', 's3-2']);
    const review = await reviewRows(store);
    const group = review.candidates.filter((c) => c.group === 1).map((c) => c.id);
    expect(group.sort()).toEqual(['clean-3', 'ingest-3', 'score-3']);
    expect(new Set(review.candidates.filter((c) => c.group === 1).map((c) => c.rank))).toEqual(new Set([1]));
  });

  it('ranks the raw records behind flagged rows, each with its evidence', async () => {
    const store = await twoDays();
    await flagRows(store, 'scores/1', ['s1-5', 's1-6']);
    const review = await reviewRows(store);
    expect(review.rows.map((r) => r.id).sort()).toEqual([`raw/1#${rowHash('1-5')}`, `raw/1#${rowHash('1-6')}`].sort());
    expect(review.rows[0]?.evidence).toMatchObject({ ef: 1, ep: 0, F: 2, P: 298 });
  });

  it('returns an empty review with a note when nothing is flagged', async () => {
    const review = await reviewRows(await twoDays());
    expect(review.candidates).toEqual([]);
    expect(review.notes).toEqual(['no flagged rows']);
  });

  it('keeps its invariants for any set of flagged rows: counts within F and P, scores in [0, 1] and falling by group', async () => {
    const store = await twoDays();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 99 })), {
          minLength: 1,
          maxLength: 40,
          selector: ([d, i]) => d * 1000 + i,
        }),
        async (picks) => {
          for (const d of [1, 2, 3]) await unflagRows(store, `scores/${d}`);
          for (const [d, i] of picks) await flagRows(store, `scores/${d}`, [`s${d}-${i}`]);
          const review = await reviewRows(store, { limit: 1000 });
          expect(review.F).toBe(picks.length);
          expect(review.F + review.P).toBe(300);
          for (const list of [review.candidates, review.rows]) {
            for (const [k, c] of list.entries()) {
              expect(c.evidence.ef).toBeGreaterThan(0);
              expect(c.evidence.ef).toBeLessThanOrEqual(review.F);
              expect(c.evidence.ep).toBeLessThanOrEqual(review.P);
              expect(c.evidence.score).toBeLessThanOrEqual(1 + 1e-12);
              const prev = list[k - 1];
              if (prev !== undefined) {
                expect(c.group).toBeGreaterThanOrEqual(prev.group);
                expect(c.evidence.score).toBeLessThanOrEqual(prev.evidence.score + 1e-12);
              }
            }
          }
          // Every flagged row's raw record is a row candidate.
          expect(review.rows.length).toBe(picks.length);
        },
      ),
      { numRuns: 15 },
    );
  }, 60_000);

  it('rejects an unknown metric', async () => {
    const error = await reviewRows(memoryStore(), { metric: 'magic' as never }).catch((e: unknown) => e);
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
  });
});

describe('review-quality scenarios', () => {
  for (const kind of CULPRIT_KINDS) {
    it(`puts the planted culprit of a ${kind} scenario in the top group`, async () => {
      const scenario = await buildScenario({ seed: 11, kind, days: 22, rowsPerDay: 80 });
      const review = await reviewRows(scenario.store, { limit: 200 });
      expect(judge(review, scenario).topGroupHit).toBe(true);
    }, 60_000);
  }

  it('splits first-rank credit among candidates with equal evidence, and counts precision over the top k', () => {
    const c = (id: string, rank: number): RowReviewCandidate => ({
      kind: 'row',
      id,
      reach: 'rows',
      hops: 0,
      evidence: { ef: 1, ep: 0, F: 1, P: 1, score: 1 },
      group: 1,
      rank,
      differences: [],
    });
    const list = [c('a', 1), c('b', 1), c('x', 3), c('y', 3)];
    expect(top1(list, ['a'])).toBe(0.5);
    expect(rowPrecision(list, ['a', 'b', 'y'])).toBeCloseTo((2 + 0.5) / 3);
  });
});
