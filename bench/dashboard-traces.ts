/** The traces the dashboard's trace benchmarks draw (dashboard-trace.bench.ts, dashboard-trace-gap.ts). */
import type { Pipetrace } from '../src/index.js';

/** A chain of n runs, each reading what the previous one wrote. */
export async function chain(pt: Pipetrace, n: number) {
  const t0 = Date.UTC(2026, 0, 1);
  const runs = [];
  for (let i = 0; i < n; i++)
    runs.push({
      component: `step${i % 5}`,
      startedAt: t0 + i * 60_000,
      endedAt: t0 + i * 60_000 + 5,
      inputs: i === 0 ? [] : [`chain/${i - 1}`],
      outputs: [`chain/${i}`],
    });
  await pt.logRuns(runs);
  return `chain/${n - 1}`;
}

/** 8 levels of 125 runs, each reading one or two outputs of the level above, and a root reading the last level. */
export async function wide(pt: Pipetrace) {
  const t0 = Date.UTC(2026, 0, 1);
  const runs = [];
  for (let level = 0; level < 8; level++)
    for (let i = 0; i < 125; i++)
      runs.push({
        component: `l${level}-${i % 4}`,
        startedAt: t0 + level * 3_600_000 + i,
        endedAt: t0 + level * 3_600_000 + i + 1,
        inputs: level === 0 ? [] : [`w/${level - 1}/${i}`, `w/${level - 1}/${(i * 7) % 125}`],
        outputs: [`w/${level}/${i}`],
      });
  for (const r of runs) await pt.logRun(r);
  await pt.logRun({
    component: 'root',
    startedAt: t0 + 9 * 3_600_000,
    endedAt: t0 + 9 * 3_600_000 + 1,
    inputs: Array.from({ length: 125 }, (_, i) => `w/7/${i}`),
    outputs: ['w/root'],
  });
  return 'w/root';
}
