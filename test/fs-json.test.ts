import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type FsJsonOptions, type FsJsonProblem, type FsJsonStore, fsJsonStore } from '../adapters/fs-json/index.js';
import { WINDOW_SIZE } from '../adapters/fs-json/snapshot.js';
import { memoryStore } from '../adapters/memory.js';
import type { Run } from '../src/model.js';
import type { BlobRecord, RunScan, StoreChange, WriterQuery } from '../src/store.js';
import { sampleComponent, sampleRun, storeConformance } from '../src/testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-json-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

storeConformance(
  { describe, it, expect },
  {
    name: 'fs-json',
    create: async () => fsJsonStore({ dir: join(root, `store-${++n}`), onCorrupt: () => {} }),
    reopen: async (closed) => fsJsonStore({ dir: (closed as FsJsonStore).dir }),
    readBlobs: true,
  },
);

const fresh = () => join(root, `case-${++n}`);
const segmentsOf = (dir: string) =>
  readdirSync(join(dir, 'segments'))
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => join(dir, 'segments', f));
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

async function open(dir: string, problems: FsJsonProblem[] = [], options: Partial<FsJsonOptions> = {}) {
  return fsJsonStore({ dir, onCorrupt: (p) => problems.push(p), ...options });
}

describe('fs-json store', () => {
  it('keeps every file inside its folder, whatever the names and blob keys', async () => {
    const jail = fresh();
    const dir = join(jail, 'a', 'store');
    const hostile = ['../../etc/x', 'con', 'a/b', '..', '/abs/path', 'C:\\temp\\x', 'nul.txt', 'ünï ✓'];
    const store = await open(dir);
    await store.putRuns(hostile.map((h) => sampleRun({ component: h, inputs: [h], outputs: [`${h}/out`] })));
    await store.putComponents(hostile.map((h) => sampleComponent(h)));
    await store.putPointers(hostile.map((h) => ({ name: h, flagged: true, updatedAt: 1 })));
    await store.putBlobs([...hostile, '../../etc/passwd'].map((key) => ({ key, data: new Uint8Array([1, 2, 3]) })));
    await store.checkpoint();
    await store.close();
    expect(readdirSync(jail)).toEqual(['a']);
    expect(readdirSync(join(jail, 'a'))).toEqual(['store']);
    const allowed =
      /^(pipetrace\.json|changes|index\.ndjson|segments\/[0-9a-z]+-[0-9a-f]+\.ndjson|blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.[0-9a-f]+\.bin)$/;
    for (const file of walk(dir)) expect(relative(dir, file).split(sep).join('/')).toMatch(allowed);
    const again = await open(dir);
    expect(Array.from((await again.getBlobs(['../../etc/passwd']))[0] ?? [])).toEqual([1, 2, 3]);
    expect((await again.scanComponents()).length).toBe(hostile.length);
    await again.close();
  });

  it('writes a log a person can read: one JSON record per line and a commit line after each write', async () => {
    const dir = fresh();
    const store = await open(dir);
    const [a, b] = [sampleRun(), sampleRun()];
    await store.putRuns([a as Run, b as Run]);
    await store.putComponents([sampleComponent('train')]);
    await store.close();
    const [segment] = segmentsOf(dir);
    const lines = linesOf(segment as string).map((l) => JSON.parse(l));
    expect(lines.length).toBe(5);
    expect(lines[0]).toEqual({ run: a });
    expect(lines[1]).toEqual({ run: b });
    expect(lines[2]).toEqual({ commit: 2, at: expect.any(Number) });
    expect(lines[3]).toEqual({ component: sampleComponent('train') });
    expect(lines[4]).toEqual({ commit: 1, at: expect.any(Number) });
    expect(JSON.parse(readFileSync(join(dir, 'pipetrace.json'), 'utf8'))).toEqual({
      format: 'pipetrace-fs-json',
      version: 1,
    });
  });

  it('keeps blob bytes in side files, not base64 in the JSON, and removes a replaced value', async () => {
    const dir = fresh();
    const store = await open(dir);
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.putBlobs([{ key: 'rows/r1/0', data }]);
    const [segment] = segmentsOf(dir);
    const line = JSON.parse(linesOf(segment as string)[0] as string);
    expect(line.blob).toEqual({ key: 'rows/r1/0', file: expect.stringMatching(/\.bin$/), size: 256 });
    expect(readFileSync(segment as string, 'utf8')).not.toContain(Buffer.from(data).toString('base64').slice(0, 40));
    const first = join(dir, 'blobs', line.blob.file);
    expect(new Uint8Array(readFileSync(first))).toEqual(data);
    await store.putBlobs([{ key: 'rows/r1/0', data: new Uint8Array([9]) }]);
    expect(existsSync(first)).toBe(false);
    expect(Array.from((await store.getBlobs(['rows/r1/0']))[0] ?? [])).toEqual([9]);
    await store.close();
  });

  it('deletes a blob with a tombstone line, removes its file, and another store on the folder sees it gone', async () => {
    const dir = fresh();
    const store = await open(dir);
    const other = await open(dir);
    await store.putBlobs([{ key: 'ol/pending/a', data: new Uint8Array([1, 2]) }]);
    expect(await other.listBlobs('ol/')).toEqual(['ol/pending/a']);
    const files = () => walk(join(dir, 'blobs')).filter((f) => f.endsWith('.bin'));
    expect(files()).toHaveLength(1);
    await store.deleteBlobs(['ol/pending/a', 'ol/pending/none']);
    expect(files()).toEqual([]);
    const lines = segmentsOf(dir)
      .flatMap(linesOf)
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.blob?.deleted === true)).toEqual([{ blob: { key: 'ol/pending/a', deleted: true } }]);
    expect(await other.getBlobs(['ol/pending/a'])).toEqual([undefined]);
    expect(await other.listBlobs('ol/')).toEqual([]);
    // Deleting what is already gone writes nothing more.
    const before = segmentsOf(dir).flatMap(linesOf).length;
    await other.deleteBlobs(['ol/pending/a']);
    expect(segmentsOf(dir).flatMap(linesOf).length).toBe(before);
    await Promise.all([store.close(), other.close()]);
    const reopened = await open(dir);
    expect(await reopened.listBlobs('')).toEqual([]);
    await reopened.close();
  });

  it('reports a hand-corrupted line with its file and line, skips it and loads the rest', async () => {
    const dir = fresh();
    const store = await open(dir);
    const runs = [sampleRun(), sampleRun(), sampleRun(), sampleRun()];
    await store.putRuns(runs.slice(0, 3));
    await store.putRuns(runs.slice(3));
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const lines = linesOf(segment);
    lines[1] = '{"run":{"id":"run-broken",'; // line 2: the second run
    writeFileSync(segment, `${lines.join('\n')}\n`);
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([
      { file: `segments/${basename(segment)}`, line: 2, reason: expect.stringMatching(/JSON/) },
    ]);
    expect(again.problems()).toEqual(problems);
    expect(await again.getRuns(runs.map((r) => r.id))).toEqual([runs[0], undefined, runs[2], runs[3]]);
    await again.close();
  });

  it('warns on the console about a corrupt line when no onCorrupt is given', async () => {
    const dir = fresh();
    const store = await open(dir);
    await store.putRuns([sampleRun()]);
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    writeFileSync(segment, `not json\n${readFileSync(segment, 'utf8')}`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const again = await fsJsonStore({ dir });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${basename(segment)}:1: not valid JSON`));
      await again.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('drops a batch torn by a crash as a whole, reports it, and never appends to that segment again', async () => {
    const dir = fresh();
    const store = await open(dir);
    const [a, b, c] = [sampleRun(), sampleRun(), sampleRun()];
    await store.putRuns([a as Run]);
    await store.putRuns([b as Run, c as Run]);
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const text = readFileSync(segment, 'utf8');
    // Cut inside the third run's line: the second batch has no commit line any more.
    const torn = text.slice(0, text.lastIndexOf('"run"'));
    writeFileSync(segment, torn);
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([
      { file: `segments/${basename(segment)}`, line: 3, reason: expect.stringMatching(/after the last commit/) },
    ]);
    expect(await again.getRuns([a, b, c].map((r) => (r as Run).id))).toEqual([a, undefined, undefined]);
    await again.putRuns([b as Run]);
    await again.close();
    expect(readFileSync(segment, 'utf8')).toBe(torn);
    expect(segmentsOf(dir).length).toBe(2);
    const third = await open(dir);
    expect(await third.getRuns([(a as Run).id, (b as Run).id])).toEqual([a, b]);
    await third.close();
  });

  it('cuts the torn tail of a segment whose writer died, reporting it once', async () => {
    const dir = fresh();
    const store = await open(dir);
    const kept = sampleRun();
    await store.putRuns([kept]);
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const committed = readFileSync(segment, 'utf8');
    appendFileSync(segment, `${JSON.stringify({ run: sampleRun() })}\n{"run":{"id":"half`);
    // The lock of a process that has exited: its writer is gone for good.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${segment}.lock`, JSON.stringify({ pid: dead, host: hostname(), at: 1 }));
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([
      { file: `segments/${basename(segment)}`, line: 3, reason: expect.stringMatching(/torn by a crash\): removed/) },
    ]);
    expect(readFileSync(segment, 'utf8')).toBe(committed);
    expect((await again.scanRuns({})).runs).toEqual([kept]);
    await again.close();
    const later: FsJsonProblem[] = [];
    await (await open(dir, later)).close();
    expect(later).toEqual([]);
  });

  /** A store with two batches, closed, its segment, and a stale lock on it (a writer that died). */
  async function twoBatches() {
    const dir = fresh();
    const store = await open(dir);
    const [a, b, c] = [sampleRun(), sampleRun(), sampleRun()] as [Run, Run, Run];
    await store.putRuns([a]);
    await store.putRuns([b, c]);
    await store.checkpoint();
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const staleLock = () => {
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(`${segment}.lock`, JSON.stringify({ pid: dead, host: hostname(), at: 1 }));
    };
    return { dir, segment, runs: [a, b, c], staleLock };
  }

  it('loads the last batch when an editor removed the final newline, cuts nothing, and appends safely after it', async () => {
    const { dir, segment, runs, staleLock } = await twoBatches();
    const edited = readFileSync(segment, 'utf8').replace(/\n$/, '');
    writeFileSync(segment, edited);
    staleLock();
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    // The index no longer matches the segment's size and is rebuilt; the segment itself is fine.
    expect(problems.filter((p) => p.file !== 'index.ndjson')).toEqual([]);
    expect(await again.getRuns(runs.map((r) => r.id))).toEqual(runs);
    expect(readFileSync(segment, 'utf8')).toBe(edited);
    const later = sampleRun();
    await again.putRuns([later]);
    await again.close();
    const third = await open(dir, problems);
    expect(await third.getRuns([...runs, later].map((r) => r.id))).toEqual([...runs, later]);
    expect(problems.filter((p) => p.file !== 'index.ndjson')).toEqual([]);
    await third.close();
  });

  it('keeps a batch whose commit line was damaged by hand, reports that line, and never cuts it', async () => {
    const { dir, segment, runs, staleLock } = await twoBatches();
    const lines = linesOf(segment);
    expect(lines[4]).toMatch(/^\{"commit":2/);
    lines[4] = (lines[4] as string).replace('"commit"', '"comit"');
    writeFileSync(segment, `${lines.join('\n')}\n`);
    staleLock();
    const edited = readFileSync(segment, 'utf8');
    rmSync(join(dir, 'index.ndjson'));
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([
      { file: `segments/${basename(segment)}`, line: 5, reason: expect.stringMatching(/commit/) },
    ]);
    expect(await again.getRuns(runs.map((r) => r.id))).toEqual(runs);
    await again.close();
    expect(readFileSync(segment, 'utf8')).toBe(edited);
  });

  it('still loads every batch the index showed after index.ndjson is deleted from a hand-edited folder', async () => {
    const { dir, segment, runs } = await twoBatches();
    writeFileSync(segment, readFileSync(segment, 'utf8').replace(/\n$/, ''));
    const withIndex = await open(dir);
    expect(await withIndex.getRuns(runs.map((r) => r.id))).toEqual(runs);
    await withIndex.close();
    rmSync(join(dir, 'index.ndjson'));
    const problems: FsJsonProblem[] = [];
    const rebuilt = await open(dir, problems);
    expect(await rebuilt.getRuns(runs.map((r) => r.id))).toEqual(runs);
    expect(problems).toEqual([]);
    expect(linesOf(segment).length).toBe(5);
    await rebuilt.close();
  });

  it('does not load records that have no commit line yet', async () => {
    const dir = fresh();
    const store = await open(dir);
    await store.putRuns([sampleRun()]);
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const pending = sampleRun();
    appendFileSync(segment, `${JSON.stringify({ run: pending })}\n`);
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect((await again.getRuns([pending.id]))[0]).toBeUndefined();
    expect((await again.scanRuns({})).runs.length).toBe(1);
    expect(problems.map((p) => p.line)).toEqual([3]);
    await again.close();
  });

  it('reports a corrupt line that the index points to when the run is read, and skips it', async () => {
    const dir = fresh();
    const store = await open(dir);
    const runs = [sampleRun(), sampleRun(), sampleRun()];
    await store.putRuns(runs);
    await store.checkpoint();
    await store.close();
    const [segment] = segmentsOf(dir) as [string];
    const lines = linesOf(segment);
    lines[1] = (lines[1] as string).replace(/"id":"/, '"id":#'); // same length, no longer JSON
    writeFileSync(segment, `${lines.join('\n')}\n`);
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([]);
    expect(await again.getRuns(runs.map((r) => r.id))).toEqual([runs[0], undefined, runs[2]]);
    expect((await again.scanRuns({})).runs.map((r) => r.id)).toEqual([runs[2]?.id, runs[0]?.id]);
    expect(await again.getRuns([runs[1]?.id as string])).toEqual([undefined]);
    expect(problems).toEqual([{ file: `segments/${basename(segment)}`, line: 2, reason: expect.any(String) }]);
    await again.close();
  });

  it('rebuilds from the segments when the index file is damaged', async () => {
    const dir = fresh();
    const store = await open(dir);
    const runs = [sampleRun({ outputs: ['o'] }), sampleRun()];
    await store.putRuns(runs);
    await store.putPointers([{ name: 'o', flagged: true, updatedAt: 1 }]);
    await store.checkpoint();
    await store.close();
    writeFileSync(join(dir, 'index.ndjson'), '{"format":"pipetrace-fs-json-index","vers');
    const problems: FsJsonProblem[] = [];
    const again = await open(dir, problems);
    expect(problems).toEqual([{ file: 'index.ndjson', line: 0, reason: expect.stringMatching(/rebuilt/) }]);
    expect(await again.getRuns(runs.map((r) => r.id))).toEqual(runs);
    expect((await again.scanPointers({ flagged: true })).map((p) => p.name)).toEqual(['o']);
    await again.close();
  });

  it('skips the JSON window of line 2, and rebuilds from the segments when the columns of line 3 are damaged', async () => {
    const dir = fresh();
    const store = await open(dir);
    const runs = Array.from({ length: WINDOW_SIZE + 500 }, (_, i) =>
      sampleRun({ startedAt: 1_000_000 + i, component: i % 2 ? 'odd' : 'even' }),
    );
    for (let i = 0; i < runs.length; i += 1000) await store.putRuns(runs.slice(i, i + 1000));
    await store.close(); // more than indexAfter records: close writes the index
    const index = join(dir, 'index.ndjson');
    const [head, window, ...rest] = readFileSync(index, 'latin1').split('\n');
    const newest = runs.slice(-10).reverse();
    // Line 2 blanked at the same length: nothing reads it any more.
    writeFileSync(index, [head, ' '.repeat((window as string).length), ...rest].join('\n'), 'latin1');
    const problems: FsJsonProblem[] = [];
    const blanked = await open(dir, problems);
    expect((await blanked.scanRuns({ limit: 10 })).runs).toEqual(newest);
    expect((await blanked.scanRuns({ component: 'odd', limit: 10_000 })).runs.length).toBe(runs.length / 2);
    expect(problems).toEqual([]);
    await blanked.close();
    // Line 3 cut short: found at open (its descriptor no longer fits), and the segments answer instead.
    writeFileSync(index, `${head}\n${window}\n{"garbage"\n`);
    const again = await open(dir, problems);
    expect(problems).toEqual([{ file: 'index.ndjson', line: 0, reason: expect.stringMatching(/rebuilt/) }]);
    expect((await again.scanRuns({ limit: 10 })).runs).toEqual(newest);
    expect((await again.scanRuns({ component: 'odd', limit: 10_000 })).runs.length).toBe(runs.length / 2);
    await again.close();
  });

  it('agrees with the memory store on every query, before and after the full index loads', async () => {
    const dir = fresh();
    const store = await open(dir);
    const mem = memoryStore();
    const runs = Array.from({ length: WINDOW_SIZE + 700 }, (_, i) =>
      sampleRun({
        startedAt: 1_000_000 + Math.floor(i / 3) * 10, // ties of three
        component: `c${i % 3}`,
        inputs: [`p${i % 11}`],
        outputs: [`p${(i * 7) % 13}`],
      }),
    );
    for (const s of [store, mem]) for (let i = 0; i < runs.length; i += 900) await s.putRuns(runs.slice(i, i + 900));
    await store.close();
    const again = await open(dir);
    // Writes while only the window is loaded: a new run, a replaced window run, an old run moved up.
    const late = [
      sampleRun({ startedAt: 2_000_000, component: 'c1', inputs: ['p1'] }),
      { ...(runs[runs.length - 1] as Run), metrics: { replaced: 1 } },
      { ...(runs[5] as Run), startedAt: 1_999_999 },
    ];
    for (const s of [again, mem]) await s.putRuns(late);
    await again.close(); // three records beyond the index: close leaves the index as it is
    const scans: RunScan[] = [
      { limit: 10 },
      { limit: 50, since: 1_000_000 + 9000 },
      { limit: 7, until: 1_999_999 },
      { order: 'asc', limit: 25, since: 1_000_000 + 8000 },
      { limit: 500 },
      { limit: 100, until: 1_002_500 },
      { limit: 3000, order: 'asc' },
      { component: 'c2', limit: 100 },
      { input: 'p3', order: 'asc', limit: 40 },
      { output: 'p4', since: 1_002_000, until: 1_005_000 },
    ];
    // Each scan on a fresh opening, so each starts from the window alone.
    for (const scan of scans) {
      const opened = await open(dir);
      const [got, want] = [await opened.scanRuns(scan), await mem.scanRuns(scan)];
      expect(got).toEqual(want);
      if (want.cursor !== undefined) {
        const next = { ...scan, cursor: want.cursor };
        expect(await opened.scanRuns(next)).toEqual(await mem.scanRuns(next));
      }
      await opened.close();
    }
    const last = await open(dir);
    const queries: WriterQuery[] = [0, 3, 12].map((p) => ({ pointer: `p${p}` }));
    queries.push({ pointer: 'p5', before: { endedAt: 1_004_000, startedAt: 1_004_000, id: 'run' } });
    expect(await last.latestWriters(queries)).toEqual(await mem.latestWriters(queries));
    const ids = [runs[0], runs[5], runs[runs.length - 1], late[0]].map((r) => (r as Run).id);
    expect(await last.getRuns(ids)).toEqual(await mem.getRuns(ids));
    await last.close();
  });

  it('lets a second store on the same folder see writes at its next query', async () => {
    const dir = fresh();
    const [a, b] = [await open(dir), await open(dir)];
    const run = sampleRun({ outputs: ['shared.csv'] });
    await a.putRuns([run]);
    await a.putComponents([sampleComponent('train')]);
    await a.putBlobs([{ key: 'k', data: new Uint8Array([4]) }]);
    expect((await b.getRuns([run.id]))[0]).toEqual(run);
    expect((await b.latestWriters([{ pointer: 'shared.csv' }]))[0]?.id).toBe(run.id);
    expect((await b.getComponents(['train']))[0]?.name).toBe('train');
    expect(await b.listBlobs('')).toEqual(['k']);
    await Promise.all([a.close(), b.close()]);
  });

  it('tells a live subscriber about runs that another store wrote to the folder', async () => {
    const dir = fresh();
    const [a, b] = [await open(dir), await open(dir)];
    const heard: StoreChange[] = [];
    const unsubscribe = a.subscribe?.((change) => heard.push(change));
    const run = sampleRun();
    await b.putRuns([run]);
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual([{ kind: 'runs', ids: [run.id] }]);
    unsubscribe?.();
    await Promise.all([a.close(), b.close()]);
  });

  it('tells a live subscriber about writes of another store that it meets while making its own', async () => {
    const dir = fresh();
    const [a, b] = [await open(dir), await open(dir)];
    const heard: StoreChange[] = [];
    const unsubscribe = a.subscribe?.((change) => heard.push(change));
    const theirs = sampleRun();
    const ours = sampleRun();
    await b.putRuns([theirs]);
    await a.putRuns([ours]);
    expect(heard).toContainEqual({ kind: 'runs', ids: [theirs.id] });
    expect(heard).toContainEqual({ kind: 'runs', ids: [ours.id] });
    unsubscribe?.();
    await Promise.all([a.close(), b.close()]);
  });

  it('stores a write and resolves it when a listener throws, and still tells the other listeners', async () => {
    const store = await open(fresh());
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const heard: StoreChange[] = [];
      store.subscribe?.(() => {
        throw new Error('a broken listener');
      });
      store.subscribe?.((change) => heard.push(change));
      const run = sampleRun();
      await expect(store.putRuns([run])).resolves.toBeUndefined();
      await expect(store.putComponents([sampleComponent('c')])).resolves.toBeUndefined();
      expect(await store.getRuns([run.id])).toEqual([run]);
      expect(heard).toEqual([
        { kind: 'runs', ids: [run.id] },
        { kind: 'components', names: ['c'] },
      ]);
      expect(reported).toHaveBeenCalledTimes(2);
    } finally {
      reported.mockRestore();
      await store.close();
    }
  });

  it('reuses a cleanly closed segment instead of starting one per process', async () => {
    const dir = fresh();
    for (let i = 0; i < 3; i++) {
      const store = await open(dir);
      await store.putRuns([sampleRun()]);
      await store.close();
    }
    expect(segmentsOf(dir).length).toBe(1);
    expect(readdirSync(join(dir, 'segments')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    const store = await open(dir);
    expect((await store.scanRuns({})).runs.length).toBe(3);
    await store.close();
  });

  it('rejects bad blob keys and data with invalid_input and stores nothing', async () => {
    const dir = fresh();
    const store = await open(dir);
    const bad: unknown[] = [
      [
        { key: 'ok', data: new Uint8Array(1) },
        { key: 'a\u0000b', data: new Uint8Array(1) },
      ],
      [{ key: 'k'.repeat(1025), data: new Uint8Array(1) }],
      [{ key: 'k', data: [1, 2, 3] }],
      [{ key: 42, data: new Uint8Array(1) }],
    ];
    for (const blobs of bad) {
      await expect(store.putBlobs(blobs as BlobRecord[])).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(await store.listBlobs('')).toEqual([]);
    expect(walk(join(dir, 'blobs'))).toEqual([]);
    await store.close();
  });

  it('rejects a batch that cannot be written as JSON with invalid_input and writes none of it', async () => {
    const dir = fresh();
    const store = await open(dir);
    const good = sampleRun();
    const bad = sampleRun({ params: { big: 1n as unknown as number } });
    await expect(store.putRuns([good, bad])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(store.putRuns([{ ...good, id: '' }])).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await store.getRuns([good.id])).toEqual([undefined]);
    await store.close();
    expect(segmentsOf(dir)).toEqual([]);
  });

  it('keeps its index when the caller changes a run after storing it', async () => {
    const store = await open(fresh());
    const run = sampleRun({ inputs: ['in'], outputs: ['out'] });
    await store.putRuns([run]);
    run.inputs.push('other-in');
    run.outputs[0] = 'other-out';
    expect((await store.latestWriters([{ pointer: 'out' }, { pointer: 'other-out' }])).map((w) => w?.id)).toEqual([
      run.id,
      undefined,
    ]);
    expect((await store.scanRuns({ output: 'out' })).runs.map((r) => r.id)).toEqual([run.id]);
    expect((await store.scanRuns({ input: 'other-in' })).runs).toEqual([]);
    await store.close();
  });

  it('refuses calls after close with an unavailable error', async () => {
    const store = await open(fresh());
    await store.close();
    await expect(store.scanRuns({})).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.putRuns([sampleRun()])).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses a folder that holds another format', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'pipetrace.json'), '{"format":"something-else","version":7}\n');
    await expect(fsJsonStore({ dir })).rejects.toMatchObject({ code: 'conflict' });
    await expect(fsJsonStore({ dir: '' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
