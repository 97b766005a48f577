import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import { runMain } from './cli-run.js';

let root: string;
let dir: string;
let runId: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pipetrace-cli-components-'));
  dir = join(root, 'store');
  const store = await fsJsonStore({ dir });
  runId = (
    await createPipetrace({ store }).logRun({ component: 'clean', startedAt: 1, endedAt: 2, outputs: ['c.csv'] })
  ).id;
  await store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[], store = dir) {
  return runMain([...args, '--store', store]);
}

async function components() {
  const store = await fsJsonStore({ dir });
  try {
    return await createPipetrace({ store }).components();
  } finally {
    await store.close();
  }
}

describe('pipetrace component, tag and note', () => {
  it('component creates or updates the fields given, and shows a component without options', async () => {
    const made = await cli([
      'component',
      'clean',
      '--description',
      'drops bad fares',
      '--owner',
      'data-eng',
      '--tags',
      'etl,daily',
    ]);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('drops bad fares');
    expect(await components()).toMatchObject([
      { name: 'clean', description: 'drops bad fares', owner: 'data-eng', tags: ['etl', 'daily'] },
    ]);
    expect((await cli(['component', 'clean', '--owner', 'ml'])).code).toBe(0);
    const shown = await cli(['component', 'clean', '--json']);
    expect(JSON.parse(shown.stdout).component).toMatchObject({ description: 'drops bad fares', owner: 'ml' });
    const missing = await cli(['component', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('component not found: "nope"');
  });

  it('tag adds tags, as the API does, and components lists them', async () => {
    expect((await cli(['tag', 'clean', 'critical', 'etl'])).code).toBe(0);
    expect((await components())[0]?.tags).toEqual(['etl', 'daily', 'critical']);
    expect((await cli(['components', '--tag', 'critical'])).stdout).toContain('clean');
    expect((await cli(['tag', 'clean'])).code).toBe(2);
    expect((await cli(['tag', 'clean', 'bad tag\u0000'])).code).toBe(2);
  });

  it('note adds a note to a run named by a prefix of its id', async () => {
    const r = await cli(['note', runId.slice(0, 13), 'refactored', 'the', 'filter']);
    expect(r.code).toBe(0);
    const store = await fsJsonStore({ dir });
    const run = await createPipetrace({ store }).inspect(runId);
    await store.close();
    expect(run.notes.map((n) => n.text)).toEqual(['refactored the filter']);
    expect((await cli(['note', 'ffffffff-0000-7000-8000-000000000000', 'x'])).code).toBe(1);
  });

  it('showing a component, or a note, never creates a store', async () => {
    const typo = join(root, 'typo');
    expect((await cli(['component', 'clean'], typo)).code).toBe(1);
    expect((await cli(['note', runId, 'x'], typo)).code).toBe(1);
    expect(existsSync(typo)).toBe(false);
  });
});
