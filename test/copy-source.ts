/**
 * A store with everything the store contract holds, for copy tests and the copy bench: runs
 * with params, metrics and notes; components with owners and tags; flagged pointers; row
 * lineage chunks. And a snapshot of a store's whole contents, to compare two stores.
 */
import { COPY_CHECKPOINT_PREFIX } from '../src/copy.js';
import type { Component, PointerRecord, Run } from '../src/model.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';

export const T0 = Date.UTC(2026, 2, 1);
const STAGES = ['ingest', 'clean', 'features', 'train', 'infer'] as const;

/**
 * Fills `store` with `runs` runs of a five-stage pipeline, one row-lineage chunk every
 * `rowEvery` runs (0: none), notes on a few, two flagged outputs and tagged components.
 */
export async function fillSource(store: Store, runs: number, rowEvery = 10): Promise<void> {
  const pt = createPipetrace({ store });
  for (const [i, name] of STAGES.entries()) {
    await pt.component(name, {
      owner: `team-${i % 2}`,
      tags: [`stage-${i}`, 'nightly'],
      description: `the ${name} step`,
    });
  }
  const batch = 1000;
  const logged: Run[] = [];
  for (let at = 0; at < runs; at += batch) {
    const inputs = [];
    for (let i = at; i < Math.min(runs, at + batch); i++) {
      const stage = STAGES[i % STAGES.length] as string;
      const day = Math.floor(i / STAGES.length);
      inputs.push({
        component: stage,
        startedAt: T0 + i * 1000,
        endedAt: T0 + i * 1000 + 500,
        status: i % 97 === 0 ? ('failed' as const) : ('succeeded' as const),
        inputs: i % STAGES.length === 0 ? [] : [`${STAGES[(i % STAGES.length) - 1]}/${day}.csv`],
        outputs: [`${stage}/${day}.csv`],
        params: { day, lr: 0.01 * (i % 7), name: `p-${i}` },
        metrics: { rows: 1000 + (i % 13), loss: (i % 11) / 10 },
      });
    }
    logged.push(...(await pt.logRuns(inputs)));
  }
  for (const [i, run] of logged.entries()) {
    if (i % 500 === 7) await pt.addNote(run.id, `checked by hand #${i}`);
    if (rowEvery > 0 && i % rowEvery === 1 && run.inputs[0] !== undefined) {
      const keys = Array.from({ length: 50 }, (_, k) => `${i}-${k}`);
      await pt.recordRows(run.id, [
        { output: run.outputs[0] as string, input: run.inputs[0], kind: 'map', outputKeys: keys, inputKeys: keys },
      ]);
    }
  }
  const last = logged[logged.length - 1];
  if (last !== undefined) await pt.flag(last.outputs[0] as string);
  if (logged.length > 3) await pt.flag((logged[3] as Run).outputs[0] as string);
  await pt.flush();
}

export interface StoreContents {
  runs: Run[];
  components: Component[];
  pointers: PointerRecord[];
  blobs: [string, number[]][];
}

/** Everything a store holds, in a stable order (copy checkpoints left out). */
export async function contentsOf(store: Store): Promise<StoreContents> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({ order: 'asc', limit: 5000, ...(cursor === undefined ? {} : { cursor }) });
    runs.push(...page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  const keys = (await store.listBlobs('')).filter((k) => !k.startsWith(COPY_CHECKPOINT_PREFIX));
  const data = await store.getBlobs(keys);
  return {
    runs,
    components: await store.scanComponents(),
    pointers: await store.scanPointers(),
    blobs: keys.map((k, i) => [k, [...(data[i] ?? [])]]),
  };
}
