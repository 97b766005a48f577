import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMain } from './cli-run.js';

function cli(args: string[]) {
  return runMain(args);
}

describe('CLI option parsing', () => {
  it('a negative number as an option value gets the option own message, not parseArgs text', async () => {
    for (const [command, option] of [
      ['recent', '--limit'],
      ['review', '--limit'],
      ['trace', '--depth'],
      ['serve', '--port'],
      ['demo', '--days'],
    ] as const) {
      const args = command === 'trace' ? [command, 'x', option, '-1'] : [command, option, '-1'];
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^pipetrace ${command}: ${option}: must be .*-1`));
      expect(r.stderr).not.toContain('ambiguous');
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r).toEqual({ code: 0, stdout: `pipetrace ${version}\n`, stderr: '' });
    }
  });
});
