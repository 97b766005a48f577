/** Shared by the fs-json benches: the runs they log, and one measured open in a fresh process. */
import { spawnSync } from 'node:child_process';
import type { Run } from '../src/model.js';

/** Runs `from` .. `from + count - 1`: five components, one shared input of 500, one output each. */
export function makeRuns(from: number, count: number): Run[] {
  const base = 1_700_000_000_000;
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const startedAt = base + i * 1000;
    return {
      id: `${startedAt.toString(16).padStart(12, '0')}-7000-8000-${i.toString(16).padStart(12, '0')}`,
      component: ['load', 'clean', 'features', 'train', 'infer'][i % 5] as string,
      startedAt,
      endedAt: startedAt + 250,
      status: 'succeeded',
      inputs: [`s3://bucket/raw/part-${i % 500}.parquet`],
      outputs: [`s3://bucket/out/${i}.parquet`],
      dependencies: [],
      code: { commit: 'a1b2c3d4e5f6', branch: 'main', dirty: false },
      notes: [],
      params: { lr: 0.01, depth: 6 },
      metrics: { rows: 1000 + (i % 97), seconds: 0.25 },
    };
  });
}

/** Runs `script --open dir ...flags` in a fresh Node process and returns the JSON its last line prints. */
export function openInChild<T>(script: string, dir: string, flags: string[]): T {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, '--open', dir, ...flags], {
    encoding: 'utf8',
    env: process.env,
  });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as T;
}
