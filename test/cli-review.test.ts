import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createPipetrace } from '../src/pipetrace.js';
import { rowHash } from '../src/rows/index.js';
import { runMain } from './cli-run.js';

let root: string;
let dir: string;

// A scoring run a day reads raw rides; rides rA and rB feed three predictions each, rC and rD one.
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pipetrace-cli-review-'));
  dir = join(root, 'store');
  const store = await fsJsonStore({ dir });
  const pt = createPipetrace({ store });
  for (const day of [1, 2, 3]) {
    await pt
      .startRun('score', { inputs: `raw-${day}.csv` })
      .addOutputs(`preds-${day}`)
      .rows(
        {
          output: `preds-${day}`,
          input: `raw-${day}.csv`,
          kind: 'map',
          outputKeys: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'],
          inputKeys: ['rA', 'rA', 'rA', 'rB', 'rB', 'rB', 'rC', 'rD'],
        },
        { keepKeys: true },
      )
      .end();
  }
  await pt.flag('preds-2');
  await store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[]) {
  return runMain([...args, '--store', dir]);
}

async function flagRows(keys: string[]) {
  const store = await fsJsonStore({ dir });
  const pt = createPipetrace({ store });
  await pt.unflagRows('preds-2');
  await pt.flagRows('preds-2', keys);
  await store.close();
}

describe('pipetrace review output', () => {
  it('lists upstream rows only where they stand out, by their original key', async () => {
    await flagRows(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    const r = await cli(['review']);
    expect(r.code).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('Upstream rows'));
    expect(section.split('\n')[0]).toBe('Upstream rows behind 3 or more flagged rows (more flagged than unflagged):');
    expect(section).toContain(`"rA" (${rowHash('rA')})`);
    expect(section).toContain(`"rB" (${rowHash('rB')})`);
    expect(section).toContain('ef=3 ep=0');
    // rC lies behind one flagged row only: no evidence, not listed.
    expect(section).not.toContain(rowHash('rC'));
    expect(r.stdout).not.toContain('most often behind');

    // Two flagged rows behind rA, one behind rC and rD: below the minimum support of 3, no section.
    await flagRows(['p1', 'p2', 'p7', 'p8']);
    const plain = await cli(['review']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Row review');
    expect(plain.stdout).not.toContain('Upstream rows');
  });

  it('--limit counts tie groups in every section, text and JSON alike, ranks from 1', async () => {
    await flagRows(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    const r = await cli(['review', '--json', '--limit', '1']);
    const { runs, rows } = JSON.parse(r.stdout);
    expect(runs.runs.map((g: { rank: number }) => g.rank)).toEqual([1]);
    expect(runs.components.map((g: { rank: number }) => g.rank)).toEqual([1]);
    expect(rows.candidates.length).toBeGreaterThan(0);
    expect(rows.candidates.every((c: { group: number }) => c.group === 1)).toBe(true);
    expect(rows.candidates[0]).toMatchObject({ group: 1, rank: 1 });
    // rA and rB tie in group 1: --limit 1 lists the whole group, not one candidate of it.
    expect(rows.rows.map((c: { id: string; group: number }) => [c.id, c.group]).sort()).toEqual(
      [
        [`raw-2.csv#${rowHash('rA')}`, 1],
        [`raw-2.csv#${rowHash('rB')}`, 1],
      ].sort(),
    );
    const text = await cli(['review', '--limit', '1']);
    expect(text.stdout).not.toContain('Group 2');
  });

  it('a method that cannot score says why instead of printing an empty table', async () => {
    const r = await cli(['review', '--method', 'risk_ratio']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Run review (risk_ratio): cannot score: there is only 1 flagged output, fewer than its minimum support of 3.',
    );
    expect(r.stdout).not.toMatch(/^rank\s+component/m);
    const lowered = await cli(['review', '--method', 'risk_ratio', '--min-support', '1']);
    expect(lowered.stdout).toMatch(/^#1\s+score/m);
  });
});
