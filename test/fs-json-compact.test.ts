import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactFsStore, type FsJsonProblem, fsJsonStore } from '../adapters/fs-json/index.js';
import { collect } from './cli-run.js';
import { dumpStore } from './fixtures/fs-json/dump.js';
import { fixtureRun } from './fixtures/fs-json/runs.js';
import { spawnWriter, waitFor } from './fixtures/fs-json/spawn.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-compact-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/fs-json/${name}`, import.meta.url));

const bytes = (s: string) => new TextEncoder().encode(s);
const LONG_AGO = new Date('2020-01-01T00:00:00Z');
/** Copies of a store keep their files' times: a copied orphan is still old, not as young as the copy (cpSync's default), which made compaction with no grace keep it when both fell in one millisecond. */
const COPY = { recursive: true, preserveTimestamps: true } as const;
/** Orphaned blob files as a crashed writer leaves them (names as blobs.ts makes them). */
const ORPHANS = ['ab/' + 'ab'.repeat(32) + '.00112233aabbccdd.bin', 'cd/' + 'cd'.repeat(32) + '.0123456789abcdef.bin'];

/** Records written after the index of an `indexed` store (buildStore): the lines compaction parses. */
const PAST_INDEX = 50 + 2 + 20 + 5 + 5;

/**
 * A store with something dead of every kind, in many small segments: runs written twice,
 * components and pointers replaced, blobs replaced and deleted, orphaned blob files. `indexed`:
 * with an index file covering the first part, the rest past it (as after a crash).
 */
async function buildStore(dir: string, indexed: boolean): Promise<void> {
  const store = await fsJsonStore({ dir, segmentMaxBytes: 16 * 1024, compactRatio: false });
  for (let b = 0; b < 300; b += 50) await store.putRuns(Array.from({ length: 50 }, (_, k) => fixtureRun('a', b + k)));
  // A newer version of a third of them, in two writes: the old lines are dead.
  const again = Array.from({ length: 100 }, (_, k) => ({ ...fixtureRun('a', k * 3), metrics: { n: k, again: 1 } }));
  await store.putRuns(again.slice(0, 50));
  for (const d of ['first', 'second']) {
    await store.putComponents([{ name: 'a', description: d, owner: 'o', tags: [d], createdAt: 1, updatedAt: 2 }]);
    await store.putPointers([{ name: 'data/a/out-1.csv', flagged: d === 'first', updatedAt: 3 }]);
    if (d === 'second') continue;
    if (indexed) await store.checkpoint();
    await store.putRuns(again.slice(50));
  }
  await store.putBlobs(Array.from({ length: 20 }, (_, k) => ({ key: `k/${k}`, data: bytes(`v1 ${k}`) })));
  await store.putBlobs(Array.from({ length: 5 }, (_, k) => ({ key: `k/${k}`, data: bytes(`v2 ${k}`) })));
  await store.deleteBlobs(Array.from({ length: 5 }, (_, k) => `k/${k + 5}`));
  await store.close();
  for (const file of ORPHANS) {
    mkdirSync(join(dir, 'blobs', file.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, 'blobs', file), 'left by a crashed writer');
    utimesSync(join(dir, 'blobs', file), LONG_AGO, LONG_AGO);
  }
}

const segments = (dir: string) => readdirSync(join(dir, 'segments')).filter((n) => n.endsWith('.ndjson'));
const segmentBytes = (dir: string) => segments(dir).reduce((n, s) => n + statSync(join(dir, 'segments', s)).size, 0);
const blobFiles = (dir: string) =>
  readdirSync(join(dir, 'blobs')).flatMap((d) => readdirSync(join(dir, 'blobs', d)).map((f) => `${d}/${f}`));

/** Opens the store, dumps it, and returns the dump with the problems met. */
async function openAndDump(dir: string): Promise<{ dump: string; problems: FsJsonProblem[] }> {
  const problems: FsJsonProblem[] = [];
  const store = await fsJsonStore({ dir, compactRatio: false, onCorrupt: (p) => problems.push(p) });
  try {
    return { dump: await dumpStore(store), problems };
  } finally {
    await store.close();
  }
}

function runChild(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
}

/** The segments' bytes in name order, and index.ndjson's with their names (partly random) as numbers. */
function filesOf(dir: string): { segments: Buffer[]; index: string } {
  const names = segments(dir).sort();
  let index = readFileSync(join(dir, 'index.ndjson'), 'latin1');
  for (const [k, name] of names.entries()) index = index.replaceAll(name, `segment-${k}`);
  return { segments: names.map((n) => readFileSync(join(dir, 'segments', n))), index };
}

