import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { httpStore } from '../adapters/http/client.js';
import { main } from '../cli/main.js';
import { createPipetrace } from '../src/pipetrace.js';
import { runMain } from './run-main.js';

const TOKEN = 'cli-test-token-123';
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, PIPETRACE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = () => ({ stdout, stderr });
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = stdout.match(pattern);
        if (m) resolve(m);
      };
      child.stdout?.on('data', check);
      child.on('exit', () => reject(new Error(`exited before printing ${pattern}: ${stderr}`)));
      check();
    });
  return { child, exited, output, line };
}

/** An in-process run of main(), capturing output. */
const run = runMain;

describe('pipetrace serve', () => {
  it('serves an fs-json folder on the port it picked, takes writes with the token, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipetrace-serve-'));
    dirs.push(dir);
    const proc = cli(['serve', '--store', dir, '--port', '0', '--host', '127.0.0.1'], { PIPETRACE_TOKEN: TOKEN });
    const [, url] = await proc.line(/pipetrace listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    const remote = httpStore({ url: url as string, token: TOKEN });
    const pt = createPipetrace({ store: remote });
    const run = await pt.logRun({ component: 'train', startedAt: 1000, endedAt: 2000, outputs: ['model.pkl'] });
    const seen = await fetch(`${url}/api/v1/runs/${encodeURIComponent(run.id)}`);
    expect(((await seen.json()) as { component: string }).component).toBe('train');
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('pipetrace-dashboard');
    await remote.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const store = await fsJsonStore({ dir });
    try {
      expect((await store.getRuns([run.id]))[0]?.outputs).toEqual(['model.pkl']);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('exits 2 with the reason and the usage on stderr for a bad option', async () => {
    const proc = cli(['serve', '--port', 'eighty']);
    expect(await proc.exited).toBe(2);
    const { stdout, stderr } = proc.output();
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--port: must be 0 to 65535/);
    expect(stderr).toMatch(/Usage: pipetrace serve/);
  }, 30_000);
});

describe('pipetrace command line', () => {
  it('prints the command list and exits 2 when no command is given', async () => {
    const out = await run([]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/Commands:\n\s+serve/);
  });

  it('prints help on stdout and exits 0 for --help and help serve', async () => {
    expect((await run(['--help'])).code).toBe(0);
    const help = await run(['help', 'serve']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--store DIR\|memory/);
  });

  it('exits 2 for an unknown command or option', async () => {
    const unknown = await run(['__proto__']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "__proto__"/);
    const option = await run(['serve', '--no-such-flag']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/no-such-flag/);
  });

  it('exits 2 when the token is too short to be safe', async () => {
    const out = await run(['serve', '--store', 'memory', '--port', '0', '--token', 'short']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/at least 8 characters/);
  });

  it('exits 1 when the port is taken', async () => {
    const stop = new AbortController();
    let first = '';
    const running = main(['serve', '--store', 'memory', '--port', '0'], {
      stdout: (t) => {
        first += t;
      },
      stderr: () => {},
      env: {},
      signal: stop.signal,
    });
    for (let i = 0; i < 100 && !first.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
    const port = first.match(/:(\d+)\n/)?.[1] as string;
    const second = await run(['serve', '--store', 'memory', '--port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/EADDRINUSE/);
    stop.abort();
    expect(await running).toBe(0);
  });
});
