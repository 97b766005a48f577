/**
 * One not-found rule for the API, HTTP and the CLI alike: a pointer no run wrote or read is
 * not_found, and so is a row key that the pointer's row lineage never recorded, named in the
 * error. Never an answer that looks real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import { runMain } from './cli-run.js';

let dir: string;
let store: Store;
let pt: Pipetrace;
let server: PipetraceServer;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipetrace-notfound-'));
  store = await fsJsonStore({ dir: join(dir, 'store') });
  pt = createPipetrace({ store });
  await pt
    .startRun('clean', { inputs: 'rides.csv' })
    .addOutputs('clean.csv')
    .rows({ output: 'clean.csv', input: 'rides.csv', kind: 'keep', keys: ['r1', 'r2'] })
    .end();
  await pt
    .startRun('infer', { inputs: 'clean.csv' })
    .addOutputs('preds.csv')
    .rows({ output: 'preds.csv', input: 'clean.csv', kind: 'map', outputKeys: ['p1', 'p2'], inputKeys: ['r1', 'r2'] })
    .end();
  server = createServer({ store, token: 'not-found-token', env: {}, log: () => {} });
  url = (await server.listen(0, '127.0.0.1')).url;
});

afterAll(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runMain([...args, '--url', url, '--token', 'not-found-token']);
}

describe('not found means not found', () => {
  it('the API: an unknown pointer and an unrecorded row key are not_found, the key named', async () => {
    await expect(pt.pointer('no/such')).rejects.toMatchObject({ code: 'not_found' });
    expect((await pt.pointer('preds.csv')).name).toBe('preds.csv');
    await expect(pt.impact('no/such', 'k')).rejects.toMatchObject({ code: 'not_found' });
    await expect(pt.traceRow('no/such', 'k')).rejects.toMatchObject({ code: 'not_found' });
    await expect(pt.traceRow('preds.csv', 'nosuchkey')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^row key never recorded for "preds.csv" \(run .*\): "nosuchkey"$/),
    });
    await expect(pt.impact('clean.csv', 'nosuchkey')).rejects.toMatchObject({ code: 'not_found' });
    expect((await pt.traceRow('preds.csv', 'p1')).origins[0]?.pointer).toBe('rides.csv');
  });

  it('flagRows with an unknown key flags nothing and names the unknown key', async () => {
    await expect(pt.flagRows('preds.csv', ['p1', 'nosuchkey', 'other'])).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/row keys never recorded for "preds.csv" .*: "nosuchkey", "other"$/),
    });
    expect((await pt.flaggedRows('preds.csv')).rows).toEqual([]);
    expect(await pt.flagRows('preds.csv', ['p1'])).toBe(1);
    await pt.unflagRows('preds.csv');
  });

  it('HTTP answers 404 not_found for the same things', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${url}/api/v1${path}`);
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    };
    for (const path of [
      '/pointer?name=no%2Fsuch',
      `/rows/trace?pointer=preds.csv&key=${encodeURIComponent('"nosuchkey"')}`,
      `/rows/impact?pointer=no%2Fsuch&key=${encodeURIComponent('"k"')}`,
      `/trace?pointer=no%2Fsuch`,
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body.error?.code, path).toBe('not_found');
    }
    expect((await get(`/rows/trace?pointer=preds.csv&key=${encodeURIComponent('"p2"')}`)).status).toBe(200);
  });

  it('the CLI exits 1 with the reason, and flags nothing', async () => {
    const row = await cli(['trace-row', 'preds.csv', 'nosuchkey']);
    expect(row.code).toBe(1);
    expect(row.stdout).toBe('');
    expect(row.stderr).toContain('row key never recorded for "preds.csv"');
    const forward = await cli(['impact', 'no/such', 'k']);
    expect(forward.code).toBe(1);
    expect(forward.stderr).toContain('not found: "no/such"');
    const flag = await cli(['flag', 'preds.csv', 'p1', 'nosuchkey']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('"nosuchkey"');
    expect((await pt.flaggedRows('preds.csv')).rows).toEqual([]);
    expect((await cli(['trace-row', 'preds.csv', 'p2'])).code).toBe(0);
  });
});
