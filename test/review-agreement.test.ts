import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import type { ReviewCandidate } from '../src/analysis/candidate.js';
import { reviewRuns } from '../src/analysis/review.js';
import { createPipetrace } from '../src/pipetrace.js';
import { flagRows, reviewRows, writeRowLineage } from '../src/rows/index.js';
import { T0 } from './helpers.js';

/**
 * A random pipeline: component k reads one run's output of each of its upstream components
 * (at least one, chosen among those before it) and writes one output holding one row, with 1:1 row lineage
 * from each input row; sources record none. Code versions are v1 or v2 at random.
 */
const pipeline = fc.integer({ min: 2, max: 5 }).chain((k) =>
  fc.record({
    upstream: fc.tuple(
      ...Array.from({ length: k }, (_, c) =>
        fc.subarray(
          Array.from({ length: c }, (_, u) => u),
          { minLength: c > 0 ? 1 : 0 },
        ),
      ),
    ),
    runs: fc.tuple(...Array.from({ length: k }, () => fc.integer({ min: 1, max: 4 }))),
    picks: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    commits: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    flags: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  }),
);

const view = (list: ReviewCandidate[]) =>
  list.map((c) => ({
    id: c.id,
    ef: c.evidence.ef,
    ep: c.evidence.ep,
    score: c.evidence.score,
    group: c.group,
    rank: c.rank,
    hops: c.hops,
    differences: c.differences,
  }));

describe('run-level review and row review', () => {
  it('agree where every step has 1:1 row lineage: same candidates, evidence, groups, ranks and differences', async () => {
    // How much the property saw, so that it cannot pass on empty reviews.
    const seen = { reviews: 0, candidates: 0, versions: 0, differences: 0, groups: 0 };
    await fc.assert(
      fc.asyncProperty(pipeline, async ({ upstream, runs, picks, commits, flags }) => {
        const store = memoryStore();
        const pt = createPipetrace({ store });
        const written: string[][] = [];
        let n = 0;
        let flaggable: string[] = [];
        for (const [c, count] of runs.entries()) {
          const mine: string[] = [];
          const ups = upstream[c] as number[];
          for (let r = 0; r < count; r++, n++) {
            const id = `c${c}-r${r}`;
            const output = `out/${id}`;
            const inputs = ups.map((u) => {
              const from = written[u] as string[];
              return from[(picks[n % picks.length] as number) % from.length] as string;
            });
            const startedAt = T0 + n * 1000;
            await pt.logRun({
              id,
              component: `c${c}`,
              startedAt,
              endedAt: startedAt + 100,
              inputs,
              outputs: [output],
              code: { commit: commits[n % commits.length] ? 'v2' : 'v1' },
            });
            if (inputs.length > 0) {
              await writeRowLineage(
                store,
                id,
                inputs.map((input) => ({
                  output,
                  input,
                  kind: 'map' as const,
                  outputKeys: [output],
                  inputKeys: [input],
                })),
              );
              if (flags[n % flags.length]) flaggable.push(output);
            }
            mine.push(output);
          }
          written.push(mine);
        }
        // At least one flagged output, written by a run with row lineage.
        if (flaggable.length === 0) {
          const withInputs = upstream.findIndex((u) => u.length > 0);
          if (withInputs < 0) return;
          flaggable = [(written[withInputs] as string[])[0] as string];
        }
        for (const p of flaggable) await flagRows(store, p, [p]);
        const rows = await reviewRows(store, { limit: 1000 });
        const runLevel = await reviewRuns(store, flaggable, { limit: 1000 });
        expect(runLevel.F).toBe(rows.F);
        expect(runLevel.P).toBe(rows.P);
        expect(view(runLevel.candidates)).toEqual(view(rows.candidates));
        seen.reviews++;
        seen.candidates += runLevel.candidates.length;
        seen.versions += runLevel.candidates.filter((c) => c.kind === 'component').length;
        seen.differences += runLevel.candidates.filter((c) => c.differences.length > 0).length;
        seen.groups = Math.max(seen.groups, ...runLevel.candidates.map((c) => c.group));
      }),
      { numRuns: 40, seed: 19 },
    );
    expect(seen.reviews).toBeGreaterThan(30);
    expect(seen.candidates).toBeGreaterThan(seen.reviews * 2);
    expect(seen.versions).toBeGreaterThan(0);
    expect(seen.differences).toBeGreaterThan(0);
    expect(seen.groups).toBeGreaterThan(2);
  }, 120_000);
});
