import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

// Helpers shared by tests and benchmarks live under test/; benchmarks import them, never the reverse.
describe('tests and benchmarks share helpers one way', () => {
  it('no file under test/ imports from bench/', () => {
    const offenders = sources('test').filter((file) => /from\s+['"][./]*\/?bench\//.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
