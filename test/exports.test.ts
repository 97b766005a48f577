/** The package root exports what the README lists, and nothing else: internals never leak from it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

function listedInReadme(): string[] {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('**Root exports**');
  if (start < 0) throw new Error('README.md has no **Root exports** paragraph');
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
  return [...paragraph.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1] as string);
}

describe('the package root', () => {
  it('exports exactly the values the README lists', () => {
    expect(Object.keys(root).sort()).toEqual(listedInReadme().sort());
  });

  it('keeps adapter internals and row-hash seeds out of the root', () => {
    const names = Object.keys(root);
    expect(names).not.toContain('RunIndex');
    expect(names.filter((n) => /seed/i.test(n))).toEqual([]);
  });
});
