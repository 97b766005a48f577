/** `pipetrace metrics`: a task's metrics per window as text and JSON, the task list, and usage errors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createPipetrace } from '../src/index.js';
import { runMain } from './cli-run.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe('pipetrace metrics', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pipetrace-metrics-'));
  const dir = join(cwd, '.pipetrace');
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const cli = (args: string[]) => runMain([...args, '--store', dir]);

  it('prints MAE and RMSE per day, the unmatched feedback, JSON, classes and the task list', async () => {
    const store = await fsJsonStore({ dir });
    const pt = createPipetrace({ store });
    await pt.task('fare').logOutputs(['a', 'b', 'c'], [10, 20, 30], { at: T0 });
    await pt.task('fare').logFeedback(['a', 'b', 'zz'], [11, 23, 5], { at: T0 + DAY });
    await pt.task('fare').logFeedback(['c'], [30], { at: T0 + 3 * DAY });
    await pt.task('churn').logOutputs(['u1', 'u2'], ['stay', 'leave'], { at: T0 });
    await pt.task('churn').logFeedback(['u1', 'u2'], ['stay', 'stay'], { at: T0 });
    await store.close();

    const text = await cli(['metrics', 'fare']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^fare: mae, rmse per 1d window, by feedback time/);
    const rows = text.stdout.split('\n').filter((l) => /^2026-/.test(l));
    expect(rows.map((l) => l.split(/\s+/))).toEqual([
      ['2026-01-02', '2', '2.000', Math.sqrt(5).toFixed(3)],
      ['2026-01-03', '0', '-', '-'],
      ['2026-01-04', '1', '0.000', '0.000'],
    ]);
    expect(text.stdout).toMatch(/1 feedback id with no output yet/);

    const json = JSON.parse((await cli(['metrics', 'fare', '--metric', 'count', '--window', '12h', '--json'])).stdout);
    expect(json.task).toBe('fare');
    expect(json.metrics.map((m: { metric: string; windowMs: number }) => [m.metric, m.windowMs])).toEqual([
      ['count', DAY / 2],
    ]);
    expect(json.metrics[0].points[0]).toEqual({
      start: '2026-01-02T00:00:00.000Z',
      end: '2026-01-02T12:00:00.000Z',
      value: 2,
      count: 2,
    });
    const byOutput = JSON.parse((await cli(['metrics', 'fare', '--by', 'output', '--json'])).stdout);
    expect(byOutput.metrics[0].points.map((p: { value: number }) => p.value)).toEqual([4 / 3]);

    const classes = await cli(['metrics', 'churn']);
    expect(classes.stdout).toMatch(/churn: accuracy per 1d window/);
    expect(classes.stdout).toMatch(/2026-01-01\s+2\s+0\.500/);
    const recall = await cli(['metrics', 'churn', '--metric', 'recall', '--positive', 'stay', '--json']);
    expect(JSON.parse(recall.stdout).metrics[0].points[0].value).toBe(0.5);

    const list = await cli(['metrics']);
    expect(
      list.stdout
        .split('\n')
        .slice(2, 4)
        .map((l) => l.split(/\s+/)),
    ).toEqual([
      ['churn', '2', '2', '1/1'],
      ['fare', '3', '4', '1/2'],
    ]);
    expect((await cli(['metrics', 'fare', '--window', 'daily'])).code).toBe(2);
    expect((await cli(['metrics', 'fare', '--metric', 'median'])).code).toBe(2);
    expect((await cli(['metrics', 'nope'])).code).not.toBe(0);
    expect((await cli(['metrics', 'fare', 'extra'])).code).toBe(2);
  });
});
