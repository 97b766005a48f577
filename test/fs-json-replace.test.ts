/**
 * Replacing many runs at once (new versions of existing ids) must cost about the batch plus one
 * pass over the index, not the batch times the index: at 1M runs a batch of 10k replaced runs
 * used to re-sort the overlay once per run and hung for over half an hour. The cost is counted
 * in run-order comparisons, which the old code made per replaced run, over the whole overlay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { PagedBytes } from '../adapters/fs-json/paged-bytes.js';
import { encodeColumns, RunColumns } from '../adapters/fs-json/run-columns.js';
import { mergeColumns } from '../adapters/fs-json/run-columns-merge.js';
import type { RunRef } from '../adapters/fs-json/run-refs.js';
import type { Run } from '../src/model.js';
import { RunIndex } from '../src/run-index.js';
import { compareRunOrder, compareWriteKeys } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const counted = vi.hoisted(() => ({ compares: 0 }));
vi.mock('../src/store.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/store.js')>();
  return {
    ...original,
    compareRunOrder: (
      a: Parameters<typeof original.compareRunOrder>[0],
      b: Parameters<typeof original.compareRunOrder>[1],
    ) => {
      counted.compares += 1;
      return original.compareRunOrder(a, b);
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-replace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (i: number, again = 0): Run =>
  sampleRun({
    id: `run-${String(i).padStart(6, '0')}`,
    component: `c${i % 5}`,
    startedAt: 1000 + i,
    endedAt: 1000 + i + (i % 7),
    inputs: [`in-${i % 50}`],
    outputs: [`out-${i}`],
    metrics: { again },
  });

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('fs-json: replacing many runs after many were written', () => {
  it('settles a batch of replaced runs with comparisons that grow with the batch, not batch times store', async () => {
    const n = 20_000;
    const k = 2_000;
    const store = await fsJsonStore({ dir: join(root, 'many'), durable: false, compactRatio: false });
    for (let b = 0; b < n; b += 5_000) await store.putRuns(Array.from({ length: 5_000 }, (_, j) => run(b + j)));
    // Settled and sorted: from here on only the replacements' cost is counted.
    expect((await store.scanRuns({ component: 'c3', limit: 5 })).runs).toHaveLength(5);
    counted.compares = 0;
    // Every 10th run of the history, new versions: each belongs far before the overlay's end.
    await store.putRuns(Array.from({ length: k }, (_, j) => run(j * 10, 1)));
    const page = await store.scanRuns({ component: 'c0', limit: 3 });
    // The old code compared ~n per replaced run (a re-sort of the overlay each time): ~40M here.
    expect(counted.compares).toBeLessThan(20 * n);
    expect(page.runs.map((r) => [r.id, r.metrics.again])).toEqual([
      ['run-019995', 0],
      ['run-019990', 1],
      ['run-019985', 0],
    ]);
    const [first, tenth, eleventh] = await store.getRuns(['run-000000', 'run-000010', 'run-000011']);
    expect([first?.metrics.again, tenth?.metrics.again, eleventh?.metrics.again]).toEqual([1, 1, 0]);
    const oldest = await store.scanRuns({ component: 'c0', order: 'asc', limit: 3 });
    expect(oldest.runs.map((r) => [r.id, r.metrics.again])).toEqual([
      ['run-000000', 1],
      ['run-000005', 0],
      ['run-000010', 1],
    ]);
    await store.close();
  }, 120_000);
});

describe('run index: batches of puts with replacements', () => {
  it('holds the same runs in the same order as one put at a time, for random batches', async () => {
    const rand = random(17);
    const batched = new RunIndex<Run>();
    const single = new RunIndex<Run>();
    const latest = new Map<string, Run>();
    for (let round = 0; round < 60; round++) {
      // Small batches (one by one into place) and big ones (one pass), new ids and replacements.
      const size = rand() < 0.5 ? 1 + Math.floor(rand() * 5) : 20 + Math.floor(rand() * 200);
      const batch = Array.from({ length: size }, () => {
        const i = Math.floor(rand() * 400);
        const t = Math.floor(rand() * 1000);
        return sampleRun({
          id: `r${i}`,
          component: `c${Math.floor(rand() * 3)}`,
          startedAt: t,
          endedAt: t + Math.floor(rand() * 10),
          inputs: rand() < 0.7 ? [`p${Math.floor(rand() * 20)}`] : [],
          outputs: [`p${Math.floor(rand() * 20)}`, `q${i}`],
        });
      });
      batched.putAll(batch);
      for (const r of batch) {
        single.put(r);
        latest.set(r.id, r);
      }
      if (round % 7 !== 3) continue;
      const want = [...latest.values()].sort(compareRunOrder);
      for (const index of [batched, single]) {
        expect(index.size).toBe(latest.size);
        const all = await index.scanPage({ order: 'asc', limit: 1000 }, (runs) => runs);
        expect(all.runs).toEqual(want);
        for (const scan of [{ component: 'c1' }, { input: 'p3' }, { output: 'p7' }]) {
          const page = await index.scanPage({ ...scan, order: 'asc', limit: 1000 }, (runs) => runs);
          const field = Object.keys(scan)[0] as 'component' | 'input' | 'output';
          const value = Object.values(scan)[0] as string;
          const match = (r: Run) =>
            field === 'component' ? r.component === value : (field === 'input' ? r.inputs : r.outputs).includes(value);
          expect(page.runs).toEqual(want.filter(match));
        }
        for (let p = 0; p < 20; p++) {
          const writers = want.filter((r) => r.outputs.includes(`p${p}`)).sort(compareWriteKeys);
          const last = writers[writers.length - 1];
          expect(index.latestWriter({ pointer: `p${p}` })?.id).toBe(last?.id);
        }
      }
    }
  });
});

describe('fs-json: merging the index columns with the runs taken in since', () => {
  it('gives the very bytes a full encode gives, for random old blocks, replaced rows and new runs', async () => {
    const rand = random(5);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
    const pointers = ['a', 'b', 'é', 'z/1', 'z/2', 'ü-ö', 'p0', 'p1', 'p2', 'p3'];
    let serial = 0;
    const ref = (id: string): RunRef => {
      const startedAt = Math.floor(rand() * 50);
      return {
        id,
        component: pick(['x', 'y', 'zé', 'w']),
        startedAt,
        endedAt: startedAt + Math.floor(rand() * 5),
        // Sometimes a pointer twice, or a pointer only this run names.
        inputs: Array.from({ length: Math.floor(rand() * 3) }, () => pick(pointers)),
        outputs: [pick(pointers), ...(rand() < 0.3 ? [`only-${serial++}`] : [])],
        seg: Math.floor(rand() * 3),
        off: Math.floor(rand() * 1e6),
        len: 1 + Math.floor(rand() * 300),
        line: Math.floor(rand() * 1e4),
        at: Math.floor(rand() * 1e6),
      };
    };
    for (let round = 0; round < 40; round++) {
      const size = round === 0 ? 0 : Math.floor(rand() * 300);
      const base = Array.from({ length: size }, (_, i) => ref(`r${i}${pick(['', 'é', '-x'])}`)).sort(compareRunOrder);
      const cols = await RunColumns.open(PagedBytes.of(encodeColumns(base, (seg) => seg)));
      const hidden = new Set([...base.keys()].filter(() => rand() < (round % 3 === 0 ? 0.9 : 0.2)));
      const extra = [
        ...[...hidden].filter(() => rand() < 0.5).map((row) => ref((base[row] as RunRef).id)),
        ...Array.from({ length: Math.floor(rand() * 60) }, (_, i) => ref(`n${round}-${i}`)),
      ].sort(compareRunOrder);
      const want = [...base.filter((_, row) => !hidden.has(row)), ...extra].sort(compareRunOrder);
      const merged = mergeColumns(await cols.whole(), hidden, extra, (seg) => seg);
      expect(Buffer.from(merged).equals(Buffer.from(encodeColumns(want, (seg) => seg)))).toBe(true);
    }
  });
});
