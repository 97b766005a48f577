import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FsJsonProblem, fsJsonStore } from '../adapters/fs-json/index.js';
import { fixtureRun } from './fixtures/fs-json/runs.js';
import { spawnWriter } from './fixtures/fs-json/spawn.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-concurrent-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fs-json store: several processes', () => {
  it('loses and duplicates nothing when 4 processes write 2,000 runs each at once, and a reader sees them', async () => {
    const dir = join(root, 'shared');
    const problems: FsJsonProblem[] = [];
    // The reader opens first, in this process, and never reopens.
    const reader = await fsJsonStore({ dir, onCorrupt: (p) => problems.push(p) });
    try {
      const prefixes = ['p0', 'p1', 'p2', 'p3'];
      const writers = prefixes.map((prefix, i) => spawnWriter(dir, prefix, 2000, [50, 100, 250, 1000][i] as number));
      const seen: number[] = [];
      let finished = false;
      const exits = Promise.all(writers.map((w) => w.done)).finally(() => {
        finished = true;
      });
      while (!finished) {
        seen.push((await reader.scanRuns({ limit: 10_000 })).runs.length);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const exit of await exits) expect(exit).toEqual({ code: 0, signal: null, stderr: '' });

      const page = await reader.scanRuns({ order: 'asc', limit: 10_000 });
      const ids = page.runs.map((r) => r.id);
      expect(page.cursor).toBeUndefined();
      expect(ids.length).toBe(8000);
      expect(new Set(ids).size).toBe(8000);
      for (const prefix of prefixes) {
        expect((await reader.scanRuns({ component: prefix, limit: 10_000 })).runs.length).toBe(2000);
        const last = fixtureRun(prefix, 1999);
        expect((await reader.getRuns([last.id]))[0]).toEqual(last);
        expect((await reader.latestWriters([{ pointer: last.outputs[0] as string }]))[0]?.id).toBe(last.id);
      }
      expect((await reader.scanComponents()).map((c) => c.name)).toEqual(prefixes);
      // The reader watched the count grow while the writers ran, never shrink.
      expect(seen.every((n, i) => i === 0 || n >= (seen[i - 1] as number))).toBe(true);
      expect(problems).toEqual([]);
      // Each writer appended to a segment of its own: at most one per process.
      const segments = readdirSync(join(dir, 'segments')).filter((f) => f.endsWith('.ndjson'));
      expect(segments.length).toBeLessThanOrEqual(4);
    } finally {
      await reader.close();
    }

    // A second opening, from the files alone, agrees.
    const again = await fsJsonStore({ dir });
    try {
      expect((await again.scanRuns({ limit: 10_000 })).runs.length).toBe(8000);
    } finally {
      await again.close();
    }
  }, 120_000);
});
