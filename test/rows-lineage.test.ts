import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import type { Run } from '../src/model.js';
import {
  impact,
  type RowKey,
  RowRecorder,
  readRowManifest,
  rowHash,
  traceRow,
  writeRowLineage,
} from '../src/rows/index.js';
import type { Store } from '../src/store.js';
import { sampleRun } from '../src/testing.js';

const T = 1_700_000_000_000;
const run = (id: string, component: string, at: number, inputs: string[], outputs: string[]): Run =>
  sampleRun({ id, component, startedAt: T + at, endedAt: T + at + 10, inputs, outputs });

/** Counts the blob keys a store is asked for, to prove what a query loads. */
function counting(store: Store): { store: Store; keys: string[] } {
  const keys: string[] = [];
  const wrapped = Object.create(store) as Store;
  wrapped.getBlobs = (k) => {
    keys.push(...k);
    return store.getBlobs(k);
  };
  return { store: wrapped, keys };
}

async function threeStages(n: number, keepKeys = false) {
  const store = memoryStore();
  await store.putRuns([
    run('clean-1', 'cleaning', 0, ['raw'], ['clean']),
    run('feat-1', 'featuregen', 100, ['clean'], ['features']),
    run('infer-1', 'inference', 200, ['features', 'model'], ['predictions']),
  ]);
  const raw = Array.from({ length: n }, (_, i) => `ride-${i}`);
  const kept = raw.filter((_, i) => i % 4 !== 0);
  await writeRowLineage(store, 'clean-1', [{ output: 'clean', input: 'raw', kind: 'keep', keys: kept }], { keepKeys });
  await writeRowLineage(
    store,
    'feat-1',
    [{ output: 'features', input: 'clean', kind: 'map', outputKeys: kept.map((k) => ['f', k]), inputKeys: kept }],
    { keepKeys },
  );
  await writeRowLineage(
    store,
    'infer-1',
    [
      {
        output: 'predictions',
        input: 'features',
        kind: 'map',
        outputKeys: kept.map((k) => `p-${k}`),
        inputKeys: kept.map((k) => ['f', k]),
      },
    ],
    { keepKeys },
  );
  return { store, kept };
}