/**
 * Compacts a copy of `dir` with its index file and a copy without (every line parsed), after
 * `edit` of each; both must give the same files, byte for byte. Returns the first's report.
 */
async function bothWays(dir: string, name: string, edit: (copy: string) => void) {
  const fast = join(root, `${name}-fast`);
  const slow = join(root, `${name}-slow`);
  cpSync(dir, fast, COPY);
  cpSync(dir, slow, COPY);
  rmSync(join(slow, 'index.ndjson'));
  edit(fast);
  edit(slow);
  const report = await compactFsStore(fast, { graceMs: 0 });
  const parsed = await compactFsStore(slow, { graceMs: 0 });
  expect(parsed.scan.via).toBe('segments');
  expect(filesOf(fast)).toEqual(filesOf(slow));
  expect({ ...report, ms: 0, scan: undefined }).toEqual({ ...parsed, ms: 0, scan: undefined });
  return { report, fast };
}

describe('fs-json store: compaction through the index file', () => {
  const base = join(root, 'index-base');
  beforeAll(() => buildStore(base, true));

  it('gives byte for byte the segment, index and report that parsing every line gives', async () => {
    const { report } = await bothWays(base, 'same', () => {});
    expect(report.scan).toEqual({ via: 'index', parsed: PAST_INDEX, rechecked: 0 });
    // With an index that covers everything: no line parsed at all.
    const all = join(root, 'index-all');
    cpSync(base, all, COPY);
    const store = await fsJsonStore({ dir: all, compactRatio: false });
    await store.checkpoint();
    await store.close();
    const covered = await bothWays(all, 'same-all', () => {});
    expect(covered.report.scan).toEqual({ via: 'index', parsed: 0, rechecked: 0 });
  });

  it('parses a line its quick check refuses (a run whose id is not its first field), and keeps it', async () => {
    const dir = join(root, 'id-later');
    const store = await fsJsonStore({ dir, segmentMaxBytes: 16 * 1024, compactRatio: false });
    const later = (n: number, metrics: Record<string, number>) => {
      const { id, ...rest } = fixtureRun('c', n);
      return { ...rest, id, metrics };
    };
    await store.putRuns(Array.from({ length: 40 }, (_, k) => later(k, { k })));
    await store.putRuns(Array.from({ length: 10 }, (_, k) => fixtureRun('d', k)));
    await store.putRuns(Array.from({ length: 10 }, (_, k) => later(k, { k, again: 1 })));
    await store.checkpoint();
    const expected = await dumpStore(store);
    await store.close();
    const { report, fast } = await bothWays(dir, 'id-later', () => {});
    // The 40 live c runs (10 of them rewritten): each failed the quick check and was parsed.
    expect(report.scan).toEqual({ via: 'index', parsed: 0, rechecked: 40 });
    expect(report.dropped).toBe(10);
    expect((await openAndDump(fast)).dump).toBe(expected);
  });

  it('parses every line when a line disagrees with the index (edited by hand), as without an index', async () => {
    const run = fixtureRun('a', 1);
    const edits: [string, (text: string) => string][] = [
      ['another id', (t) => t.replace(`"id":"${run.id}"`, `"id":"${run.id.replace('-0', '-x')}"`)],
      ['not JSON', (t) => t.replace(`"id":"${run.id}"`, `"id":"${run.id}}`)],
    ];
    for (const [what, edit] of edits) {
      const { report, fast } = await bothWays(base, `edited-${what.replace(' ', '-')}`, (copy) => {
        for (const name of segments(copy)) {
          const file = join(copy, 'segments', name);
          const text = readFileSync(file, 'latin1');
          const edited = edit(text);
          expect(edited.length).toBe(text.length);
          writeFileSync(file, edited, 'latin1');
        }
      });
      expect(report.scan.via, what).toBe('segments');
      const after = await openAndDump(fast);
      expect(after.problems, what).toEqual([]);
      expect(
        JSON.parse(after.dump).runs.map((r: { id: string }) => r.id),
        what,
      ).not.toContain(run.id);
    }
  });
});

