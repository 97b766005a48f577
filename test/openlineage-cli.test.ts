import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Io } from '../cli/command.js';
import { exportCommand } from '../cli/commands/export.js';
import { importCommand } from '../cli/commands/import.js';
import { main } from '../cli/main.js';
import { createPipetrace } from '../src/index.js';
import { eventWithNullStackTrace } from './openlineage-schema.js';

const T0 = Date.UTC(2026, 0, 1);
let dir = '';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
    signal: new AbortController().signal,
  };
  return { io: value, out, err };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pt-ol-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pipetrace export and import', () => {
  it('exports a store to an NDJSON file that imports into another store with the same runs', async () => {
    const source = join(dir, 'source');
    const store = await fsJsonStore({ dir: source });
    const pt = createPipetrace({ store });
    await pt.logRuns([
      { component: 'load', startedAt: T0, endedAt: T0 + 1, outputs: ['/data/a.csv'] },
      { component: 'train', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['/data/a.csv'], outputs: ['model.pkl'] },
    ]);
    const runs = (await store.scanRuns({ order: 'asc' })).runs;
    await store.close();

    const file = join(dir, 'events.ndjson');
    const e = io();
    expect(await exportCommand.run(['--store', source, '--out', file], e.io)).toBe(0);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).eventType)).toEqual(['START', 'COMPLETE', 'START', 'COMPLETE']);

    const target = join(dir, 'target');
    const i = io();
    expect(await importCommand.run([file, '--store', target, '--json'], i.io)).toBe(0);
    expect(JSON.parse(i.out.join(''))).toMatchObject({ events: 4, runs: 2, pending: 0 });
    const imported = await fsJsonStore({ dir: target });
    expect((await imported.scanRuns({ order: 'asc' })).runs).toEqual(runs);
    await imported.close();
  });

  it('exports from a server with --url, as the query commands read', async () => {
    const store = memoryStore();
    const server = createServer({ store, env: {}, log: () => {} });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      await createPipetrace({ store }).logRuns([
        { component: 'load', startedAt: T0, endedAt: T0 + 1, outputs: ['/data/a.csv'] },
        { component: 'train', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['/data/a.csv'] },
      ]);
      const e = io();
      expect(await exportCommand.run(['--url', url, '--component', 'train'], e.io)).toBe(0);
      const events = e.out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events.map((ev) => [ev.eventType, ev.job.name])).toEqual([
        ['START', 'train'],
        ['COMPLETE', 'train'],
      ]);
      expect(events[0].inputs).toEqual([{ namespace: 'file', name: '/data/a.csv' }]);
      const both = io();
      await expect(exportCommand.run(['--url', url, '--store', dir], both.io)).rejects.toThrow(/--store or --url/);
    } finally {
      await server.close();
    }
  });

  it('writes NDJSON to standard output without --out, filtered by component', async () => {
    const source = join(dir, 'source');
    const store = await fsJsonStore({ dir: source });
    await createPipetrace({ store }).logRuns([
      { component: 'load', startedAt: T0, endedAt: T0 + 1 },
      { component: 'train', startedAt: T0 + 2, endedAt: T0 + 3 },
    ]);
    await store.close();
    const e = io();
    expect(await exportCommand.run(['--store', source, '--component', 'train'], e.io)).toBe(0);
    const events = e.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((ev) => ev.job.name)).toEqual(['train', 'train']);
  });

  it('imports a JSON array file, and refuses a malformed file without importing anything', async () => {
    const target = join(dir, 'target');
    const good = {
      eventType: 'COMPLETE',
      eventTime: new Date(T0).toISOString(),
      producer: 'https://example.com/p',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: '0191a6a0-0000-7000-8000-00000000000a' },
      job: { namespace: 'pipetrace', name: 'step' },
    };
    const bad = { ...good, run: { runId: 'nope' } };
    const badFile = join(dir, 'bad.json');
    await writeFile(badFile, JSON.stringify([good, bad]));
    // Bad data in the file, not bad usage: exit 1, the error naming the event's field.
    await expect(importCommand.run([badFile, '--store', target], io().io)).rejects.toMatchObject({
      name: 'DataError',
      message: expect.stringContaining('events[1].run.runId'),
    });
    const viaMain = io();
    expect(await main(['import', badFile, '--store', target], viaMain.io)).toBe(1);
    expect(viaMain.err.join('')).toMatch(/^pipetrace import: events\[1\]\.run\.runId: /);
    const notJson = join(dir, 'not.ndjson');
    await writeFile(notJson, '{"eventType":\n');
    const broken = io();
    expect(await main(['import', notJson, '--store', target], broken.io)).toBe(1);
    expect(broken.err.join('')).toContain('is not valid JSON');
    const goodFile = join(dir, 'good.json');
    await writeFile(goodFile, JSON.stringify([good]));
    const i = io();
    expect(await importCommand.run([goodFile, '--store', target], i.io)).toBe(0);
    expect(i.out.join('')).toMatch(/imported 1 events: 1 runs/);
    const store = await fsJsonStore({ dir: target });
    expect((await store.scanRuns({})).runs.map((r) => r.id)).toEqual([good.run.runId]);
    await store.close();
  });

  it('imports with --lenient, dropping invalid facets and naming each on stderr', async () => {
    const runId = '0191a6a0-0000-7000-8000-0000000000d1';
    const bad = eventWithNullStackTrace(runId, new Date(T0).toISOString());
    const file = join(dir, 'bad.ndjson');
    await writeFile(file, `${JSON.stringify(bad)}\n`);
    const target = join(dir, 'lenient');
    // Strict by default: bad data (exit 1) naming the path of the first error.
    await expect(importCommand.run([file, '--store', target], io().io)).rejects.toMatchObject({
      name: 'DataError',
      message: expect.stringMatching(/^events\[0\]\.run\.facets\.errorMessage\.stackTrace: must be string/),
    });
    const i = io();
    expect(await importCommand.run([file, '--store', target, '--lenient', '--json'], i.io)).toBe(0);
    expect(JSON.parse(i.out.join(''))).toMatchObject({ runs: 1, dropped: 1 });
    expect(i.err.join('')).toMatch(/dropped events\[0\]\.run\.facets\.errorMessage: .*stackTrace: must be string/);
  });

  it('rejects wrong usage', async () => {
    await expect(importCommand.run([], io().io)).rejects.toThrow(/exactly one FILE/);
    await expect(importCommand.run(['x', '--pending', 'maybe'], io().io)).rejects.toThrow(/--pending/);
    await expect(exportCommand.run(['--since', 'yesterday'], io().io)).rejects.toThrow(/--since/);
  });
});
