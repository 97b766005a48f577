/**
 * copyStore figures: a 100k-run fs-json store (a five-stage pipeline with params, metrics, notes,
 * flags, tags, and row lineage on one run in ten) copied whole into each target below, batches
 * of 1,000, in this process.
 *   copy_runs_per_s           the first target's figure: fs-json → PostgreSQL (a throwaway local server)
 *   copy_runs_per_s_<target>  runs per second into that target (blobs, components and pointers
 *                             copied within the same time)
 *   copy_source_blobs         row-lineage chunks in the source
 * Run with `npm run bench -- copy`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { postgresStore } from '../adapters/postgres/index.js';
import { copyStore } from '../src/copy.js';
import type { Store } from '../src/store.js';
import { fillSource } from '../test/copy-source.js';
import { startPostgres, type TestPostgres } from '../test/pg/server.js';
import { type Figures, report, round } from './lib.js';

const RUNS = 100_000;
const work = mkdtempSync(join(tmpdir(), 'pipetrace-copy-bench-'));

/** Where to copy to: one line per target. */
let pg: TestPostgres | undefined;
const TARGETS: { name: string; open: () => Promise<Store> }[] = [
  {
    name: 'postgres',
    open: async () => postgresStore({ url: (pg ??= await startPostgres()).url }, { schema: 'copy', live: false }),
  },
  { name: 'fs_json', open: () => fsJsonStore({ dir: join(work, 'dst-fs') }) },
  { name: 'memory', open: async () => memoryStore() },
];

try {
  // The source is built in memory, then written to a folder, and read back by a fresh open.
  const built = memoryStore();
  await fillSource(built, RUNS, 10);
  const srcDir = join(work, 'src');
  const writing = await fsJsonStore({ dir: srcDir, durable: false });
  await copyStore(built, writing, { batchSize: 5000 });
  await writing.close();
  await built.close();

  const figures: Figures = {};
  for (const target of TARGETS) {
    const source = await fsJsonStore({ dir: srcDir });
    const destination = await target.open();
    const t0 = performance.now();
    const result = await copyStore(source, destination, { batchSize: 1000 });
    const seconds = (performance.now() - t0) / 1000;
    if (result.runs !== RUNS) throw new Error(`copied ${result.runs} runs into ${target.name}, not ${RUNS}`);
    figures[`copy_runs_per_s_${target.name}`] = round(RUNS / seconds, 0);
    figures.copy_source_blobs = result.blobs;
    figures.copy_runs_per_s ??= figures[`copy_runs_per_s_${target.name}`] ?? null;
    await destination.close();
    await source.close();
  }
  report(figures);
} finally {
  await pg?.stop();
  rmSync(work, { recursive: true, force: true });
}
