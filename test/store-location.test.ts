import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer } from '../adapters/http/server.js';
import { serve } from '../cli/commands/serve.js';
import { findStoreDir, storeLocation } from '../node/store-location.js';
import { createPipetrace } from '../src/pipetrace.js';
import { collect, runMain } from './cli-run.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pipetrace-where-'));
  dirs.push(d);
  return d;
};

/** A git checkout with a subfolder `src/deep`; the store, when made, is at its root. */
function project(): { root: string; deep: string } {
  const root = temp();
  execFileSync('git', ['init', '-q'], { cwd: root });
  const deep = join(root, 'src', 'deep');
  mkdirSync(deep, { recursive: true });
  return { root, deep };
}

/** Runs a script in a child process (its own working directory and environment). */
function node(script: string, cwd: string, env: Record<string, string> = {}) {
  const file = join(cwd, `script-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--import', TSX, file], {
    cwd,
    env: { ...process.env, PIPETRACE_STORE: '', PIPETRACE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return runMain(args, env);
}

const NODE_ENTRY = pathToFileURL(join(ROOT, 'node/index.ts')).href;

describe('finding the store like git finds its repository', () => {
  it('finds the nearest .pipetrace up to the git root, and puts a new one at the git root', () => {
    const { root, deep } = project();
    expect(findStoreDir(deep)).toBe(join(root, '.pipetrace'));
    mkdirSync(join(root, 'src', '.pipetrace'));
    expect(findStoreDir(deep)).toBe(join(root, 'src', '.pipetrace'));
    const outside = temp();
    expect(findStoreDir(outside)).toBe(join(outside, '.pipetrace'));
  });

  it('takes PIPETRACE_STORE as a folder (relative to the working directory), a URL or memory', () => {
    const { root, deep } = project();
    expect(storeLocation({ PIPETRACE_STORE: 'elsewhere' }, deep)).toEqual({
      kind: 'folder',
      dir: join(deep, 'elsewhere'),
    });
    expect(storeLocation({ PIPETRACE_STORE: 'http://127.0.0.1:7070' }, deep)).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:7070',
    });
    expect(storeLocation({ PIPETRACE_STORE: 'memory' }, deep)).toEqual({ kind: 'memory' });
    expect(storeLocation({ PIPETRACE_STORE: '' }, deep)).toEqual({ kind: 'folder', dir: join(root, '.pipetrace') });
  });

  it('takes a postgres:// URL from PIPETRACE_STORE, else PIPETRACE_DATABASE_URL; PIPETRACE_STORE wins', () => {
    const { root, deep } = project();
    const url = 'postgres://pipetrace@db.internal:5432/lineage';
    expect(storeLocation({ PIPETRACE_STORE: url }, deep)).toEqual({ kind: 'postgres', url });
    expect(storeLocation({ PIPETRACE_DATABASE_URL: url }, deep)).toEqual({ kind: 'postgres', url });
    expect(storeLocation({ PIPETRACE_DATABASE_URL: 'postgresql://h/db' }, deep)).toEqual({
      kind: 'postgres',
      url: 'postgresql://h/db',
    });
    expect(storeLocation({ PIPETRACE_STORE: 'memory', PIPETRACE_DATABASE_URL: url }, deep)).toEqual({ kind: 'memory' });
    expect(storeLocation({ PIPETRACE_DATABASE_URL: '' }, deep)).toEqual({
      kind: 'folder',
      dir: join(root, '.pipetrace'),
    });
  });

  it("a script run from a subfolder logs into the project's one store, not a new empty one", async () => {
    const { root, deep } = project();
    const log = `import { createPipetrace } from '${NODE_ENTRY}';
const pt = createPipetrace({ codeVersion: { commit: 'c' } });
await pt.logRun({ component: 'step', startedAt: 1, endedAt: 2, outputs: [process.argv[2] ?? 'out.csv'] });
console.log((await pt.recent(10)).length);
await pt.store.close();`;
    expect((await node(log, root)).stdout.trim()).toBe('1');
    const second = await node(log, deep);
    expect(second.stderr).toBe('');
    expect(second.stdout.trim()).toBe('2');
    expect(existsSync(join(deep, '.pipetrace'))).toBe(false);
    expect(existsSync(join(root, '.pipetrace', 'pipetrace.json'))).toBe(true);
  }, 30_000);

  it('the library logs into the folder or server PIPETRACE_STORE names', async () => {
    const { root, deep } = project();
    const named = join(root, 'named-store');
    const log = `import { createPipetrace } from '${NODE_ENTRY}';
const pt = createPipetrace({ codeVersion: { commit: 'c' } });
await pt.logRun({ component: 'step', startedAt: 1, endedAt: 2, outputs: ['out.csv'] });
await pt.store.close();`;
    expect((await node(log, deep, { PIPETRACE_STORE: named })).code).toBe(0);
    expect(existsSync(join(root, '.pipetrace'))).toBe(false);
    const store = await fsJsonStore({ dir: named });
    expect((await store.scanRuns({})).runs.map((r) => r.component)).toEqual(['step']);
    await store.close();

    const serverStore = await fsJsonStore({ dir: join(root, 'served') });
    const server = createServer({ store: serverStore, token: 'store-location-token', env: {}, log: () => {} });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const r = await node(log, deep, { PIPETRACE_STORE: url, PIPETRACE_TOKEN: 'store-location-token' });
      expect(r.stderr).toBe('');
      expect((await serverStore.scanRuns({})).runs.map((r) => r.component)).toEqual(['step']);
    } finally {
      await server.close();
      await serverStore.close();
    }
  }, 30_000);
});

describe('the CLI and the store', () => {
  it('a read-only command never creates a store: recent --store /typo is exit 1', async () => {
    const typo = join(temp(), 'typo');
    const r = await cli(['recent', '--store', typo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pipetrace recent: no pipetrace store at ${typo}\n`);
    expect(existsSync(typo)).toBe(false);
    for (const args of [['trace', 'x'], ['review'], ['components'], ['export']]) {
      const other = await cli([...args, '--store', typo]);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(`no pipetrace store at ${typo}`);
    }
    expect(existsSync(typo)).toBe(false);
  });

  it('reads the store PIPETRACE_STORE names, a folder or a server URL (with dashboard links)', async () => {
    const dir = join(temp(), 'named');
    const store = await fsJsonStore({ dir });
    await createPipetrace({ store }).logRun({ component: 'load', startedAt: 1, endedAt: 2, outputs: ['a.csv'] });
    const fromFolder = await cli(['recent', '--json'], { PIPETRACE_STORE: dir });
    expect(fromFolder.code).toBe(0);
    expect(JSON.parse(fromFolder.stdout).runs.map((r: { component: string }) => r.component)).toEqual(['load']);

    const server = createServer({ store, env: {}, log: () => {} });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const fromUrl = await cli(['recent'], { PIPETRACE_STORE: url });
      expect(fromUrl.code).toBe(0);
      expect(fromUrl.stdout).toContain('load');
      expect(fromUrl.stdout).toContain(`dashboard: ${url}/#/recent`);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('finds the store from a subfolder of the project, as a process', async () => {
    const { root, deep } = project();
    const store = await fsJsonStore({ dir: join(root, '.pipetrace') });
    await createPipetrace({ store }).logRun({ component: 'load', startedAt: 1, endedAt: 2, outputs: ['a.csv'] });
    await store.close();
    const r = await node(
      `import { main } from '${pathToFileURL(join(ROOT, 'cli/main.ts')).href}';
process.exitCode = await main(['recent', '--json'], { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, signal: new AbortController().signal });`,
      deep,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).runs.map((x: { component: string }) => x.component)).toEqual(['load']);
    const none = await node(
      `import { main } from '${pathToFileURL(join(ROOT, 'cli/main.ts')).href}';
process.exitCode = await main(['recent'], { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, signal: new AbortController().signal });`,
      temp(),
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^pipetrace recent: no pipetrace store at .*\.pipetrace\n$/);
  }, 30_000);

  it('serve opens the store PIPETRACE_STORE names', async () => {
    const dir = join(temp(), 'served');
    const store = await fsJsonStore({ dir });
    await createPipetrace({ store }).logRun({ component: 'load', startedAt: 1, endedAt: 2, outputs: ['a.csv'] });
    await store.close();
    const stop = new AbortController();
    let stdout = '';
    const listening = new Promise<string>((done) => {
      const running = serve.run(['--port', '0'], {
        stdout: (t) => {
          stdout += t;
          const m = stdout.match(/listening on (\S+)/);
          if (m) done(m[1] as string);
        },
        stderr: () => {},
        env: { PIPETRACE_STORE: dir },
        signal: stop.signal,
      });
      void running;
    });
    const url = await listening;
    const body = (await (await fetch(`${url}/api/v1/recent`)).json()) as { runs: { component: string }[] };
    stop.abort();
    expect(body.runs.map((r) => r.component)).toEqual(['load']);
  });
});
