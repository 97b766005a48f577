/**
 * The README's TypeScript snippets run as written: each ```ts block is the whole of one file in
 * test/readme/ (imports included, no placeholders), `npm run typecheck` typechecks those files
 * like any test file, and here each one that runs in Node runs in a fresh folder and exits 0.
 * `*.browser.ts` files need a page, `*.check.ts` a test runner: they are typechecked only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const SNIPPETS = join(ROOT, 'test', 'readme');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const files = (await readdir(SNIPPETS)).filter((f) => f.endsWith('.ts')).sort();
const contents = new Map(
  await Promise.all(files.map(async (f) => [f, await readFile(join(SNIPPETS, f), 'utf8')] as const)),
);

describe('README snippets', () => {
  it('are each the whole of a file in test/readme, and every such file is in the README', () => {
    expect(blocks.length).toBeGreaterThan(8);
    const unmatched = blocks.filter((block) => ![...contents.values()].includes(block));
    expect(unmatched.map((b) => b.split('\n')[0])).toEqual([]);
    expect(files.filter((f) => !blocks.includes(contents.get(f) as string))).toEqual([]);
  });

  for (const file of files.filter((f) => !/\.(browser|check)\.ts$/.test(f))) {
    it(`${file} runs in Node and exits 0`, async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'pipetrace-readme-'));
      try {
        // The tsconfig maps 'pipetrace/...' to the sources, as the built package maps it to dist.
        const env = { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') };
        await run(process.execPath, ['--import', TSX, join(SNIPPETS, file)], { cwd, env, timeout: 60_000 });
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    }, 90_000);
  }
});
