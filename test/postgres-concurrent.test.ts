import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postgresStore } from '../adapters/postgres/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { RunScan, Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';
import { useTestPostgres } from './pg/use.js';
import { T0, writerRun } from './pg/writer.js';

const pg = useTestPostgres();

const writerScript = fileURLToPath(new URL('./pg/writer.ts', import.meta.url));

function spawnWriter(
  args: string[],
  started?: (child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  started?.(child);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** The ids of every run a scan finds, oldest first, page by page. */
async function idsOf(store: Store, scan: RunScan): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({ ...scan, order: 'asc', ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.runs.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}

describe('postgres store: several writers at once', () => {
  it('loses and duplicates nothing when 4 processes log 500 runs each, and infers every dependency', async () => {
    const schema = 'four_writers';
    const store = await postgresStore({ url: pg.url }, { schema });
    try {
      const pt = createPipetrace({ store });
      const config = await pt.logRun({
        id: 'config',
        component: 'setup',
        startedAt: T0 - 1000,
        endedAt: T0 - 900,
        outputs: ['shared/config'],
      });
      const total = 500;
      const exits = await Promise.all(
        [0, 1, 2, 3].map((worker) =>
          spawnWriter([pg.url, schema, String(worker), String(total), String([25, 50, 100, 500][worker])]),
        ),
      );
      for (const exit of exits) expect(exit).toEqual({ code: 0, stderr: '' });

      const all = await idsOf(store, { limit: 333 });
      expect(all.length).toBe(4 * total + 1);
      expect(new Set(all).size).toBe(all.length);
      for (let worker = 0; worker < 4; worker++) {
        const expected = Array.from({ length: total }, (_, i) => writerRun(worker, i).id as string);
        const runs = await store.getRuns(expected);
        // Each run depends on the run before it (logged by the same writer) and on the config.
        expect(runs.map((r) => r?.dependencies)).toEqual(
          expected.map((_, i) => (i === 0 ? [config.id] : [expected[i - 1], config.id])),
        );
        expect((await store.scanRuns({ component: `writer-${worker}`, limit: 1000 })).runs.length).toBe(total);
      }
      // The latest writer of a pointer all four wrote: the same times, so the greatest id.
      expect((await store.latestWriters([{ pointer: 'shared/all' }]))[0]?.id).toBe(writerRun(3, total - 1).id);
      expect((await store.scanRuns({ input: 'shared/config', limit: 10_000 })).runs.length).toBe(4 * total);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('keeps the pointer index equal to the stored run when two stores replace the same runs at once', async () => {
    const a = await postgresStore({ url: pg.url }, { schema: 'replace_race', live: false });
    const b = await postgresStore({ url: pg.url }, { schema: 'replace_race', live: false });
    try {
      const ids = Array.from({ length: 300 }, (_, i) => `race-${String(i).padStart(3, '0')}`);
      const version = (id: string, side: string, round: number) =>
        sampleRun({
          id,
          startedAt: 1000,
          endedAt: 2000,
          outputs: [`${side}/${id}`],
          inputs: [`${side}/in`],
          params: { round },
        });
      // Each round replaces the last: check after every one, since a later round would clean up.
      const check = async () => {
        const final = await a.getRuns(ids);
        const writersA = await a.latestWriters(ids.map((id) => ({ pointer: `a/${id}` })));
        const writersB = await a.latestWriters(ids.map((id) => ({ pointer: `b/${id}` })));
        const readersA = new Set((await a.scanRuns({ input: 'a/in', limit: 1000 })).runs.map((r) => r.id));
        const readersB = new Set((await a.scanRuns({ input: 'b/in', limit: 1000 })).runs.map((r) => r.id));
        ids.forEach((id, i) => {
          const side = final[i]?.outputs[0]?.split('/')[0];
          expect(side === 'a' || side === 'b').toBe(true);
          expect(writersA[i]?.id).toBe(side === 'a' ? id : undefined);
          expect(writersB[i]?.id).toBe(side === 'b' ? id : undefined);
          expect(readersA.has(id)).toBe(side === 'a');
          expect(readersB.has(id)).toBe(side === 'b');
        });
      };
      for (let round = 0; round < 10; round++) {
        // Opposite orders within the batches: the store sorts them, so the writers never deadlock.
        await Promise.all([
          a.putRuns(ids.map((id) => version(id, 'a', round))),
          b.putRuns(ids.map((id) => version(id, 'b', round)).reverse()),
        ]);
        await check();
      }
      expect((await a.scanRuns({ limit: 1000 })).runs.length).toBe(ids.length);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('infers dependencies across stores: a committed writer is found, a later one never is', async () => {
    const storeA = await postgresStore({ url: pg.url }, { schema: 'infer_race', live: false });
    const storeB = await postgresStore({ url: pg.url }, { schema: 'infer_race', live: false });
    const a = createPipetrace({ store: storeA });
    const b = createPipetrace({ store: storeB });
    try {
      // Committed through one store, then read through the other: found.
      const writer = await a.logRun({ component: 'make', startedAt: 1000, endedAt: 1100, outputs: ['x.csv'] });
      const reader = await b.logRun({ component: 'use', startedAt: 1200, endedAt: 1300, inputs: ['x.csv'] });
      expect(reader.dependencies).toEqual([writer.id]);
      // Racing pairs where the reader started before the writer ended: whichever commits first,
      // the reader never depends on that writer, only on the committed one before it.
      const pairs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          Promise.all([
            a.logRun({ component: 'make', startedAt: 5000 + i * 10, endedAt: 9000, outputs: ['x.csv'] }),
            b.logRun({ component: 'use', startedAt: 5000 + i * 10 + 5, endedAt: 5000 + i * 10 + 6, inputs: ['x.csv'] }),
          ]),
        ),
      );
      for (const [, racer] of pairs) expect(racer.dependencies).toEqual([writer.id]);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  }, 60_000);

  it('leaves nothing half-written when a writer process is killed mid-batch', async () => {
    const schema = 'killed_writer';
    const store = await postgresStore({ url: pg.url }, { schema, live: false });
    try {
      let child: ReturnType<typeof spawn> | undefined;
      const exit = spawnWriter([pg.url, schema, '7', '100000', '2000'], (c) => {
        child = c;
      });
      const count = async () => (await store.scanRuns({ component: 'writer-7', limit: 10_000 })).runs.length;
      // Kill it once a few batches are in, while it is sending the next.
      for (let i = 0; i < 600 && (await count()) < 4000; i++) await new Promise((r) => setTimeout(r, 50));
      child?.kill('SIGKILL');
      expect((await exit).code).toBeNull();
      const ids = await idsOf(store, { component: 'writer-7', limit: 10_000 });
      // Whole batches only: the first k * 2,000 runs, in order, and nothing else.
      expect(ids.length).toBeGreaterThanOrEqual(4000);
      expect(ids.length % 2000).toBe(0);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => writerRun(7, i).id));
    } finally {
      await store.close();
    }
  }, 120_000);
});
