import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { memoryStore } from '../adapters/memory.js';
import { main } from '../cli/main.js';
import { FARE_TASK, LIVE_MAE_ALERT, runPipeline, SERVING_MODEL } from '../demo/ride/pipeline.js';
import { analyse, type DemoOptions, firstDay, runDemo } from '../demo/ride/run.js';
import { isBadPrediction } from '../demo/ride/steps.js';
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

  it("finds the planted bug with no hand-set flag: drift in cleaning that day, then the next morning the feedback MAE, the rule's flags and the review", async () => {
    const { pt, result } = await pipeline();
    const bug = result.days[2] as (typeof result.days)[number];
    const next = Date.parse(`${bug.date}T00:00:00Z`) + 86_400_000 + 3_600_000;
    const cleaning = await pt.inspect(bug.runs.cleaning);
    const fired = result.signals.map((s) => [s.kind, s.date, s.at]);
    // Drift fires first, on the planted day, in cleaning (ingest's raw data did not move), then downstream.
    expect(fired[0]).toEqual(['drift', bug.date, cleaning.endedAt]);
    expect(result.signals[0]?.text).toMatch(/drift in cleaning .* km: mean [\d.]+ → [\d.]+, normalized Wasserstein/);
    expect(result.signals.filter((s) => s.kind === 'drift').map((s) => s.text.split(' ')[2])).toEqual([
      'cleaning',
      'featuregen',
    ]);
    // The next morning, when the true fares arrived: MAE, flags, review; nothing on the other days.
    expect(fired.slice(2)).toEqual([
      ['mae', bug.date, next],
      ['flags', bug.date, next],
      ['review', bug.date, next],
    ]);
    expect(result.signals[4]?.text).toContain(
      `top group: cleaning run ${bug.runs.cleaning.slice(0, 8)} of ${bug.date} (`,
    );
    expect(bug.feedbackMae as number).toBeGreaterThan(LIVE_MAE_ALERT);
    for (const d of result.days.filter((d) => d !== bug)) expect(d.feedbackMae as number).toBeLessThan(LIVE_MAE_ALERT);
    // The flags are the rule's: exactly the predictions whose feedback missed.
    const pairs = await pt.task(FARE_TASK).join();
    const missed = pairs
      .ids()
      .filter(
        (id, i) =>
          id.startsWith(`pred-${bug.date.replaceAll('-', '')}`) &&
          isBadPrediction(pairs.outputs[i] as number, pairs.feedback[i] as number),
      );
    const flagged = (await pt.flaggedRows(bug.pointers.predictions)).rows.map((r) => r.key);
    expect(flagged.length).toBe(bug.flaggedRows);
    expect([...flagged].sort()).toEqual(missed.sort());
    expect(pairs.feedbackAt.every((t, i) => t - (pairs.outputAt[i] as number) > 20 * 3_600_000)).toBe(true);
    expect(await pt.tasks()).toEqual([
      expect.objectContaining({ name: FARE_TASK, outputs: pairs.n, feedback: pairs.n }),
    ]);
  });

  it('profiles the output of every step', async () => {
    const { pt, result } = await pipeline({ days: 2, rows: 500, buggyDay: 1 });
    for (const day of result.days) {
      for (const id of Object.values(day.runs)) {
        const run = await pt.inspect(id);
        for (const output of run.outputs.filter((o) => o !== SERVING_MODEL)) {
          const profile = await pt.profile({ run: id }, output);
          expect(profile.columns.length, `${run.component} ${output}`).toBeGreaterThan(0);
        }
      }
    }
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

/** runDemo in this process, printing into strings; `stop` ends its server. */
async function demoRun(options: Partial<DemoOptions>, stop = new AbortController()) {
  let stdout = '';
  const done = runDemo(
    { seed: 7, days: 3, rows: 300, serve: false, port: 0, ...options },
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      signal: stop.signal,
    },
  );
  return { done, stdout: () => stdout };
}

describe('the demo keeps its own store', () => {
  it('a smaller demo after a bigger one holds only its own days', async () => {
    const dir = join(tempDir(), 'demo-store');
    expect(await (await demoRun({ store: dir, days: 4 })).done).toBe(0);
    expect(await (await demoRun({ store: dir, days: 2 })).done).toBe(0);
    const store = await fsJsonStore({ dir });
    const pt = createPipetrace({ store });
    expect((await pt.history('cleaning')).runs).toHaveLength(2);
    expect((await pt.history('inference')).runs).toHaveLength(2);
    await store.close();
  }, 60_000);

  it('refuses a folder it did not make, and leaves it as it was', async () => {
    const dir = join(tempDir(), 'project-store');
    const store = await fsJsonStore({ dir });
    await createPipetrace({ store }).logRun({ component: 'mine', startedAt: 1, endedAt: 2, outputs: ['x.csv'] });
    await store.close();
    await expect((await demoRun({ store: dir })).done).rejects.toMatchObject({ code: 'conflict' });
    const again = await fsJsonStore({ dir });
    expect((await again.scanRuns({})).runs.map((r) => r.component)).toEqual(['mine']);
    await again.close();
  });

  it('serves with the token it is given, so the dashboard can flag; without one it says how', async () => {
    const stop = new AbortController();
    const run = await demoRun({ store: join(tempDir(), 'd'), serve: true, token: 'demo-token-1234' }, stop);
    let url = '';
    while (url === '') {
      await new Promise((r) => setTimeout(r, 50));
      url = /Dashboard: (\S+)/.exec(run.stdout())?.[1] ?? '';
    }
    const flagged = await fetch(`${url}api/v1/flag`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-token-1234', 'content-type': 'application/json' },
      body: JSON.stringify({ pointer: (/Trace of (\S+)/.exec(run.stdout()) as RegExpExecArray)[1] }),
    });
    expect(flagged.status).toBe(200);
    expect(run.stdout()).toContain('take the token you gave');
    stop.abort();
    expect(await run.done).toBe(0);

    const readOnly = new AbortController();
    const plain = await demoRun({ store: join(tempDir(), 'e'), serve: true }, readOnly);
    while (!plain.stdout().includes('Dashboard:')) await new Promise((r) => setTimeout(r, 50));
    expect(plain.stdout()).toContain('run the demo with PIPETRACE_TOKEN (or --token)');
    readOnly.abort();
    expect(await plain.done).toBe(0);
  }, 60_000);

  it('npm run example keeps its own ./.pipetrace-example', async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'demo/example.ts')], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    expect(await new Promise((done) => child.on('exit', done))).toBe(0);
    expect(existsSync(join(cwd, '.pipetrace-example', 'pipetrace.json'))).toBe(true);
    expect(existsSync(join(cwd, '.pipetrace'))).toBe(false);
    expect(existsSync(join(cwd, '.pipetrace-demo'))).toBe(false);
  }, 60_000);
});

