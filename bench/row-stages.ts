/** The row-lineage history the row benchmarks trace: 5 stages of N rows, a keep then four 1:1 maps. */
import type { Run } from '../src/model.js';
import { writeRowLineage } from '../src/rows/index.js';
import type { Store } from '../src/store.js';

export const STAGES = 5;
const T0 = Date.UTC(2026, 0, 1);

/** ~16-character keys, distinct per stage. */
export const key = (stage: number, i: number) => `s${stage}-ride-${String(i).padStart(9, '0')}`;

export function runOf(stage: number): Run {
  const startedAt = T0 + stage * 60_000;
  return {
    id: `stage-${stage}`,
    component: `stage${stage}`,
    startedAt,
    endedAt: startedAt + 1000,
    status: 'succeeded',
    inputs: [`data/${stage - 1}`],
    outputs: [`data/${stage}`],
    dependencies: stage > 1 ? [`stage-${stage - 1}`] : [],
    notes: [],
    params: {},
    metrics: {},
  };
}

/** 5 stages of n rows: a filter keeping every row, then four 1:1 maps. */
export async function fiveStages(store: Store, n: number): Promise<void> {
  await store.putRuns(Array.from({ length: STAGES }, (_, s) => runOf(s + 1)));
  let inputKeys = Array.from({ length: n }, (_, i) => key(0, i));
  await writeRowLineage(store, 'stage-1', [{ output: 'data/1', input: 'data/0', kind: 'keep', keys: inputKeys }]);
  for (let s = 2; s <= STAGES; s++) {
    const outputKeys = Array.from({ length: n }, (_, i) => key(s, i));
    await writeRowLineage(store, `stage-${s}`, [
      { output: `data/${s}`, input: `data/${s - 1}`, kind: 'map', outputKeys, inputKeys },
    ]);
    inputKeys = outputKeys;
  }
}
