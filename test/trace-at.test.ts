/** trace(pointer, { at }): the version of a pointer current at a time, not only the latest. */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, type Pipetrace, PipetraceError } from '../src/index.js';
import { splitAt, versionTime } from '../src/target.js';
import { runMain } from './cli-run.js';

/** Pointer `m` written on 2026-04-01, -02 and -03; the writers' ids in that order. */
async function publishDays(pt: Pipetrace): Promise<string[]> {
  const ids: string[] = [];
  for (let d = 1; d <= 3; d++) {
    const run = await pt.logRun({
      component: 'publish',
      startedAt: Date.UTC(2026, 3, d),
      endedAt: Date.UTC(2026, 3, d) + 5,
      outputs: ['m'],
    });
    ids.push(run.id);
  }
  return ids;
}

describe('trace at a time', () => {
  it('traces the writer that started last before the time, and says when none did', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const ids = await publishDays(pt);
    expect((await pt.trace('m')).root).toBe(ids[2]);
    expect((await pt.trace('m', { at: versionTime('2026-04-02') as number })).root).toBe(ids[1]);
    expect((await pt.trace({ pointer: 'm' }, { at: Date.UTC(2026, 3, 1) + 1 })).root).toBe(ids[0]);
    expect((await pt.trace('m', { at: Date.UTC(2026, 3, 2) })).target).toEqual({ pointer: 'm' });
    await expect(pt.trace('m', { at: Date.UTC(2026, 2, 1) })).rejects.toMatchObject({ code: 'not_found' });
    await expect(pt.trace('m', { at: 'soon' as never })).rejects.toBeInstanceOf(PipetraceError);
  });

  it('reads a day as its end, and POINTER@DAY only when a day follows the @', () => {
    expect(versionTime('2026-04-02')).toBe(Date.UTC(2026, 3, 3));
    expect(versionTime('1700000000000')).toBe(1_700_000_000_000);
    expect(versionTime('never')).toBeUndefined();
    expect(splitAt('m@2026-04-02', undefined)).toEqual({ target: 'm', at: '2026-04-02' });
    expect(splitAt('a@b.com', undefined)).toEqual({ target: 'a@b.com' });
    expect(splitAt('m', '2026-04-02')).toEqual({ target: 'm', at: '2026-04-02' });
  });

  it('pipetrace trace POINTER@DAY and --at DATE print that version', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pipetrace-at-')), 'store');
    const store = await fsJsonStore({ dir });
    const pt = createPipetrace({ store });
    const ids = await publishDays(pt);
    await store.close();
    const root = async (args: string[]) => {
      const r = await runMain(['trace', ...args, '--store', dir, '--json']);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { root: string }).root;
    };
    expect(await root(['m'])).toBe(ids[2]);
    expect(await root(['m@2026-04-02'])).toBe(ids[1]);
    expect(await root(['m', '--at', '2026-04-01'])).toBe(ids[0]);
    expect((await runMain(['trace', 'm', '--at', 'never', '--store', dir])).code).toBe(2);
  });
});
