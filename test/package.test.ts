/**
 * The package as a new user gets it: `npm pack` in a fresh copy of the sources (no dist/) builds
 * through `prepack` and packs every file the exports map names; a strict TypeScript consumer of
 * every subpath (test/consumer) typechecks the unpacked tarball under node16 ESM, node16
 * CommonJS and bundler resolution, emitting its own declarations; and no type the declarations
 * use is left without a public name.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unexportedTypes } from './unnamed-types.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** Every file path the exports map and bin point to. */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value.replace(/^\.\//, '')];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

let source: string;
let consumer: string;
let packed: string[];

beforeAll(async () => {
  // A fresh clone's files: what git tracks or would track, so no dist/ and no store.
  source = await mkdtemp(join(tmpdir(), 'pipetrace-clone-'));
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  for (const file of stdout.split('\0').filter((f) => f !== '' && !f.startsWith('node_modules'))) {
    await cp(join(ROOT, file), join(source, file), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet in git
    });
  }
  await symlink(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  const pack = await run('npm', ['pack', '--json', '--pack-destination', source], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's build prints first (its lines may hold brackets); npm's JSON report is the last thing, a line of its own.
  const [report] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[\s*\{/m))) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (report === undefined) throw new Error(`npm pack reported nothing: ${pack.stdout}`);
  packed = report.files.map((f) => f.path);

  // The consumer lives inside the repository, so its other dependencies resolve from node_modules.
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  consumer = await mkdtemp(join(ROOT, '.tmp', 'consumer-'));
  await cp(join(ROOT, 'test/consumer'), consumer, { recursive: true });
  const code = await readFile(join(consumer, 'consumer.ts'), 'utf8');
  await writeFile(join(consumer, 'index.ts'), code);
  await writeFile(join(consumer, 'index.cts'), code);
  const unpacked = join(consumer, 'node_modules', 'pipetrace');
  await mkdir(unpacked, { recursive: true });
  await run('tar', ['xzf', join(source, report.filename), '-C', unpacked, '--strip-components=1']);
}, 600_000);

afterAll(async () => {
  if (source !== undefined) await rm(source, { recursive: true, force: true });
  if (consumer !== undefined) await rm(consumer, { recursive: true, force: true });
});

describe('npm pack from a fresh clone', () => {
  it('builds first and packs every file the exports map and bin name', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const wanted = [...new Set([...exportTargets(pkg.exports), ...exportTargets(pkg.bin)])];
    expect(wanted.length).toBeGreaterThan(40);
    expect(wanted.filter((file) => !packed.includes(file))).toEqual([]);
  });
});

describe('a strict TypeScript consumer of every subpath', () => {
  for (const mode of ['node16-esm', 'node16-cjs', 'bundler']) {
    it(`typechecks and emits its declarations under ${mode}`, async () => {
      const result = await run(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`], { cwd: consumer }).catch(
        (error: { stdout: string; stderr: string }) => error,
      );
      expect(`${result.stdout}${result.stderr}`).toBe('');
    }, 120_000);
  }

  it('imports every subpath the exports map has', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const subpaths = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => `pipetrace${key.slice(1)}`);
    const code = await readFile(join(consumer, 'consumer.ts'), 'utf8');
    const imported = [...code.matchAll(/from '(pipetrace[^']*)'/g)].map((m) => m[1]);
    expect(subpaths.filter((s) => !imported.includes(s))).toEqual([]);
  });

  it('finds a public name for every type the declarations declare', () => {
    expect(unexportedTypes(join(consumer, 'node_modules/pipetrace/dist'))).toEqual([]);
  });
});