describe('row lineage capture and trace', () => {
  it('traces a prediction back through a map, a map and a filter to its raw record', async () => {
    const { store } = await threeStages(1000, true);
    const trace = await traceRow(store, 'predictions', 'p-ride-7');
    expect(trace.steps.map((s) => s.run.id)).toEqual(['infer-1', 'feat-1', 'clean-1']);
    expect(trace.steps.map((s) => s.links[0]?.kind)).toEqual(['map', 'map', 'keep']);
    expect(trace.origins).toEqual([
      { pointer: 'raw', rows: [{ hash: rowHash('ride-7'), key: 'ride-7' }], rowCount: 1 },
    ]);
    expect(trace.steps[1]?.rows).toEqual([{ hash: rowHash(['f', 'ride-7']), key: ['f', 'ride-7'] }]);
  });

  it('says where a run has no row lineage for an input and continues at run level', async () => {
    const { store } = await threeStages(100);
    await store.putRuns([run('train-1', 'train', 150, ['features'], ['model'])]);
    const trace = await traceRow(store, 'predictions', 'p-ride-5');
    const infer = trace.steps.find((s) => s.run.id === 'infer-1');
    expect(infer?.links.find((l) => l.pointer === 'model')?.kind).toBe('none');
    const train = trace.steps.find((s) => s.run.id === 'train-1');
    expect(train?.rowLevel).toBe(false);
    expect(train?.note).toMatch(/run level/);
  });

  it('stores no rows for a pass-through pair and still traces through it', async () => {
    const store = memoryStore();
    await store.putRuns([run('copy-1', 'copy', 0, ['a'], ['b'])]);
    const summary = await writeRowLineage(store, 'copy-1', [{ output: 'b', input: 'a', kind: 'pass' }]);
    expect(summary.pairs[0]?.chunks).toBe(0);
    expect(await store.listBlobs('rows/c/')).toEqual([]);
    const trace = await traceRow(store, 'b', 42);
    expect(trace.origins[0]).toMatchObject({ pointer: 'a', rows: [{ hash: rowHash(42) }] });
  });

  it('follows an aggregation to every input row and a join to both inputs', async () => {
    const store = memoryStore();
    await store.putRuns([run('agg-1', 'agg', 0, ['rides', 'zones'], ['daily'])]);
    const rides = Array.from({ length: 30 }, (_, i) => `r${i}`);
    await writeRowLineage(store, 'agg-1', [
      { output: 'daily', input: 'rides', kind: 'many', outputKeys: rides.map((_, i) => i % 3), inputKeys: rides },
      { output: 'daily', input: 'zones', kind: 'many', outputKeys: [0, 1, 2], inputKeys: ['z0', 'z1', 'z2'] },
    ]);
    const trace = await traceRow(store, 'daily', 1);
    const links = trace.steps[0]?.links ?? [];
    expect(links.find((l) => l.pointer === 'rides')?.rowCount).toBe(10);
    expect(links.find((l) => l.pointer === 'zones')?.rows).toEqual([{ hash: rowHash('z1') }]);
  });

  it('reads the upstream version a run actually read when a pointer is rewritten', async () => {
    const store = memoryStore();
    await store.putRuns([
      run('w-old', 'writer', 0, ['src-old'], ['table']),
      run('reader', 'reader', 100, ['table'], ['out']),
      run('w-new', 'writer', 200, ['src-new'], ['table']),
    ]);
    await writeRowLineage(store, 'w-old', [{ output: 'table', input: 'src-old', kind: 'keep', keys: ['k'] }]);
    await writeRowLineage(store, 'w-new', [{ output: 'table', input: 'src-new', kind: 'keep', keys: ['k'] }]);
    await writeRowLineage(store, 'reader', [{ output: 'out', input: 'table', kind: 'keep', keys: ['k'] }]);
    const trace = await traceRow(store, 'out', 'k');
    expect(trace.steps.map((s) => s.run.id)).toEqual(['reader', 'w-old']);
    expect(trace.origins[0]?.pointer).toBe('src-old');
  });

  it('refuses a key the writer never recorded as not_found naming it, instead of calling it an origin', async () => {
    const { store } = await threeStages(100);
    const error = await traceRow(store, 'predictions', 'p-not-there').catch((e) => e);
    expect(error).toMatchObject({
      code: 'not_found',
      message: 'row key never recorded for "predictions" (run infer-1): "p-not-there"',
      details: { what: 'row key', pointer: 'predictions', keys: ['p-not-there'] },
    });
    await expect(impact(store, 'predictions', 'p-not-there')).rejects.toMatchObject({ code: 'not_found' });
    await expect(traceRow(store, 'no/such', 'k')).rejects.toMatchObject({ code: 'not_found' });
    await expect(impact(store, 'no/such', 'k')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('loads only the manifest and one chunk per stage to trace one row of 40,000', async () => {
    const { store: base } = await threeStages(40_000);
    const { store, keys } = counting(base);
    await traceRow(store, 'predictions', 'p-ride-99');
    const chunks = keys.filter((k) => k.startsWith('rows/c/'));
    // 30,000 rows a stage make 4 chunks of each pair; one is read per stage.
    expect((await base.listBlobs('rows/c/infer-1/')).length).toBe(4);
    expect(chunks.length).toBe(3);
    expect(new Set(chunks.map((k) => k.split('/')[2])).size).toBe(3);
  });

  it('keeps a 1:1 map within 16 bytes a mapping and a filter within 8 bytes a row, plus headers', async () => {
    const store = memoryStore();
    const keys = Array.from({ length: 100_000 }, (_, i) => `key-${i}`);
    const map = await writeRowLineage(store, 'r-map', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: keys, inputKeys: keys },
    ]);
    const keep = await writeRowLineage(store, 'r-keep', [{ output: 'o', input: 'i', kind: 'keep', keys }]);
    expect(map.bytes / keys.length).toBeLessThan(16.1);
    expect(keep.bytes / keys.length).toBeLessThan(8.1);
  });

  it('records the same lineage a row at a time as from arrays, for string, number and composite keys', async () => {
    // Two strings take the recorder's paired hash; any other key takes the one-key path.
    const variants: [RowKey[], RowKey[]][] = [
      [Array.from({ length: 5000 }, (_, i) => [i, 'x']), Array.from({ length: 5000 }, (_, i) => `in-${i}`)],
      [
        Array.from({ length: 5000 }, (_, i) => `out-${'z'.repeat(i % 7)}${i}`),
        Array.from({ length: 5000 }, (_, i) => `in-${i}`),
      ],
      [Array.from({ length: 5000 }, (_, i) => `out-${i}`), Array.from({ length: 5000 }, (_, i) => i)],
    ];
    for (const [outs, ins] of variants) {
      const a = memoryStore();
      const b = memoryStore();
      const rec = new RowRecorder('o', 'i', 'map', { expected: 2 });
      for (const [i, o] of outs.entries()) rec.add(o, ins[i] as RowKey);
      await writeRowLineage(a, 'r', [rec]);
      await writeRowLineage(b, 'r', [{ output: 'o', input: 'i', kind: 'map', outputKeys: outs, inputKeys: ins }]);
      const keys = await a.listBlobs('rows/');
      expect(keys).toEqual(await b.listBlobs('rows/'));
      const [da, db] = [await a.getBlobs(keys), await b.getBlobs(keys)];
      const same = da.every(
        (x, i) => x !== undefined && db[i] !== undefined && Buffer.from(x).equals(Buffer.from(db[i] as Uint8Array)),
      );
      expect(same).toBe(true);
    }
  });

  it('leaves a recorder as it was when a row brings a bad key, even when the row would fill its region', async () => {
    const rec = new RowRecorder('o', 'i', 'many', { expected: 16 });
    // One output key: its region fills at its capacity, where the next add turns the recorder flat.
    let added = 0;
    const bad: RowKey[] = ['x'.repeat(70_000), { no: 1 } as unknown as RowKey, Number.NaN];
    for (let i = 0; i < 200; i++) {
      for (const b of bad) {
        expect(() => rec.add('same', b)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
        expect(() => rec.add(b, 'in')).toThrow(expect.objectContaining({ code: 'invalid_input' }));
        expect(rec.rows).toBe(added);
      }
      rec.add('same', `in-${i}`);
      added++;
    }
    const store = memoryStore();
    await store.putRuns([run('r', 'c', 0, ['i'], ['o'])]);
    await writeRowLineage(store, 'r', [rec]);
    const trace = await traceRow(store, 'o', 'same', { maxRows: 1000 });
    expect(trace.origins[0]?.rowCount).toBe(200);
  });

  it('replaces a pair given again for the same run, output and input', async () => {
    const store = memoryStore();
    await store.putRuns([run('r', 'c', 0, ['i'], ['o'])]);
    await writeRowLineage(store, 'r', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['x'], inputKeys: ['old'] },
    ]);
    const before = await store.listBlobs('rows/c/r/');
    await writeRowLineage(store, 'r', [
      { output: 'o', input: 'i', kind: 'map', outputKeys: ['x'], inputKeys: ['new'] },
    ]);
    expect((await readRowManifest(store, 'r'))?.pairs.length).toBe(1);
    const trace = await traceRow(store, 'o', 'x');
    expect(trace.origins[0]?.rows).toEqual([{ hash: rowHash('new') }]);
    // The replaced pair's chunks are gone, not orphaned.
    const after = await store.listBlobs('rows/c/r/');
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBe(before.length);
    expect(after.some((k) => before.includes(k))).toBe(false);
  });

  it('rejects bad lineage with invalid_input and writes nothing', async () => {
    const store = memoryStore();
    const bad: unknown[] = [
      [{ output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: [] }],
      [{ output: '', input: 'i', kind: 'keep', keys: ['a'] }],
      [{ output: 'o', input: 'i', kind: 'keep', keys: ['a', { x: 1 }] }],
      [{ output: 'o', input: 'i', kind: 'explode', keys: ['a'] }],
      [{ output: 'o', input: 'i', kind: 'keep', keys: 'abc' }],
      [
        { output: 'o', input: 'i', kind: 'pass' },
        { output: 'o', input: 'i', kind: 'pass' },
      ],
      [{ output: '__proto__', input: 'i', kind: 'pass' }],
    ];
    for (const lineage of bad) {
      const error = await writeRowLineage(store, 'r', lineage as never).catch((e: unknown) => e);
      expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    }
    const badRun = await writeRowLineage(store, 'a\u0000b', []).catch((e: unknown) => e);
    expect(isPipetraceError(badRun, 'invalid_input')).toBe(true);
    expect(await store.listBlobs('')).toEqual([]);
  });

  it('reports a corrupt chunk as a storage error', async () => {
    const { store } = await threeStages(100);
    const [key] = await store.listBlobs('rows/c/infer-1/');
    await store.putBlobs([{ key: key as string, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) }]);
    const error = await traceRow(memoryStoreView(store), 'predictions', 'p-ride-1').catch((e: unknown) => e);
    expect(isPipetraceError(error, 'storage')).toBe(true);
  });
});

