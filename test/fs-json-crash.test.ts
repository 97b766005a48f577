import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FsJsonProblem, fsJsonStore } from '../adapters/fs-json/index.js';
import type { Store } from '../src/store.js';
import { fixtureRun } from './fixtures/fs-json/runs.js';
import { spawnWriter, waitFor } from './fixtures/fs-json/spawn.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function allIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({ order: 'asc', limit: 5000, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}

describe('fs-json store: crash safety', () => {
  it('keeps every acknowledged run when the writing process is killed with SIGKILL mid-stream', async () => {
    const dir = join(root, 'killed');
    const batch = 200;
    const acked = new Set<string>();
    const maybe = new Set<string>();
    // Three writers in turn, each killed at a different point of its stream.
    for (const [round, target] of [4, 11, 23].entries()) {
      const prefix = `w${round}`;
      const writer = spawnWriter(dir, prefix, 0, batch);
      await waitFor(() => writer.acks.length >= target, 30_000, `${target} acknowledged batches`);
      writer.child.kill('SIGKILL');
      const exit = await writer.done;
      expect(exit.signal).toBe('SIGKILL');
      for (const ids of writer.acks) for (const id of ids) acked.add(id);
      // The batch in flight when the process died may be stored whole, or not at all.
      const next = writer.acks.length * batch;
      for (let n = next; n < next + batch; n++) maybe.add(fixtureRun(prefix, n).id);
    }

    const problems: FsJsonProblem[] = [];
    const store = await fsJsonStore({ dir, onCorrupt: (p) => problems.push(p) });
    try {
      const ids = await allIds(store);
      expect(new Set(ids).size).toBe(ids.length);
      const stored = new Set(ids);
      for (const id of acked) expect(stored.has(id)).toBe(true);
      const extra = ids.filter((id) => !acked.has(id));
      for (const id of extra) expect(maybe.has(id)).toBe(true);
      // All or nothing per batch: extras come in whole batches of one writer.
      const perWriter = new Map<string, number>();
      for (const id of extra)
        perWriter.set(id.split('-')[0] as string, (perWriter.get(id.split('-')[0] as string) ?? 0) + 1);
      for (const count of perWriter.values()) expect(count).toBe(batch);
      // Nothing corrupt: each run reads back exactly as written.
      const sample = ids.filter((_, i) => i % 97 === 0);
      const runs = await store.getRuns(sample);
      runs.forEach((run, i) => {
        const [prefix, n] = (sample[i] as string).split('-') as [string, string];
        expect(run).toEqual(fixtureRun(prefix, Number(n)));
      });
      // The only problems a kill may leave are uncommitted tails.
      for (const p of problems) expect(p.reason).toMatch(/after the last commit/);
      // And the store keeps working after the crash.
      await store.putRuns([fixtureRun('after', 1)]);
      expect((await store.getRuns([fixtureRun('after', 1).id]))[0]?.id).toBe('after-000001');
    } finally {
      await store.close();
    }
  }, 90_000);
});
