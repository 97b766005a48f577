import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { PagedBytes } from '../adapters/fs-json/paged-bytes.js';
import { encodeColumns, RunColumns } from '../adapters/fs-json/run-columns.js';
import { type RunRef, RunRefs } from '../adapters/fs-json/run-refs.js';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import type { RunScan, Store, WriterQuery } from '../src/store.js';
import { compareRunOrder } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-columns-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every page of a scan, following cursors. */
async function allPages(store: Store, scan: RunScan): Promise<Run[][]> {
  const pages: Run[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns(cursor === undefined ? scan : { ...scan, cursor });
    pages.push(page.runs);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 200);
  return pages;
}

describe('fs-json store: runs as typed columns', () => {
  it('finds each row by id and each pointer writer from the encoded columns', async () => {
    const refs: RunRef[] = ['b', 'a', 'é-ü', 'c'].map((id, i) => ({
      id,
      component: i % 2 ? 'x' : 'y',
      startedAt: 10 + i,
      endedAt: 20 - i,
      inputs: [`in-${i % 2}`],
      outputs: ['out', `only-${id}`],
      seg: i,
      off: 100 * i,
      len: 7,
      line: i + 1,
      at: 1000 + i,
    }));
    const sorted = refs.slice().sort(compareRunOrder);
    const cols = await RunColumns.open(PagedBytes.of(encodeColumns(sorted, (seg) => seg)));
    for (const ref of refs) expect(await cols.ref(await cols.find(ref.id))).toEqual(ref);
    expect(await cols.find('zz')).toBe(-1);
    // The latest writer of 'out' in WriteKey order (endedAt first) is the first run, ended at 20.
    const b = await cols.find('b');
    expect(await cols.id(await cols.latestWriter('out', undefined, () => false))).toBe('b');
    expect(await cols.id(await cols.latestWriter('out', undefined, (row) => row === b))).toBe('a');
    expect(await cols.latestWriter('nowhere', undefined, () => false)).toBe(-1);
    const readers = await cols.rows({ field: 'input', value: 'in-1' });
    const rows = Array.from(await readers.slice(0, readers.length));
    expect(await Promise.all(rows.map((r) => cols.id(r)))).toEqual(['a', 'c']);
    expect(await cols.all()).toEqual(sorted);
  });

  it('answers a first filtered page and a latest writer at 20k runs by reading a small part of the columns', async () => {
    const n = 20_000;
    const refs: RunRef[] = Array.from({ length: n }, (_, i) => ({
      id: `run-${String(i).padStart(6, '0')}`,
      component: ['load', 'clean', 'features', 'train', 'infer'][i % 5] as string,
      startedAt: 1_000_000 + i * 10,
      endedAt: 1_000_000 + i * 10 + 5,
      inputs: [`raw-${i % 50}`],
      outputs: [`out-${i}`],
      seg: Math.floor(i / 5000),
      off: (i % 5000) * 400,
      len: 400,
      line: (i % 5000) + 1,
      at: 2_000_000 + i,
    }));
    const block = encodeColumns(refs, (seg) => seg);
    const cols = await RunColumns.open(
      new PagedBytes(async (off, len) => block.subarray(off, off + len), block.length),
    );
    // The newest ten runs of one component: a few pages of the component's row list and of each field.
    const trains = await cols.rows({ field: 'component', value: 'train' });
    expect(trains.length).toBe(n / 5);
    const last = Array.from(await trains.slice(trains.length - 10, trains.length)).reverse();
    const page = await Promise.all(last.map((row) => cols.ref(row)));
    const want = refs
      .filter((r) => r.component === 'train')
      .slice(-10)
      .reverse();
    expect(page).toEqual(want);
    const writer = await cols.latestWriter(`out-${Math.floor(n / 3)}`, undefined, () => false);
    expect(await cols.id(writer)).toBe(refs[Math.floor(n / 3)]?.id);
    // The same answers from the whole block: the pages held what they needed.
    expect(cols.reads.of).toBe(block.length);
    expect(cols.reads.bytes).toBeLessThan(block.length / 8);
    const touched = cols.reads.bytes;
    // A second question on the same rows reads nothing new.
    await Promise.all(last.map((row) => cols.ref(row)));
    expect(cols.reads.bytes).toBe(touched);
    // A job over every row reads the block once.
    expect(await cols.all()).toEqual(refs);
    expect(cols.reads.bytes).toBe(touched + block.length);
  });

  it('agrees with the memory store on random scans, pages and writers, with runs replaced after the index', async () => {
    const rnd = random(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
    const dir = join(root, 'random');
    const mem = memoryStore();
    const make = (i: number, startedAt: number): Run =>
      sampleRun({
        id: `run-${String(i).padStart(5, '0')}`,
        startedAt,
        endedAt: startedAt + Math.floor(rnd() * 50),
        component: `c${Math.floor(rnd() * 4)}`,
        inputs: [`p${Math.floor(rnd() * 30)}`],
        outputs: [`p${Math.floor(rnd() * 30)}`, `own-${i}`],
      });
    const runs = Array.from({ length: 3000 }, (_, i) => make(i, 1_000_000 + Math.floor(i / 2) * 10));
    const store = await fsJsonStore({ dir });
    for (const s of [store, mem]) for (let i = 0; i < runs.length; i += 1000) await s.putRuns(runs.slice(i, i + 1000));
    await store.close(); // writes the index: the runs become columns
    // After the index: new runs, runs replaced in place, runs moved in time, in the window and below it.
    const late: Run[] = [];
    for (let k = 0; k < 60; k++) {
      const i = Math.floor(rnd() * 3000);
      late.push(rnd() < 0.3 ? make(3000 + k, 1_000_000 + Math.floor(rnd() * 20_000)) : make(i, 990_000 + k * 700));
    }
    const unique = [...new Map(late.map((r) => [r.id, r])).values()];
    const again = await fsJsonStore({ dir });
    for (const s of [again, mem]) await s.putRuns(unique);
    await again.close();

    const scans: RunScan[] = [];
    for (let k = 0; k < 25; k++) {
      const scan: RunScan = { limit: pick([1, 7, 50, 400]), order: pick(['asc', 'desc'] as const) };
      const f = rnd();
      if (f < 0.25) scan.component = `c${Math.floor(rnd() * 4)}`;
      else if (f < 0.45) scan.input = `p${Math.floor(rnd() * 30)}`;
      else if (f < 0.65) scan.output = `p${Math.floor(rnd() * 30)}`;
      if (rnd() < 0.3) scan.component = `c${Math.floor(rnd() * 4)}`;
      if (rnd() < 0.3) scan.since = 1_000_000 + Math.floor(rnd() * 15_000);
      if (rnd() < 0.3) scan.until = 1_000_000 + Math.floor(rnd() * 20_000);
      scans.push(scan);
    }
    // Every shared pointer's latest writer, then random ones under a bound.
    const queries: WriterQuery[] = Array.from({ length: 30 }, (_, p) => ({ pointer: `p${p}` }));
    for (let k = 0; k < 40; k++) {
      const q: WriterQuery = {
        pointer: rnd() < 0.8 ? `p${Math.floor(rnd() * 30)}` : `own-${Math.floor(rnd() * 3060)}`,
      };
      if (rnd() < 0.5) {
        const t = 1_000_000 + Math.floor(rnd() * 15_000);
        q.before = { endedAt: t, startedAt: t, id: `run-${String(Math.floor(rnd() * 3000)).padStart(5, '0')}` };
      }
      queries.push(q);
    }
    // Fresh openings: one per kind of first question, so each first query loads the columns.
    for (const scan of scans) {
      const opened = await fsJsonStore({ dir });
      try {
        expect(await allPages(opened, scan)).toEqual(await allPages(mem, scan));
      } finally {
        await opened.close();
      }
    }
    const opened = await fsJsonStore({ dir });
    try {
      expect(await opened.latestWriters(queries)).toEqual(await mem.latestWriters(queries));
      const ids = [...unique.map((r) => r.id), ...runs.slice(0, 50).map((r) => r.id), 'run-99999'];
      expect(await opened.getRuns(ids)).toEqual(await mem.getRuns(ids));
      // Rewriting the index folds the replaced runs into the columns; the answers stay the same.
      await opened.checkpoint();
    } finally {
      await opened.close();
    }
    const folded = await fsJsonStore({ dir });
    try {
      expect(await folded.latestWriters(queries)).toEqual(await mem.latestWriters(queries));
      for (const scan of scans.slice(0, 5)) expect(await allPages(folded, scan)).toEqual(await allPages(mem, scan));
    } finally {
      await folded.close();
    }
  }, 120_000);

  it('settles thousands of runs written after the index at once (a crash before the index was rewritten), and walks many rows from the whole block', async () => {
    const dir = join(root, 'many-after');
    const mem = memoryStore();
    const make = (i: number, extra: Partial<Run> = {}): Run =>
      sampleRun({
        id: `run-${String(i).padStart(6, '0')}`,
        startedAt: 1_000_000 + i * 10,
        endedAt: 1_000_000 + i * 10 + 3,
        component: i % 5 === 0 ? 'c0' : 'c1',
        inputs: [`in-${i % 7}`],
        outputs: [`out-${i % 500}`],
        ...extra,
      });
    const indexed = Array.from({ length: 10_000 }, (_, i) => make(i));
    const store = await fsJsonStore({ dir, durable: false });
    for (const s of [store, mem]) await s.putRuns(indexed);
    await store.close();
    // More than the lookups made one by one: 3000 new runs and 2000 that replace indexed ones.
    const after = [
      ...Array.from({ length: 3000 }, (_, i) => make(10_000 + i)),
      ...Array.from({ length: 2000 }, (_, i) => make(i * 3, { endedAt: 9_000_000 + i, metrics: { again: i } })),
    ];
    const writer = await fsJsonStore({ dir, durable: false, indexAfter: Number.POSITIVE_INFINITY });
    for (const s of [writer, mem]) await s.putRuns(after);
    await writer.close();
    // A page of 10k and a rare combination walk more rows than are read one by one.
    const scans: RunScan[] = [
      { limit: 30 },
      { component: 'c0', limit: 40 },
      { input: 'in-3', order: 'asc', limit: 25 },
      { limit: 10_000, order: 'asc' },
      { component: 'c1', input: 'in-5', limit: 2000 },
    ];
    const queries: WriterQuery[] = [0, 3, 250, 499].map((p) => ({ pointer: `out-${p}` }));
    for (const ask of ['scan', 'writers', 'get'] as const) {
      const opened = await fsJsonStore({ dir });
      try {
        if (ask === 'scan')
          for (const scan of scans) expect(await allPages(opened, scan)).toEqual(await allPages(mem, scan));
        if (ask === 'writers') expect(await opened.latestWriters(queries)).toEqual(await mem.latestWriters(queries));
        const ids = ['run-000000', 'run-000003', 'run-000004', 'run-012999', 'run-999999'];
        if (ask === 'get') expect(await opened.getRuns(ids)).toEqual(await mem.getRuns(ids));
      } finally {
        await opened.close();
      }
    }
  }, 120_000);

  it('keeps runs taken in after the index when reading the columns fails once, and settles them at the next query', async () => {
    const ref = (id: string, at: number): RunRef => ({
      id,
      component: 'c',
      startedAt: 10,
      endedAt: 20,
      inputs: [],
      outputs: ['out'],
      seg: 0,
      off: 0,
      len: 1,
      line: 1,
      at,
    });
    // Larger than the first page, which opening reads: finding an id reads more.
    const indexed = Array.from({ length: 500 }, (_, i) => ref(`a-${String(i).padStart(3, '0')}`, 1));
    const block = encodeColumns(indexed, (seg) => seg);
    let failing = false;
    const cols = await RunColumns.open(
      new PagedBytes(async (off, len) => {
        if (failing) throw new Error('disk hiccup');
        return block.subarray(off, off + len);
      }, block.length),
    );
    const refs = new RunRefs(cols, () => 'seg-0');
    refs.apply(ref('b', 2));
    failing = true;
    await expect(refs.get('b')).rejects.toThrow('disk hiccup');
    failing = false;
    expect(await refs.get('b')).toEqual(ref('b', 2));
    expect((await refs.latestWriter({ pointer: 'out' }))?.id).toBe('b');
  });
});
