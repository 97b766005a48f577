/**
 * promtool, from Debian's `prometheus` package, for checking /metrics as Prometheus would:
 * `npm test` runs setup-promtool.ts first (it installs the package where it can), and the tests
 * use findPromtool() to run the same binary. No promtool: the tests fail, they never skip.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { isExecutable } from '../browser/chromium.js';

export const PROMTOOL_TOOL = {
  debianPackage: 'prometheus',
  need: 'The Prometheus tests need promtool (`promtool check metrics`)',
  alternative: 'set PIPETRACE_PROMTOOL to a promtool binary',
  elsewhere: 'install Prometheus (it ships promtool), or set PIPETRACE_PROMTOOL to a promtool binary',
};

/** PIPETRACE_PROMTOOL (which must then exist), Debian's /usr/bin/promtool, then promtool on PATH. */
export function findPromtool(
  env: Record<string, string | undefined> = process.env,
  systemPaths: readonly string[] = ['/usr/bin/promtool'],
): string | undefined {
  const chosen = env.PIPETRACE_PROMTOOL;
  if (chosen) {
    if (!isExecutable(chosen)) throw new Error(`PIPETRACE_PROMTOOL=${chosen} is not an executable file`);
    return chosen;
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'promtool'));
  return [...systemPaths, ...onPath].find(isExecutable);
}

/** The promtool to test with, or an error saying how to get one. */
export function promtool(): string {
  const found = findPromtool();
  if (found === undefined)
    throw new Error(
      `${PROMTOOL_TOOL.need}: run \`npm test\` (it installs it as root), or ${PROMTOOL_TOOL.alternative}`,
    );
  return found;
}

/** `promtool check metrics` on an exposition: its exit status and what it said (problems, one a line). */
export function checkMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync(promtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
