import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import { flagRows, reviewRows, rowHash, traceRow, writeRowLineage } from '../src/rows/index.js';
import { sampleRun } from '../src/testing.js';

const T = 1_700_000_000_000;
const run = (id: string, at: number, inputs: string[], outputs: string[]): Run =>
  sampleRun({ id, component: id.split('-')[0] as string, startedAt: T + at, endedAt: T + at + 10, inputs, outputs });

/**
 * A filter, a join (two pairs into one output), an aggregation (output keys repeat) and a
 * 1:1 scoring step whose last rows come from no recorded row: large enough that the review's
 * lookups take the bulk join, small enough to check against one trace per row.
 */
async function pipeline() {
  const store = memoryStore();
  await store.putRuns([
    run('clean-1', 0, ['a'], ['clean']),
    run('join-1', 100, ['clean', 'b'], ['joined']),
    run('agg-1', 200, ['joined'], ['agg']),
    run('score-1', 300, ['agg'], ['scores']),
  ]);
  const a = Array.from({ length: 2000 }, (_, i) => `a-${i}`);
  const b = Array.from({ length: 500 }, (_, i) => `b-${i}`);
  const clean = a.filter((_, i) => i % 5 !== 0);
  const joined = clean.map((k) => `j-${k}`);
  await writeRowLineage(store, 'clean-1', [{ output: 'clean', input: 'a', kind: 'keep', keys: clean }]);
  await writeRowLineage(store, 'join-1', [
    { output: 'joined', input: 'clean', kind: 'map', outputKeys: joined, inputKeys: clean },
    // A left join: a third of the rows have no partner in b.
    {
      output: 'joined',
      input: 'b',
      kind: 'many',
      outputKeys: joined.filter((_, i) => i % 3 !== 0),
      inputKeys: joined.filter((_, i) => i % 3 !== 0).map((_, i) => b[(i * 7) % 500] as string),
    },
  ]);
  const groups = joined.map((_, i) => `g-${i % 300}`);
  await writeRowLineage(store, 'agg-1', [
    { output: 'agg', input: 'joined', kind: 'many', outputKeys: groups, inputKeys: joined },
  ]);
  const scoreIn = [...Array.from({ length: 300 }, (_, g) => `g-${g}`), 'g-x1', 'g-x2', 'g-x3'];
  const scores = scoreIn.map((k) => `s-${k}`);
  await writeRowLineage(store, 'score-1', [
    { output: 'scores', input: 'agg', kind: 'map', outputKeys: scores, inputKeys: scoreIn },
  ]);
  return { store, scores };
}

describe('row review over joins and aggregations', () => {
  it('counts for every run and origin row exactly the flagged and unflagged rows that one trace per row finds', async () => {
    const { store, scores } = await pipeline();
    const flagged = scores.filter((_, i) => (i * 37) % 11 === 0 || i === 301);
    await flagRows(store, 'scores', flagged);
    const isFlagged = new Set(flagged);
    // Brute force: trace every population row on its own.
    const runs = new Map<string, { ef: number; ep: number }>();
    const rows = new Map<string, { ef: number; ep: number }>();
    const count = (map: Map<string, { ef: number; ep: number }>, id: string, bad: boolean) => {
      const c = map.get(id) ?? { ef: 0, ep: 0 };
      if (bad) c.ef++;
      else c.ep++;
      map.set(id, c);
    };
    for (const key of scores) {
      const trace = await traceRow(store, 'scores', key);
      const bad = isFlagged.has(key);
      for (const id of new Set(trace.steps.map((s) => s.run.id))) count(runs, id, bad);
      const seen = new Set<string>();
      for (const o of trace.origins) for (const r of o.rows) seen.add(`${o.pointer}#${r.hash}`);
      for (const id of seen) count(rows, id, bad);
    }
    const review = await reviewRows(store, { limit: 100_000 });
    expect(review.F).toBe(flagged.length);
    expect(review.P).toBe(scores.length - flagged.length);
    const reviewed = (list: typeof review.candidates) =>
      new Map(list.map((c) => [c.id, { ef: c.evidence.ef, ep: c.evidence.ep }]));
    const expectedRuns = new Map([...runs].filter(([, c]) => c.ef > 0));
    expect(reviewed(review.candidates.filter((c) => c.kind === 'run'))).toEqual(expectedRuns);
    const expectedRows = new Map([...rows].filter(([, c]) => c.ef > 0));
    expect(reviewed(review.rows)).toEqual(expectedRows);
    // The unexplained score rows start at the aggregation's output, where no recorded row holds them.
    expect(review.rows.some((c) => c.id === `agg#${rowHash('g-x2')}`)).toBe(true);
  });
});
