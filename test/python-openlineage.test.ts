/**
 * The README's "From Python" route, for real: a Python process posts what the OpenLineage
 * Python client's HTTP transport posts (the same JSON, URL and Authorization header, sent with
 * urllib: openlineage-python cannot be installed here) to a pipetrace server, and the runs,
 * components, pointers and dependency come out as the README says.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';
import { collect } from './cli-run.js';

const SCRIPT = join(resolve(import.meta.dirname), 'fixtures', 'openlineage_client.py');
const TOKEN = 'python-pipeline-token';
let pt: Pipetrace;
let server: PipetraceServer;
let url: string;

function python(args: string[]) {
  return collect(spawn('python3', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  server = createServer({ store: pt.store, token: TOKEN, env: {}, log: () => {} });
  url = (await server.listen(0, '127.0.0.1')).url;
});
afterAll(() => server.close());

describe('from Python, with the OpenLineage client HTTP transport', () => {
  it('python3 is there to run it (the machine image has it)', () => {
    expect(execFileSync('python3', ['--version'], { encoding: 'utf8' })).toMatch(/^Python 3\./);
  });

  it('ingests the events as runs of namespace:job components, with datasets as pointers and the dependency inferred', async () => {
    const r = await python([url, TOKEN]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('route: urllib, as the OpenLineage Python client HTTP transport posts');
    const ids = JSON.parse(lines.at(-1) as string) as { clean: string; train: string };

    const clean = await pt.inspect(ids.clean);
    expect(clean).toMatchObject({
      component: 'ride_pipeline:clean_rides',
      status: 'succeeded',
      inputs: ['s3://raw-bucket/rides/2026-03-01.csv'],
      outputs: ['/data/clean.parquet'],
      startedAt: Date.UTC(2026, 2, 1, 2, 0),
      endedAt: Date.UTC(2026, 2, 1, 2, 1),
    });
    const trace = await pt.trace('/models/fare.pkl');
    expect(trace.root).toBe(ids.train);
    expect(trace.edges).toEqual([{ from: ids.train, to: ids.clean, via: ['/data/clean.parquet'] }]);
    expect((await pt.components()).map((c) => c.name)).toEqual(['ride_pipeline:clean_rides', 'ride_pipeline:train']);
  });

  it('a wrong api_key is refused, and nothing is stored', async () => {
    const before = (await pt.recent(100)).length;
    const r = await python([url, 'not-the-token']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^HTTP 40[13]: /);
    expect((await pt.recent(100)).length).toBe(before);
  });
});