describe('npm start (demo/main.ts)', () => {
  it('runs into its own ./.pipetrace-demo, not the project store, and reports the culprit in the top group', async () => {
    const cwd = tempDir();
    const demo = startDemo(['--rows', '1500', '--days', '3', '--no-serve', '--json'], cwd);
    expect(await demo.exited).toBe(0);
    const summary = JSON.parse(demo.output().stdout);
    expect(summary.culpritGroup).toBe(1);
    expect(summary.rowReview.topGroup.map((c: { id: string }) => c.id)).toContain(summary.culprit.run);
    expect(summary.days).toHaveLength(3);
    expect(summary.signals.map((s: { kind: string }) => s.kind)).toEqual(['drift', 'drift', 'mae', 'flags', 'review']);
    expect(summary.signals[0].date).toBe(summary.culprit.date);
    expect(existsSync(join(cwd, '.pipetrace-demo', 'pipetrace.json'))).toBe(true);
    expect(existsSync(join(cwd, '.pipetrace'))).toBe(false);
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
    expect(stdout).toMatch(/\d\d:\d\d {2}drift {3}drift in cleaning \(run [0-9a-f]{8}\).* km: mean/);
    expect(stdout).toMatch(
      /01:00 {2}review {2}row review \(\w+\) of the flagged predictions, top group: .*cleaning run [0-9a-f]{8} of/,
    );
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
