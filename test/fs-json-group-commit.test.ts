import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer } from '../adapters/http/server.js';
import { fixtureRun } from './fixtures/fs-json/runs.js';

const TOKEN = 'group-commit-token-123';
const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-group-'));
const children: ChildProcess[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Counts fsyncs of file data from here on (every FileHandle shares one prototype). */
async function countDatasyncs(): Promise<{ count: number }> {
  const probe = await open(join(root, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();
  const counter = { count: 0 };
  const real = proto.datasync;
  vi.spyOn(proto, 'datasync').mockImplementation(function (this: unknown) {
    counter.count++;
    return real.call(this);
  });
  return counter;
}

/** The commit lines of every segment in the folder. */
function commitLines(dir: string): string[] {
  const segs = readdirSync(join(dir, 'segments')).filter((f) => f.endsWith('.ndjson'));
  return segs.flatMap((f) =>
    readFileSync(join(dir, 'segments', f), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"commit"')),
  );
}

const put = (url: string, runs: unknown[]) =>
  fetch(`${url}/api/v1/store/runs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ runs }),
  });

describe('fs-json store: group commit', () => {
  it('writes concurrent commits with one append and one fsync, each still its own all-or-nothing batch', async () => {
    const dir = join(root, 'store');
    const store = await fsJsonStore({ dir });
    try {
      await store.putRuns([fixtureRun('warm', 0)]);
      const syncs = await countDatasyncs();
      const runs = Array.from({ length: 20 }, (_, n) => fixtureRun('g', n));
      await Promise.all(runs.map((r) => store.putRuns([r])));
      // One shared fsync (the old path made one per call).
      expect(syncs.count).toBe(1);
      // Each call kept its own commit line: a crash tears at most whole calls.
      expect(commitLines(dir).length).toBe(21);
      const back = await store.getRuns(runs.map((r) => r.id));
      expect(back).toEqual(runs);
    } finally {
      await store.close();
    }
    // And a fresh process's reader sees each run, with extra optional fields kept.
    const again = await fsJsonStore({ dir });
    try {
      expect((await again.getRuns([fixtureRun('g', 7).id]))[0]).toEqual(fixtureRun('g', 7));
    } finally {
      await again.close();
    }
  });

  it('keeps optional fields (check results) through a grouped write', async () => {
    const dir = join(root, 'extra');
    const store = await fsJsonStore({ dir });
    try {
      const run = {
        ...fixtureRun('x', 1),
        checks: [{ name: 'rows>0', phase: 'after' as const, outcome: 'pass' as const, durationMs: 1 }],
      };
      await Promise.all([store.putRuns([run]), store.putRuns([fixtureRun('x', 2)])]);
      expect((await store.getRuns([run.id]))[0]).toEqual(run);
    } finally {
      await store.close();
    }
  });

  it('shares the fsync among concurrent PUT /store/runs requests to one server', async () => {
    const dir = join(root, 'served');
    const store = await fsJsonStore({ dir });
    const server = createServer({ store, token: TOKEN });
    const { url } = await server.listen(0);
    try {
      expect((await put(url, [fixtureRun('warm', 0)])).status).toBe(200);
      const syncs = await countDatasyncs();
      const runs = Array.from({ length: 16 }, (_, n) => fixtureRun('h', n));
      const statuses = await Promise.all(runs.map(async (r) => (await put(url, [r])).status));
      expect(statuses).toEqual(runs.map(() => 200));
      expect(syncs.count).toBeLessThan(16);
      expect(await store.getRuns(runs.map((r) => r.id))).toEqual(runs);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('keeps every run the server acknowledged when the server is killed with SIGKILL right after', async () => {
    const dir = join(root, 'killed');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'serve', '--store', dir, '--port', '0', '--host', '127.0.0.1'],
      { env: { ...process.env, PIPETRACE_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c) => {
        out += c;
        const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', () => reject(new Error('server exited before listening')));
    });
    // 16 clients write one run per request; the kill comes the moment the 40th ack arrives.
    const acked: string[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        for (let n = 0; !killed; n++) {
          const run = fixtureRun(`c${k}`, n);
          let status: number;
          try {
            status = (await put(url, [run])).status;
          } catch {
            return; // the server is gone
          }
          if (status !== 200) throw new Error(`status ${status}`);
          acked.push(run.id);
          if (acked.length === 40 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(await exited).toBe('SIGKILL');
    const store = await fsJsonStore({ dir, onCorrupt: () => undefined });
    try {
      const back = await store.getRuns(acked);
      expect(back.map((r) => r?.id)).toEqual(acked);
    } finally {
      await store.close();
    }
  }, 60_000);
});
