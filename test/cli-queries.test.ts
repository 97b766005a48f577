import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { fsJsonStore } from '../adapters/fs-json/index.js';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { queryCommand } from '../cli/commands/query-common.js';
import { type PipelineResult, runPipeline } from '../demo/ride/pipeline.js';
import { firstDay } from '../demo/ride/run.js';
import { createPipetrace } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import { runMain } from './cli-run.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

let cwd: string;
let dir: string;
let built: PipelineResult;
let serverStore: Store;
let server: PipetraceServer;
let url: string;

// A store the demo pipeline fills: 3 days, the bug on day 2, flagged rows and a flagged day.
beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'pipetrace-cli-'));
  dir = join(cwd, '.pipetrace');
  const store = await fsJsonStore({ dir });
  built = await runPipeline(createPipetrace({ store }), {
    seed: 42,
    days: 3,
    rows: 600,
    buggyDay: 1,
    start: firstDay(3, Date.UTC(2026, 2, 1)),
  });
  await store.close();
  serverStore = await fsJsonStore({ dir });
  server = createServer({ store: serverStore, token: 'cli-query-token', env: {}, log: () => {} });
  url = (await server.listen(0, '127.0.0.1')).url;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await serverStore?.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** The real CLI in a child process, in the temp cwd (so the default store is ./.pipetrace there). */
function spawnCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'cli/main.ts'), ...args], {
      cwd,
      env: { ...process.env, PIPETRACE_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** main() in this process against the temp store. */
async function cli(args: string[], options: { store?: boolean } = {}) {
  return runMain(options.store === false ? args : [...args, '--store', dir]);
}

const day = (i: number) => built.days[i] as PipelineResult['days'][number];

describe('pipetrace query commands, as a process', () => {
  it('lists recent runs from ./.pipetrace as JSON, newest first', async () => {
    const r = await spawnCli(['recent', '--limit', '3', '--json']);
    expect(r.code).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: { component: string; id: string }[] };
    expect(runs.map((x) => x.component)).toEqual(['inference', 'train', 'split']);
    expect(runs[0]?.id).toBe(day(2).runs.inference);
  }, 30_000);

  it('prints the trace of a pointer as a tree holding its runs', async () => {
    const r = await spawnCli(['trace', day(1).pointers.predictions]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(day(1).pointers.predictions);
    expect(r.stdout).toContain(`└─ inference  ${day(1).runs.inference}`);
    for (const step of ['featuregen', 'cleaning', 'ingest'] as const) expect(r.stdout).toContain(day(1).runs[step]);
    // Day 1's inference used day 0's serving model: the tree goes back through day 0's training.
    expect(r.stdout).toContain(day(0).runs.train);
    expect(r.stdout).toMatch(/│ {2}└─ cleaning/);
  }, 30_000);

  it('exits 1 with the error on stderr when a run is not found', async () => {
    const r = await spawnCli(['inspect', '01a00000-0000-7000-8000-000000000000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('pipetrace inspect: run not found: "01a00000-0000-7000-8000-000000000000"');
  }, 30_000);
});

describe('pipetrace query commands', () => {
  it('exits 2 with the usage for unknown commands, missing arguments and bad options', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const missing = await cli(['history']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing COMPONENT');
    expect(missing.stderr).toContain('Usage: pipetrace history');
    expect((await cli(['recent', '--limit', '0'])).code).toBe(2);
    expect((await cli(['recent', '--frob'])).code).toBe(2);
    expect((await cli(['trace', 'a', 'b'])).code).toBe(2);
    expect((await cli(['review', '--method', 'magic'])).code).toBe(2);
  });

  it('exits 2 for a NUL in a name, and 1 for a component that does not exist', async () => {
    const nul = await cli(['trace', 'a\u0000b']);
    expect(nul.code).toBe(2);
    expect(nul.stderr).toContain('target');
    const none = await cli(['history', 'nope']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('component not found: "nope"');
  });

  it('pages through history with the cursor it prints', async () => {
    const first = await cli(['history', 'cleaning', '--limit', '2', '--json']);
    const page = JSON.parse(first.stdout) as { runs: { id: string }[]; cursor: string };
    expect(page.runs.map((r) => r.id)).toEqual([day(2).runs.cleaning, day(1).runs.cleaning]);
    const text = await cli(['history', 'cleaning', '--limit', '2']);
    expect(text.stdout).toContain(`--cursor ${page.cursor}`);
    const next = JSON.parse((await cli(['history', 'cleaning', '--cursor', page.cursor, '--json'])).stdout);
    expect(next.runs.map((r: { id: string }) => r.id)).toEqual([day(0).runs.cleaning]);
    expect(next.cursor).toBeUndefined();
  });

  it('inspects a run with its params, notes and staleness', async () => {
    const culprit = built.culprit?.run as string;
    const text = await cli(['inspect', culprit]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('params     unit_rule = "assume-miles"');
    expect(text.stdout).toContain('refactor: normalise distance units in one place');
    expect(text.stdout).toMatch(/stale {6}yes\n/);
    expect(text.stdout).toMatch(/\n {2}- ingest has produced 1 newer run since run /);
    const json = JSON.parse((await cli(['inspect', culprit, '--json'])).stdout);
    expect(json.run.id).toBe(culprit);
    expect(json.staleness.stale).toBe(true);
  });

  it('traces a run id given with --run, and limits the depth', async () => {
    const r = JSON.parse((await cli(['trace', day(2).runs.featuregen, '--run', '--depth', '1', '--json'])).stdout);
    expect(r.root).toBe(day(2).runs.featuregen);
    expect(r.nodes.map((n: { run: { component: string } }) => n.run.component)).toEqual(['featuregen', 'cleaning']);
    expect(r.truncated).toBe(true);
  });

  it('traces a prediction row back to its raw ride, and a raw ride forward to its prediction', async () => {
    const sample = day(1).sampleFlagged as string;
    const back = await cli(['trace-row', day(1).pointers.predictions, sample]);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain(`Row trace of ${day(1).pointers.predictions} row "${sample}"`);
    const ride = back.stdout.match(/"(ride-\d{8}-\d{6})"/)?.[1] as string;
    expect(ride).toBeDefined();
    const json = JSON.parse((await cli(['trace-row', day(1).pointers.predictions, sample, '--json'])).stdout);
    expect(json.origins[0].pointer).toBe(day(1).pointers.raw);
    expect(json.origins[0].rows[0].key).toBe(ride);
    const forward = JSON.parse((await cli(['impact', day(1).pointers.raw, ride, '--json'])).stdout);
    const reached = forward.steps.flatMap((s: { links: { pointer: string; rows: { key?: string }[] }[] }) => s.links);
    const predictions = reached.find((l: { pointer: string }) => l.pointer === day(1).pointers.predictions);
    expect(predictions.rows.map((r: { key?: string }) => r.key)).toEqual([sample]);
  });

  it('reads a JSON row key with --key-json, and rejects one that is not JSON', async () => {
    const sample = day(1).sampleFlagged as string;
    const r = await cli(['trace-row', day(1).pointers.predictions, JSON.stringify(sample), '--key-json', '--json']);
    expect(JSON.parse(r.stdout).key).toBe(sample);
    expect((await cli(['trace-row', day(1).pointers.predictions, '{oops', '--key-json'])).code).toBe(2);
  });

  it('reviews flagged rows and the flagged day, with the planted run in the top group', async () => {
    const json = JSON.parse((await cli(['review', '--json'])).stdout);
    expect(json.rows.candidates[0].id).toBe(built.culprit?.run);
    expect(json.rows.candidates[0].group).toBe(1);
    expect(json.runs.F).toBe(1);
    expect(json.runs.runs[0].candidates.map((c: { id: string }) => c.id)).toContain(built.culprit?.run);
    // At run level too, its differences rank the planted run first in its group.
    expect(json.runs.candidates[0]).toMatchObject({ id: built.culprit?.run, rank: 1, group: 1 });
    const text = (await cli(['review'])).stdout;
    const [runLevel] = text.split('Row review');
    expect(runLevel).toContain(`1. cleaning run ${built.culprit?.run}\n       - code version`);
    expect(text).toMatch(/Group 1: score [\d.]+ {2}ef=\d+ ep=\d+ F=\d+ P=\d+/);
    expect(text).toContain(`1. cleaning run ${built.culprit?.run}`);
    const runsOnly = JSON.parse((await cli(['review', '--runs-only', '--json'])).stdout);
    expect(runsOnly.rows).toBeNull();
  });

  it('flags and unflags a pointer, and the review follows', async () => {
    const pointer = day(2).pointers.predictions;
    const flagged = await cli(['flag', pointer]);
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).toContain(`flagged ${pointer}`);
    expect(JSON.parse((await cli(['review', '--runs-only', '--json'])).stdout).runs.F).toBe(2);
    expect((await cli(['unflag', pointer])).code).toBe(0);
    expect(JSON.parse((await cli(['review', '--runs-only', '--json'])).stdout).runs.F).toBe(1);
    const missing = await cli(['flag', 'predictions/fare/1999-01-01']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  it('flags rows by key and clears them again', async () => {
    const pointer = day(2).pointers.predictions;
    const compact = day(2).date.replaceAll('-', '');
    const keys = [`pred-${compact}-000001`, `pred-${compact}-000002`];
    const before = JSON.parse((await cli(['review', '--rows-only', '--json'])).stdout).rows.F;
    const flagged = JSON.parse((await cli(['flag', pointer, ...keys, '--json'])).stdout);
    expect(flagged.flaggedRows).toBeGreaterThanOrEqual(1);
    const during = JSON.parse((await cli(['review', '--rows-only', '--json'])).stdout).rows.F;
    expect(during).toBeGreaterThan(before);
    const cleared = JSON.parse((await cli(['unflag', pointer, ...keys, '--json'])).stdout);
    expect(cleared.flaggedRows).toBe(flagged.flaggedRows - cleared.cleared);
    expect(JSON.parse((await cli(['review', '--rows-only', '--json'])).stdout).rows.F).toBe(before);
    expect((await cli(['flag', 'never/written', 'k1'])).code).not.toBe(0);
  });

  it('lists components and tags', async () => {
    const { components } = JSON.parse((await cli(['components', '--json'])).stdout);
    expect(components.map((c: { name: string }) => c.name)).toEqual([
      'cleaning',
      'featuregen',
      'inference',
      'ingest',
      'split',
      'train',
    ]);
    const owned = JSON.parse((await cli(['components', '--owner', 'data-eng', '--json'])).stdout).components;
    expect(owned.map((c: { name: string }) => c.name)).toEqual(['cleaning', 'ingest']);
    expect((await cli(['components', '--tag', 'serving'])).stdout).toMatch(/inference +ml +ml, serving/);
    const { tags } = JSON.parse((await cli(['tags', '--json'])).stdout);
    expect(tags[0]).toEqual({ tag: 'ml', count: 3 });
  });

  it('says why a run is stale, and that the newest is not', async () => {
    const old = JSON.parse((await cli(['staleness', day(0).pointers.clean, '--json'])).stdout);
    expect(old.stale).toBe(true);
    expect(old.reasons.map((r: { kind: string }) => r.kind)).toContain('fresher_runs');
    const fresh = await cli(['staleness', day(2).runs.cleaning, '--run', '--max-age-days', '100000']);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('stale? no');
  });

  it('queries a server with --url and prints the dashboard link of the same view', async () => {
    const recent = await cli(['recent', '--url', url, '--json'], { store: false });
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.stdout).runs).toHaveLength(10);
    expect(recent.stderr).toBe(`dashboard: ${url}/#/recent\n`);
    const pointer = day(1).pointers.predictions;
    const trace = await cli(['trace', pointer, '--url', `${url}/`], { store: false });
    expect(trace.stdout).toContain(`└─ inference  ${day(1).runs.inference}`);
    expect(trace.stdout).toContain(`dashboard: ${url}/#/trace/${encodeURIComponent(pointer)}\n`);
    const review = await cli(['review', '--url', url], { store: false });
    expect(review.stdout).toContain(`dashboard: ${url}/#/review`);
    expect(review.stdout).toContain(`1. cleaning run ${built.culprit?.run}`);
  });

  it('needs the token to flag over --url, and uses it when given', async () => {
    const pointer = day(0).pointers.predictions;
    const denied = await cli(['flag', pointer, '--url', url], { store: false });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/token|unauthori[sz]ed|401/i);
    const ok = await cli(['flag', pointer, '--url', url, '--token', 'cli-query-token'], { store: false });
    expect(ok.code).toBe(0);
    await cli(['unflag', pointer, '--url', url, '--token', 'cli-query-token'], { store: false });
  });

  it('rejects --store with --url, a URL that is not http, and --token without --url', async () => {
    expect((await cli(['recent', '--url', url])).code).toBe(2);
    expect((await cli(['recent', '--url', 'ftp://x'], { store: false })).code).toBe(2);
    expect((await cli(['recent', '--token', 't'])).code).toBe(2);
  });

  // Last: it clears the flags the other tests read.
  it('clears every pointer and row flag with unflag --all', async () => {
    const r = JSON.parse((await cli(['unflag', '--all', '--json'])).stdout);
    expect(r.pointers).toBe(1);
    expect(r.rows).toBeGreaterThan(0);
    const after = JSON.parse((await cli(['review', '--json'])).stdout);
    expect(after.runs.F).toBe(0);
    expect(after.rows).toBeNull();
    expect((await cli(['review'])).stdout).toContain('No flagged outputs');
    expect((await cli(['unflag', '--all', 'x'])).code).toBe(2);
  });
});

describe('queryCommand', () => {
  const io = { stdout: () => {}, stderr: () => {}, env: {}, signal: new AbortController().signal };

  it('hands the body typed option values and the named positionals, then opens the store', async () => {
    const seen: unknown[] = [];
    const command = queryCommand({
      name: 'probe',
      summary: 'a probe',
      usage: 'Usage: probe A B',
      options: { depth: { type: 'string' }, run: { type: 'boolean' }, tag: { type: 'string', multiple: true } },
      positionals: ['A', 'B'],
      run: ({ values, positionals, rest }) => {
        // Typed from the options (a wrong guess here fails `tsc --noEmit`), not any.
        expectTypeOf(values.depth).toEqualTypeOf<string | undefined>();
        expectTypeOf(values.run).toEqualTypeOf<boolean | undefined>();
        expectTypeOf(values.tag).toEqualTypeOf<string[] | undefined>();
        expectTypeOf(values.json).toEqualTypeOf<boolean | undefined>();
        expectTypeOf(positionals).toEqualTypeOf<readonly [string, string]>();
        // @ts-expect-error not an option of this command
        values.nope;
        seen.push(values.depth, values.run, values.tag, positionals, rest);
        return async (s) => {
          seen.push(s.store.kind);
          return 0;
        };
      },
    });
    const code = await command.run(
      ['a', 'b', '--depth', '3', '--run', '--tag', 'x', '--tag', 'y', '--store', 'memory'],
      io,
    );
    expect(code).toBe(0);
    expect(seen).toEqual(['3', true, ['x', 'y'], ['a', 'b'], [], 'memory']);
  });

  it('names a missing positional and refuses an extra one before opening any store', async () => {
    let opened = false;
    const command = queryCommand({
      name: 'probe',
      summary: 'a probe',
      usage: 'Usage: probe A',
      positionals: ['A'],
      run: () => async () => {
        opened = true;
        return 0;
      },
    });
    await expect(command.run(['--store', 'memory'], io)).rejects.toThrow('missing A');
    await expect(command.run(['a', 'b', '--store', 'memory'], io)).rejects.toThrow('unexpected argument "b"');
    expect(opened).toBe(false);
  });
});
