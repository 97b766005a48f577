/**
 * `pipetrace serve` as a process, over an fs-json folder written beforehand: its /metrics passes
 * `promtool check metrics` and shows the store, and it needs the read token when reads do.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import { checkMetrics } from './prometheus/promtool.js';

const READ_TOKEN = 'metrics-read-token-1';
let dir: string;
let url: string;
let stop: () => Promise<number | null>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipetrace-metrics-'));
  const store = await fsJsonStore({ dir });
  const pt = createPipetrace({ store });
  await pt.logRun({ component: 'ingest', startedAt: 1000, endedAt: 2000, outputs: 'raw.csv' });
  await pt.logRun({ component: 'ingest', startedAt: 3000, endedAt: 4000, error: new Error('timeout') });
  await pt.flag('raw.csv');
  await store.close();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'serve', '--store', dir, '--port', '0', '--read-token', READ_TOKEN],
    { cwd: process.cwd(), env: { ...process.env, PIPETRACE_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /pipetrace listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', () => reject(new Error(`pipetrace serve exited: ${err}`)));
  });
}, 60_000);

afterAll(async () => {
  await stop?.();
  await rm(dir, { recursive: true, force: true });
});

describe('pipetrace serve /metrics', () => {
  it('asks for the read token when reads need one', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
  });

  it('answers the Prometheus text format that promtool accepts, with the store in it', async () => {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('pipetrace_runs_total{component="ingest"} 2');
    expect(text).toContain('pipetrace_run_failures_total{component="ingest"} 1');
    expect(text).toContain('pipetrace_flagged_outputs{component="ingest"} 1');
    expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  });
});
