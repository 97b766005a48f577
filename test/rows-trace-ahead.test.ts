/**
 * A backward trace asks the store for each step's upstream runs, their manifests and their
 * inputs' writers together (src/rows/step-ahead.ts): fs-json looks at its files once per batch
 * of calls made together. The writers are asked for from a guess of the runs' inputs (the runs
 * as last read); a wrong guess must not change the answer.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import { traceRow, writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const T = 1_700_000_000_000;
const STAGES = 5;
const stageRun = (s: number, extraInputs: string[] = []): Run =>
  sampleRun({
    id: `stage-${s}`,
    component: `stage${s}`,
    startedAt: T + s * 100,
    endedAt: T + s * 100 + 10,
    inputs: [`data/${s - 1}`, ...extraInputs],
    outputs: [`data/${s}`],
  });
const key = (s: number, i: number) => `s${s}-row-${i}`;

async function fiveStages(): Promise<Store> {
  const store = memoryStore();
  await store.putRuns(Array.from({ length: STAGES }, (_, s) => stageRun(s + 1)));
  const n = 50;
  for (let s = 1; s <= STAGES; s++) {
    const outputKeys = Array.from({ length: n }, (_, i) => key(s, i));
    const inputKeys = Array.from({ length: n }, (_, i) => key(s - 1, i));
    await writeRowLineage(store, `stage-${s}`, [
      { output: `data/${s}`, input: `data/${s - 1}`, kind: 'map', outputKeys, inputKeys },
    ]);
  }
  return store;
}

/**
 * The store seen through async calls only (no synchronous twin), counting rounds: a round
 * starts with a call made while no other call is under way (calls made together share one).
 */
function rounds(store: Store): { store: Store; rounds: () => number } {
  let open = 0;
  let count = 0;
  const wrapped = Object.create(store) as Store & { sync?: unknown };
  wrapped.sync = undefined;
  for (const name of ['getBlobs', 'getRuns', 'latestWriters', 'scanRuns'] as const) {
    const method = (store[name] as (...a: unknown[]) => Promise<unknown>).bind(store);
    (wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      if (open === 0) count++;
      open++;
      try {
        return await method(...args);
      } finally {
        // Settled calls close after the calls their results start (those join no round of theirs).
        await Promise.resolve();
        open--;
      }
    };
  }
  return { store: wrapped, rounds: () => count };
}

describe('row trace read-ahead', () => {
  it('traces a warm 5-stage row in 6 rounds of store calls (12 before)', async () => {
    const seen = rounds(await fiveStages());
    const cold = await traceRow(seen.store, `data/${STAGES}`, key(STAGES, 7));
    const before = seen.rounds();
    const warm = await traceRow(seen.store, `data/${STAGES}`, key(STAGES, 7));
    expect(warm).toEqual(cold);
    expect(warm.steps).toHaveLength(STAGES);
    expect(warm.origins.map((o) => o.pointer)).toEqual(['data/0']);
    // One round for the writer of data/5, one for its run, manifest and inputs' writers, then one a step for its upstream's.
    expect(seen.rounds() - before).toBe(6);
  });

  it('gives the same trace when a run changed its inputs since it was last read (a wrong guess)', async () => {
    const base = await fiveStages();
    const seen = rounds(base);
    await traceRow(seen.store, `data/${STAGES}`, key(STAGES, 3));
    // stage-3 now also reads data/side, written by a new run; stage-2 starts later than it did.
    await base.putRuns([
      sampleRun({
        id: 'side',
        component: 'side',
        startedAt: T + 150,
        endedAt: T + 160,
        inputs: [],
        outputs: ['data/side'],
      }),
      stageRun(3, ['data/side']),
      { ...stageRun(2), startedAt: T + 250, endedAt: T + 260 },
    ]);
    const again = await traceRow(seen.store, `data/${STAGES}`, key(STAGES, 3));
    // A store view of its own has no guesses: every writer is asked for after its run is read.
    const fresh = await traceRow(rounds(base).store, `data/${STAGES}`, key(STAGES, 3));
    expect(again).toEqual(fresh);
    expect(again.steps.map((s) => s.run.id)).toContain('side');
  });
});
