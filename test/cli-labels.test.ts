import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import type { Labelled } from '../src/labels/labelled.js';
import type { Retraction, RetractionReport } from '../src/labels/retract.js';
import { runMain } from './cli-run.js';
import { labelled, labelsPipeline, STAGES_IN_ORDER } from './labels-pipeline.js';

let cwd: string;
let dir: string;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'pipetrace-labels-cli-'));
  dir = join(cwd, '.pipetrace');
  const store = await fsJsonStore({ dir });
  await labelsPipeline(store);
  await store.close();
}, 60_000);

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (...args: string[]) => runMain([...args, '--store', dir]);
const keys = labelled.map((i) => `r${i}`);

describe('pipetrace label, labelled, retract, retractions', () => {
  it('labels rows, answers what they reached, retracts, lists and closes, in text and --json', async () => {
    const label = await cli('label', 'raw/rides.csv', 'customer:42', ...keys, '--json');
    expect(label.code).toBe(0);
    expect(JSON.parse(label.stdout).label).toMatchObject({ pointer: 'raw/rides.csv', rowCount: 12, whole: false });

    const text = await cli('labelled', 'customer:42');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('data/group-predictions.csv [data] by forecast run');
    expect(text.stdout).toContain('1 rows: "p2"');
    expect(text.stdout).toMatch(/whole output \(no row lineage at step train, run .*\)/);
    const json = JSON.parse((await cli('labelled', 'customer:42', '--json')).stdout) as Labelled;
    expect(json.outputs.map((o) => o.pointer)).toContain('models/churn.pkl');

    const retract = await cli('retract', 'customer:42', '--reason', 'deletion request', '--json');
    expect(retract.code).toBe(0);
    const report = JSON.parse(retract.stdout) as RetractionReport;
    expect(report.models.map((m) => m.pointer)).toEqual(['models/churn.pkl']);
    expect(report.rebuild.map((s) => s.run.component)).toEqual(STAGES_IN_ORDER);
    const shown = await cli('retract', 'customer:42', '--show');
    expect(shown.stdout).toContain('rebuild, in pipeline order:\n  1. clean');
    expect(shown.stdout).toContain('models trained on the data:\n  models/churn.pkl [model] by train run');

    const open = JSON.parse((await cli('retractions', '--json')).stdout) as { retractions: Retraction[] };
    expect(open.retractions.map((r) => [r.label, r.open, r.flagged])).toEqual([
      ['customer:42', true, { pointers: 2, rows: 29 }],
    ]);
    const closed = await cli('retract', 'customer:42', '--close');
    expect(closed.stdout).toContain('cleared its 2 output and 29 row flags');
    expect((await cli('retractions')).stdout).toBe('no open retractions\n');
  });

  it('answers through a server as from the folder', async () => {
    const store = await fsJsonStore({ dir });
    const server: PipetraceServer = createServer({ store, env: {}, log: () => {} });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const viaServer = await runMain(['labelled', 'customer:42', '--json', '--url', url]);
      expect(viaServer.code).toBe(0);
      const local = await cli('labelled', 'customer:42', '--json');
      expect(JSON.parse(viaServer.stdout)).toEqual(JSON.parse(local.stdout));
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('refuses bad usage with exit 2 and an unknown label with exit 1', async () => {
    expect((await cli('retract', 'customer:42')).code).toBe(2);
    expect((await cli('retract', 'customer:42', '--reason', 'x', '--close')).code).toBe(2);
    expect((await cli('labelled')).code).toBe(2);
    const unknown = await cli('retract', 'nobody', '--reason', 'gone');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody');
  });
});
