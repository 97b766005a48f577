import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';
import { shortId } from '../src/render/format.js';
import { runMain } from './cli-run.js';

const A = '0190a1b2-0000-7000-8000-00000000000a';
const B = '0190a1b2-0000-7000-8000-00000000000b';
const C = '0190ffff-0000-7000-8000-00000000000c';
let pt: Pipetrace;
let server: PipetraceServer;
let url: string;

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  await pt.logRuns([
    { id: A, component: 'load', startedAt: 1, endedAt: 2, outputs: ['raw.csv'] },
    { id: B, component: 'clean', startedAt: 3, endedAt: 4, inputs: ['raw.csv'], outputs: ['clean.csv'] },
    { id: C, component: 'train', startedAt: 5, endedAt: 6, inputs: ['clean.csv'], outputs: ['model.pkl'] },
    { id: 'custom-run', component: 'train', startedAt: 7, endedAt: 8, inputs: ['clean.csv'], outputs: ['m2.pkl'] },
  ]);
  server = createServer({ store: pt.store, env: {}, log: () => {} });
  url = (await server.listen(0, '127.0.0.1')).url;
});
afterAll(() => server.close());

function cli(args: string[]) {
  return runMain([...args, '--url', url]);
}

describe('run id prefixes, git-style', () => {
  it('a unique prefix, or the short form the renderers print, names the run', async () => {
    expect((await pt.inspect('0190ff')).id).toBe(C);
    expect((await pt.inspect('0190FFFF-0000')).id).toBe(C);
    expect(shortId(B)).toBe('0190a1b2…000b');
    expect((await pt.inspect(shortId(B))).id).toBe(B);
    expect((await pt.inspect('0190a1b2...000a')).id).toBe(A);
    expect((await pt.trace({ run: '0190ff' })).root).toBe(C);
    expect((await pt.trace('0190ff')).root).toBe(C);
    expect((await pt.staleness({ run: '0190ff' })).run).toBe(C);
  });

  it('a prefix several runs share is ambiguous and lists them', async () => {
    const error = await pt.inspect('0190a1b2').catch((e) => e);
    expect(error).toMatchObject({ code: 'ambiguous', details: { candidates: [A, B] } });
    expect(error.message).toBe(`run id "0190a1b2" is ambiguous: 2 runs match: ${A} (load), ${B} (clean)`);
  });

  it('too short a prefix, or one that is not hex, is not read as a prefix', async () => {
    await expect(pt.inspect('019')).rejects.toMatchObject({ code: 'not_found' });
    await expect(pt.inspect('custom')).rejects.toMatchObject({ code: 'not_found' });
    expect((await pt.inspect('custom-run')).id).toBe('custom-run');
  });

  it('over HTTP: a prefix resolves, an ambiguous one is 409 ambiguous', async () => {
    const ok = await fetch(`${url}/api/v1/runs/0190ff`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { id: string }).id).toBe(C);
    const many = await fetch(`${url}/api/v1/runs/0190a1b2`);
    expect(many.status).toBe(409);
    expect(((await many.json()) as { error: { code: string } }).error.code).toBe('ambiguous');
  });

  it('in the CLI: inspect, trace and staleness take a prefix; ambiguity is exit 2 listing the runs', async () => {
    const inspect = await cli(['inspect', '0190ff', '--json']);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout).run.id).toBe(C);
    expect((await cli(['trace', '--run', '0190a1b2…000b'])).stdout).toContain(B);
    expect((await cli(['staleness', '--run', '0190ff'])).code).toBe(0);
    const row = await cli(['trace-row', 'clean.csv', 'k', '--run', '0190a1b2…000b']);
    // The run resolves; the row walk then says the run recorded no row lineage (no key check possible).
    expect(row.code).toBe(0);
    const many = await cli(['inspect', '0190a1b2']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain(`is ambiguous: 2 runs match: ${A} (load), ${B} (clean)`);
  });
});
