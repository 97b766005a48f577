/**
 * A writer process for the PostgreSQL concurrency test:
 *   node --import tsx test/pg/writer.ts URL SCHEMA WORKER TOTAL BATCH
 * logs TOTAL runs of component `writer-WORKER` in batches through a pipetrace of its own, then
 * logs its first batch again (same ids: replaced, never duplicated), and exits 0.
 * Run i reads the worker's own output of run i - 1 and `shared/config`, and writes
 * `wWORKER/out/i` and `shared/all`.
 */
import { postgresStore } from '../../adapters/postgres/index.js';
import { createPipetrace } from '../../src/pipetrace.js';
import type { RunInput } from '../../src/run-input.js';

export const T0 = 1_800_000_000_000;

export function writerRun(worker: number, i: number): RunInput {
  return {
    id: `w${worker}-${String(i).padStart(6, '0')}`,
    component: `writer-${worker}`,
    startedAt: T0 + i * 100,
    endedAt: T0 + i * 100 + 50,
    inputs: i === 0 ? ['shared/config'] : [`w${worker}/out/${i - 1}`, 'shared/config'],
    outputs: [`w${worker}/out/${i}`, 'shared/all'],
    params: { worker, i },
  };
}

async function main(): Promise<void> {
  const [url, schema, worker, total, batch] = process.argv.slice(2);
  const store = await postgresStore({ url: url as string }, { schema: schema as string, live: false });
  try {
    const pt = createPipetrace({ store });
    const runs = Array.from({ length: Number(total) }, (_, i) => writerRun(Number(worker), i));
    const size = Number(batch);
    for (let at = 0; at < runs.length; at += size) await pt.logRuns(runs.slice(at, at + size));
    await pt.logRuns(runs.slice(0, size));
  } finally {
    await store.close();
  }
}

if (process.argv[1]?.endsWith('writer.ts')) {
  main().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
