import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { main } from '../cli/main.js';
import { runPipeline } from '../demo/ride/pipeline.js';
import { analyse, firstDay } from '../demo/ride/run.js';
import { createPipetrace } from '../src/pipetrace.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipetrace-demo-'));
  dirs.push(dir);
  return dir;
}

/** Runs demo/main.ts (what `npm start` runs) in `cwd`. */
function startDemo(args: string[], cwd: string) {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'demo/main.ts'), ...args], {
    cwd,
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
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((done, fail) => {
      const check = () => {
        const m = stdout.match(pattern);
        if (m) done(m);
      };
      child.stdout?.on('data', check);
      child.on('exit', () => fail(new Error(`exited before printing ${pattern}: ${stderr}`)));
      check();
    });
  return { child, exited, line, output: () => ({ stdout, stderr }) };
}

async function pipeline(options: { seed?: number; buggyDay?: number; days?: number; rows?: number } = {}) {
  const pt = createPipetrace({ store: memoryStore() });
  const days = options.days ?? 5;
  const result = await runPipeline(pt, {
    seed: options.seed ?? 42,
    days,
    rows: options.rows ?? 2000,
    buggyDay: options.buggyDay ?? 2,
    start: firstDay(days, Date.UTC(2026, 0, 10)),
  });
  return { pt, result, outcome: await analyse(pt, result) };
}

describe('the ride-fare demo pipeline', () => {
  it('ranks the planted cleaning run first in the top group of the row review', async () => {
    const { outcome, result } = await pipeline();
    const culprit = result.culprit?.run;
    expect(culprit).toBeDefined();
    expect(outcome.culpritGroup).toBe(1);
    const first = outcome.rowReview.candidates[0];
    expect(first?.kind === 'run' && first.id).toBe(culprit);
    expect(first?.differences.join(' ')).toContain('unit_rule');
    // The top group holds only runs and versions of the buggy day: the other days' runs rank lower.
    const buggyRuns = new Set(Object.values(result.days[2]?.runs ?? {}));
    for (const c of outcome.rowReview.candidates.filter((c) => c.group === 1 && c.kind === 'run'))
      expect(buggyRuns.has(c.id)).toBe(true);
  });

  it('follows the planted day wherever it is put', async () => {
    const { outcome, result } = await pipeline({ buggyDay: 1, days: 3, seed: 7 });
    expect(result.culprit?.date).toBe(result.days[1]?.date);
    expect(outcome.culpritGroup).toBe(1);
  });

  it('flags many more predictions on the planted day than on the others, and the gate stops its model', async () => {
    const { result } = await pipeline();
    const [a, b, bug, c, d] = result.days.map((day) => day.flaggedRows);
    for (const other of [a, b, c, d]) expect(bug as number).toBeGreaterThan(5 * (other as number));
    expect(result.days.map((day) => day.promoted)).toEqual([true, true, false, true, true]);
    expect(result.flaggedPointers).toEqual([result.days[2]?.pointers.predictions]);
  });

  it('puts the planted run in the top group of the run-level review of the flagged day', async () => {
    const { outcome, result } = await pipeline();
    const top = outcome.review.runs[0]?.candidates.map((c) => c.id) ?? [];
    expect(top).toContain(result.culprit?.run);
  });

  it('gives the same data and flags for the same seed, and other data for another seed', async () => {
    const one = await pipeline({ days: 3, rows: 800 });
    const two = await pipeline({ days: 3, rows: 800 });
    const other = await pipeline({ days: 3, rows: 800, seed: 43 });
    const counts = (p: typeof one) => p.result.days.map((d) => [d.predictions, d.flaggedRows, d.holdoutMae]);
    expect(counts(two)).toEqual(counts(one));
    expect(counts(other)).not.toEqual(counts(one));
  });

  it('replaces its own runs when run again into the same store, so days never interleave', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const start = firstDay(3, Date.UTC(2026, 0, 10));
    const first = await runPipeline(pt, { seed: 1, days: 3, rows: 1500, buggyDay: 2, start });
    const again = await runPipeline(pt, { seed: 2, days: 3, rows: 900, buggyDay: 1, start });
    expect(again.days.map((d) => d.runs)).toEqual(first.days.map((d) => d.runs));
    expect((await pt.history('cleaning')).runs).toHaveLength(3);
    const outcome = await analyse(pt, again);
    expect(outcome.culpritGroup).toBe(1);
    expect(again.culprit?.date).toBe(again.days[1]?.date);
  });

  it('traces a flagged prediction back to its raw ride through row lineage', async () => {
    const { pt, result } = await pipeline({ days: 3, rows: 800 });
    const { traceRow } = await import('../src/rows/index.js');
    const day = result.days[2];
    const sample = day?.sampleFlagged as string;
    const trace = await traceRow(pt.store, day?.pointers.predictions as string, sample);
    const origin = trace.origins.find((o) => o.pointer === day?.pointers.raw);
    expect(origin?.rows[0]?.key).toMatch(/^ride-\d{8}-\d{6}$/);
    expect(trace.steps.map((s) => s.run.component)).toEqual(expect.arrayContaining(['inference', 'cleaning']));
  });
});

describe('npm start (demo/main.ts)', () => {
  it('runs into ./.pipetrace of the working directory and reports the culprit in the top group', async () => {
    const cwd = tempDir();
    const demo = startDemo(['--rows', '1500', '--days', '3', '--no-serve', '--json'], cwd);
    expect(await demo.exited).toBe(0);
    const summary = JSON.parse(demo.output().stdout);
    expect(summary.culpritGroup).toBe(1);
    expect(summary.rowReview.topGroup.map((c: { id: string }) => c.id)).toContain(summary.culprit.run);
    expect(summary.days).toHaveLength(3);
    expect(existsSync(join(cwd, '.pipetrace'))).toBe(true);
  }, 60_000);

  it('prints a trace and the review, then serves the store on the printed URL until interrupted', async () => {
    const cwd = tempDir();
    const demo = startDemo(['--rows', '1000', '--days', '3', '--port', '0', '--store', join(cwd, 'elsewhere')], cwd);
    const [, url] = await demo.line(/(http:\/\/127\.0\.0\.1:\d+\/)/);
    const { stdout, stderr } = demo.output();
    expect(stdout).toMatch(/Trace of predictions\/fare\/\d{4}-\d\d-\d\d/);
    expect(stdout).toMatch(/└─ inference {2}[0-9a-f-]{36}/);
    expect(stdout).toMatch(/Group 1: score [\d.]+ {2}ef=\d+ ep=\d+/);
    expect(stdout).toMatch(/Planted bug: the cleaning run [0-9a-f-]{36} of \d{4}-\d\d-\d\d is in group 1\./);
    expect(stderr).toContain('100%');
    expect(existsSync(join(cwd, 'elsewhere'))).toBe(true);
    expect(existsSync(join(cwd, '.pipetrace'))).toBe(false);
    const page = await fetch(url as string);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const res = await fetch(`${url}api/v1/recent`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runs?: unknown[] } | unknown[];
    expect(JSON.stringify(body)).toContain('inference');
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  }, 60_000);

  it('exits 2 with the usage on bad options', async () => {
    for (const args of [['--rows', 'many'], ['--buggy-day', '1'], ['--days', '1'], ['--what']]) {
      let stderr = '';
      const code = await main(['demo', ...args, '--no-serve'], {
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
        env: {},
        signal: new AbortController().signal,
      });
      expect(code).toBe(2);
      expect(stderr).toContain('Usage: pipetrace demo');
    }
  });
});
