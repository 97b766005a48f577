import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { fixtureRun } from './fixtures/fs-json/runs.js';
import { spawnWriter, waitFor } from './fixtures/fs-json/spawn.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files = (dir: string, suffix: string) =>
  readdirSync(join(dir, 'segments'))
    .filter((f) => f.endsWith(suffix))
    .sort();
const lockPid = (dir: string, lock: string) =>
  (JSON.parse(readFileSync(join(dir, 'segments', lock), 'utf8')) as { pid: number }).pid;

describe('fs-json store: locks of dead writers', () => {
  it('takes over the segment of a writer killed with SIGKILL while it held the lock', async () => {
    const dir = join(root, 'killed');
    const writer = spawnWriter(dir, 'dead', 0, 50);
    await waitFor(() => writer.acks.length >= 3, 30_000, 'three acknowledged batches');
    writer.child.kill('SIGKILL');
    expect((await writer.done).signal).toBe('SIGKILL');
    const segments = files(dir, '.ndjson');
    const locks = files(dir, '.lock');
    expect(locks.length).toBe(1);
    expect(lockPid(dir, locks[0] as string)).toBe(writer.child.pid);

    const store = await fsJsonStore({ dir, onCorrupt: () => undefined });
    try {
      await store.putRuns([fixtureRun('after', 1)]);
      // The dead writer's segment was claimed again: no new segment, and its lock is ours now.
      expect(files(dir, '.ndjson')).toEqual(segments);
      expect(files(dir, '.lock')).toEqual(locks);
      expect(lockPid(dir, locks[0] as string)).toBe(process.pid);
      const acked = writer.acks.flat();
      expect((await store.getRuns(acked)).every((r) => r !== undefined)).toBe(true);
    } finally {
      await store.close();
    }
    expect(existsSync(join(dir, 'segments', locks[0] as string))).toBe(false);
    const again = await fsJsonStore({ dir });
    try {
      expect((await again.getRuns([fixtureRun('after', 1).id]))[0]).toEqual(fixtureRun('after', 1));
    } finally {
      await again.close();
    }
  }, 60_000);

  it('leaves the lock of a live writer alone and starts a segment of its own', async () => {
    const dir = join(root, 'live');
    const writer = spawnWriter(dir, 'alive', 0, 50);
    try {
      await waitFor(() => writer.acks.length >= 1, 30_000, 'one acknowledged batch');
      const [lock] = files(dir, '.lock');
      const store = await fsJsonStore({ dir });
      try {
        await store.putRuns([fixtureRun('other', 1)]);
        expect(lockPid(dir, lock as string)).toBe(writer.child.pid);
        expect(files(dir, '.lock').length).toBe(2);
      } finally {
        await store.close();
      }
    } finally {
      writer.child.kill('SIGKILL');
      await writer.done;
    }
  }, 60_000);
});