describe.each([
  ['without an index file (every line parsed)', false],
  ['through the index file (lines it covers copied as bytes)', true],
] as const)('fs-json store: compaction %s', (variant, indexed) => {
  const base = join(root, `base-${indexed}`);
  const at = (name: string) => join(root, `${name}-${indexed}`);
  let expected = '';
  beforeAll(async () => {
    await buildStore(base, indexed);
    expect(existsSync(join(base, 'index.ndjson')), variant).toBe(indexed);
    expected = (await openAndDump(base)).dump;
  });

  it('folds the segments into one, drops dead records, tombstones and orphaned files, and keeps the content', async () => {
    const dir = at('once');
    cpSync(base, dir, COPY);
    const before = segments(dir).length;
    expect(before).toBeGreaterThan(5);
    const blobsBefore = blobFiles(dir);
    for (const o of ORPHANS) expect(blobsBefore).toContain(o);

    const report = await compactFsStore(dir, { graceMs: 0 });
    // Through the index, only the lines past it are parsed.
    expect(report.scan).toEqual(
      indexed
        ? { via: 'index', parsed: PAST_INDEX, rechecked: 0 }
        : { via: 'segments', parsed: report.records, rechecked: 0 },
    );
    expect(report.segmentsBefore).toBe(before);
    expect(report.segmentsAfter).toBe(1);
    expect(segments(dir)).toHaveLength(1);
    // 100 old run lines, 2 old component/pointer versions, 5 replaced blobs, 5 blob writes and 5 tombstones.
    expect(report.dropped).toBe(100 + 2 + 5 + 10);
    expect(report.tombstones).toBe(5);
    expect(report.orphanFiles).toBe(2);
    expect(report.bytesAfter).toBeLessThan(report.bytesBefore);
    expect(report.bytesAfter).toBe(segmentBytes(dir));
    expect(blobFiles(dir)).toHaveLength(15);
    // Nothing of the compaction is left behind.
    expect(readdirSync(dir).sort()).toEqual(['blobs', 'changes', 'index.ndjson', 'pipetrace.json', 'segments']);
    expect(readdirSync(join(dir, 'segments'))).toEqual(segments(dir));

    const after = await openAndDump(dir);
    expect(after.problems).toEqual([]);
    expect(after.dump).toBe(expected);
  });

  it('leaves a store with nothing dead as it is, and keeps young tombstones and files', async () => {
    const dir = at('twice');
    // A plain copy: its files are as young as the copy, so the default grace keeps them.
    cpSync(base, dir, { recursive: true });
    const first = await compactFsStore(dir);
    // Default grace: the tombstones and the files are recent, so they stay.
    expect(first.tombstones).toBe(0);
    expect(first.orphanFiles).toBe(0);
    const name = segments(dir);
    const second = await compactFsStore(dir);
    expect(second.dropped).toBe(0);
    expect(segments(dir)).toEqual(name);
    expect((await openAndDump(dir)).dump).toBe(expected);
  });

  it('opens with exactly the same content after the compactor is killed with SIGKILL at any step', async () => {
    const steps: [string, number][] = [
      ['locked', 1],
      ['scanned', 1],
      ['intent', 1],
      ['copied', 1],
      ['copied', 4],
      ['written', 1],
      ['indexed', 1],
      ['switched', 1],
      ['removed', 1],
      ['reclaimed', 1],
    ];
    for (const [step, count] of steps) {
      const dir = at(`kill-${step}-${count}`);
      cpSync(base, dir, COPY);
      const killed = await runChild([fixture('compactor.ts'), dir, step, String(count)]);
      expect(killed.signal, `${step} ${count}`).toBe('SIGKILL');
      expect(killed.stdout).toContain(`step ${step}`);
      const opened = await openAndDump(dir);
      expect(opened.dump, `content after a kill at ${step} ${count}`).toBe(expected);
      // Nothing is reported: a kill after the switch leaves the new index ready, which the open puts in place.
      expect(opened.problems, `problems after a kill at ${step} ${count}`).toEqual([]);
      // After the open settled it, no half-done compaction is left.
      expect(existsSync(join(dir, 'compact.json'))).toBe(false);
      expect(readdirSync(join(dir, 'segments')).filter((n) => n.endsWith('.compacting'))).toEqual([]);
      expect(readdirSync(dir).filter((n) => n.includes('.compacting'))).toEqual([]);
      // And a new compaction completes it with the same content.
      const again = await compactFsStore(dir, { graceMs: 0 });
      // A kill after the switch leaves the new index in place: the next compaction goes through it.
      if (indexed) expect(again.scan.via, `${step} ${count}`).toBe('index');
      expect(segments(dir)).toHaveLength(1);
      expect(blobFiles(dir)).toHaveLength(15);
      expect((await openAndDump(dir)).dump).toBe(expected);
    }
  }, 300_000);

  it('keeps its content when killed at random moments', async () => {
    for (const delay of [150, 300, 450, 600, 750]) {
      const dir = at(`kill-at-${delay}`);
      cpSync(base, dir, COPY);
      const child = spawn(process.execPath, ['--import', 'tsx', fixture('compactor.ts'), dir], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      expect((await openAndDump(dir)).dump).toBe(expected);
    }
  }, 60_000);

  it('lets a reader in another process keep answering, with the same content, while it compacts', async () => {
    const dir = at('reader');
    cpSync(base, dir, COPY);
    const hash = createHash('sha256').update(expected).digest('hex');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('reader.ts'), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      buffered += c;
      const parts = buffered.split('\n');
      buffered = parts.pop() as string;
      lines.push(...parts);
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => lines.length >= 2, 30_000, 'the reader to answer');
      const answeredAt: Record<string, number> = {};
      // At every step the reader answers twice more before compaction goes on.
      const report = await compactFsStore(dir, {
        graceMs: 0,
        onStep: async (step) => {
          const n = lines.length;
          await waitFor(() => lines.length >= n + 2, 30_000, `the reader to answer at ${step}`);
          answeredAt[step] = lines.length;
        },
      });
      const n = lines.length;
      await waitFor(() => lines.length >= n + 2, 30_000, 'the reader to answer after compaction');
      expect(Object.keys(answeredAt)).toEqual([
        'locked',
        'scanned',
        'intent',
        'copied',
        'written',
        'indexed',
        'switched',
        'removed',
        'reclaimed',
      ]);
      expect(lines.filter((l) => l !== `ok ${hash}`)).toEqual([]);
      expect(segments(dir)).toHaveLength(1);
      expect(report.scan.via).toBe(indexed ? 'index' : 'segments');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);

  it('keeps every acknowledged write of a writer that runs meanwhile', async () => {
    const dir = at('writer');
    cpSync(base, dir, COPY);
    const writer = spawnWriter(dir, 'w', 0, 20);
    await waitFor(() => writer.acks.length >= 3, 30_000, 'the writer to write');
    const report = await compactFsStore(dir, { graceMs: 0 });
    // The writer's own segment is in use: left as it is.
    expect(report.inUse).toHaveLength(1);
    expect(report.scan.via).toBe(indexed ? 'index' : 'segments');
    const n = writer.acks.length;
    await waitFor(() => writer.acks.length >= n + 3, 30_000, 'the writer to go on writing');
    writer.child.kill('SIGKILL');
    await writer.done;
    const store = await fsJsonStore({ dir, compactRatio: false, onCorrupt: () => {} });
    try {
      const acked = writer.acks.flat();
      const runs = await store.getRuns(acked);
      expect(acked.filter((_, i) => runs[i]?.id !== acked[i])).toEqual([]);
      const old = await store.getRuns([fixtureRun('a', 0).id, fixtureRun('a', 299).id]);
      expect(old[0]?.metrics).toEqual({ n: 0, again: 1 });
      expect(old[1]).toEqual(fixtureRun('a', 299));
      expect(await store.listBlobs('k/')).toHaveLength(15);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('lets an open store take in the index compaction wrote, without reading the new segment, and hold what a fresh open holds', async () => {
    const dir = at('adopt');
    cpSync(base, dir, COPY);
    const problems: FsJsonProblem[] = [];
    const store = await fsJsonStore({ dir, compactRatio: false, onCorrupt: (p) => problems.push(p) });
    try {
      // Its own segment, which compaction leaves alone, gets writes before and after it.
      await store.putRuns([fixtureRun('b', 1)]);
      // An index that covers its segment too: compaction renumbers the rows it leaves alone.
      if (indexed) await store.checkpoint();
      expect((await store.getRuns([fixtureRun('a', 1).id]))[0]).toEqual(fixtureRun('a', 1));
      const before = new Set(segments(dir));
      const report = await compactFsStore(dir, { graceMs: 0 });
      expect(report.inUse).toHaveLength(1);
      expect(report.scan.via).toBe(indexed ? 'index' : 'segments');
      const made = segments(dir).filter((n) => !before.has(n));
      expect(made).toHaveLength(1);
      // Damage a component line of the new segment (same length): only reading the segment would meet it.
      const file = join(dir, 'segments', made[0] as string);
      const text = readFileSync(file, 'latin1');
      const at = text.indexOf('{"component":');
      expect(at).toBeGreaterThanOrEqual(0);
      writeFileSync(file, `${text.slice(0, at)}X${text.slice(at + 1)}`, 'latin1');
      await store.putRuns([fixtureRun('b', 2)]);
      const dump = await dumpStore(store);
      expect(problems).toEqual([]);
      // An index it writes now names the replaced segments, which are gone, as covering nothing.
      await store.checkpoint();
      const fresh = await openAndDump(dir);
      expect(fresh.problems).toEqual([]);
      expect(dump).toBe(fresh.dump);
      const want = JSON.parse(expected);
      expect(JSON.parse(dump).runs).toEqual(
        [...want.runs, fixtureRun('b', 1), fixtureRun('b', 2)].sort(
          (a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1),
        ),
      );
      expect(JSON.parse(dump).components).toEqual(want.components);
    } finally {
      await store.close();
    }
  });

  it('lets a store open in this process go on reading and writing, and tells its listeners nothing new', async () => {
    const dir = at('open');
    cpSync(base, dir, COPY);
    const store = await fsJsonStore({ dir, compactRatio: false });
    try {
      const told: unknown[] = [];
      const stop = store.subscribe?.((c) => told.push(c)) ?? (() => {});
      // A run read before compaction, so that its segment is open; others are not.
      expect((await store.getRuns([fixtureRun('a', 1).id]))[0]).toEqual(fixtureRun('a', 1));
      const report = await compactFsStore(dir, { graceMs: 0 });
      expect(report.segmentsAfter).toBe(1);
      // The first write takes in the new segment: its copies name the same blob files, which stay.
      await store.putBlobs([{ key: 'k/0', data: bytes('v3') }]);
      const data = await store.getBlobs(['k/0', 'k/1', 'k/10', 'k/19']);
      expect(data).toEqual([bytes('v3'), bytes('v2 1'), bytes('v1 10'), bytes('v1 19')]);
      // The copies are no news.
      stop();
      expect(told).toEqual([]);
      await store.putRuns([fixtureRun('b', 1)]);
      const dump = JSON.parse(await dumpStore(store));
      const want = JSON.parse(expected);
      expect(dump.runs).toEqual(
        [...want.runs, fixtureRun('b', 1)].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1)),
      );
      expect(dump.components).toEqual(want.components);
    } finally {
      await store.close();
    }
    const again = await fsJsonStore({ dir, compactRatio: false });
    try {
      expect((await again.getRuns([fixtureRun('b', 1).id]))[0]).toEqual(fixtureRun('b', 1));
      expect((await again.getBlobs(['k/0']))[0]).toEqual(bytes('v3'));
    } finally {
      await again.close();
    }
  });

  it('compacts on close once the dead share passes compactRatio, and not when it is false', async () => {
    for (const ratio of [0.5, false] as const) {
      const dir = at(`auto-${ratio}`);
      const store = await fsJsonStore({ dir, compactRatio: ratio, compactMinBytes: 1, indexAfter: 1 });
      // The same 50 runs written four times: three quarters of the lines are dead.
      for (let round = 0; round < 4; round++) {
        await store.putRuns(Array.from({ length: 50 }, (_, k) => ({ ...fixtureRun('a', k), metrics: { round } })));
      }
      const before = segmentBytes(dir);
      await store.close();
      if (ratio === false) expect(segmentBytes(dir)).toBe(before);
      else expect(segmentBytes(dir)).toBeLessThan(before / 3);
      const reopened = await openAndDump(dir);
      expect(reopened.problems).toEqual([]);
      expect(JSON.parse(reopened.dump).runs).toHaveLength(50);
    }
  });

  it('pipetrace compact prints its report', async () => {
    const dir = at('cli');
    cpSync(base, dir, COPY);
    const cli = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      cli,
      'compact',
      '--store',
      dir,
      '--json',
      '--grace-ms',
      '0',
    ]);
    const result = await collect(child);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ segmentsAfter: 1, tombstones: 5, orphanFiles: 2 });
    expect((await openAndDump(dir)).dump).toBe(expected);
    const bad = await collect(
      spawn(process.execPath, ['--import', 'tsx', cli, 'compact', '--store', join(root, 'none')]),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no pipetrace store/);
  });
});