describe('row impact', () => {
  it('follows a raw record forward to the prediction derived from it', async () => {
    const { store } = await threeStages(1000);
    const forward = await impact(store, 'raw', 'ride-9');
    expect(forward.steps.map((s) => s.run.id)).toEqual(['clean-1', 'feat-1', 'infer-1']);
    expect(forward.steps[2]?.links[0]).toMatchObject({ pointer: 'predictions', rows: [{ hash: rowHash('p-ride-9') }] });
  });

  it('stops where a filter dropped a row of a later stage', async () => {
    const { store } = await threeStages(100);
    // clean-1 keeps ride-9: its clean row reaches the predictions, and nothing else.
    const forward = await impact(store, 'clean', 'ride-9');
    expect(forward.steps.map((s) => s.links[0]?.rowCount)).toEqual([1, 1]);
  });

  it('refuses a raw row no reader recorded (a row every filter dropped, or none at all)', async () => {
    const { store } = await threeStages(100);
    // The filter keeps every row but each fourth: ride-8 was dropped, so no row lineage names it.
    await expect(impact(store, 'raw', 'ride-8')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('"ride-8"'),
    });
    await expect(traceRow(store, 'raw', 'ride-8')).rejects.toMatchObject({ code: 'not_found' });
    expect((await traceRow(store, 'raw', 'ride-9')).origins[0]?.rows[0]?.hash).toBe(rowHash('ride-9'));
  });

  it('marks readers without row lineage as affected at run level', async () => {
    const { store } = await threeStages(100);
    await store.putRuns([run('report-1', 'report', 300, ['predictions'], ['report'])]);
    const forward = await impact(store, 'raw', 'ride-9');
    const report = forward.steps.find((s) => s.run.id === 'report-1');
    expect(report?.rowLevel).toBe(false);
    expect(report?.links[0]).toMatchObject({ pointer: 'report', kind: 'none' });
  });
});

/** A second view of the same store: a fresh chunk cache, so the corrupt blob is read. */
function memoryStoreView(store: Store): Store {
  return Object.create(store) as Store;
}

describe('row walks start where the run named them', () => {
  it('rejects a run id that does not exist as not_found in traceRow and impact alike', async () => {
    const store = memoryStore();
    await writeRowLineage(store, 'r', [{ output: 'o', input: 'i', kind: 'map', outputKeys: ['a'], inputKeys: ['b'] }]);
    const back = await traceRow(store, 'o', 'a', { run: 'no-such-run' }).catch((e: unknown) => e);
    const forward = await impact(store, 'i', 'b', { run: 'no-such-run' }).catch((e: unknown) => e);
    expect(isPipetraceError(back, 'not_found')).toBe(true);
    expect(isPipetraceError(forward, 'not_found')).toBe(true);
  });
});
