/** `pipetrace inspect` shows a run's check results, from a real fs-json store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { fail } from '../src/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import { runMain } from './cli-run.js';

let root: string;
let dir: string;
let runId: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pipetrace-cli-checks-'));
  dir = join(root, 'store');
  const store = await fsJsonStore({ dir });
  const pt = createPipetrace({ store });
  const clean = pt.wrap('clean', async (fares: (number | null)[]) => fares.length, {
    checks: {
      before: [{ name: 'no null fares', check: (fares) => (fares.includes(null) ? fail('1 null fare') : true) }],
      after: [{ name: 'rows > 0', check: (n) => n > 0 }],
    },
  });
  await clean([1, null]);
  runId = (await pt.recent(1))[0]?.id as string;
  await store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pipetrace inspect with checks', () => {
  it('lists each check with its outcome, phase, name, duration and message', async () => {
    const r = await runMain(['inspect', runId, '--store', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\nchecks {5}FAIL {2}before {2}no null fares \(\d+ ms\): 1 null fare\n {11}PASS {2}after {2}rows > 0 \(\d+ ms\)\n/,
    );
    const json = JSON.parse((await runMain(['inspect', runId, '--store', dir, '--json'])).stdout);
    expect(json.run.checks.map((c: { outcome: string }) => c.outcome)).toEqual(['fail', 'pass']);
  });
});
