import { execFileSync } from 'node:child_process';
import type { CodeVersion } from '../src/model.js';

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The code version of the working tree at `cwd`: commit, branch, tags on HEAD and whether there
 * are uncommitted changes. PIPETRACE_GIT_COMMIT overrides the commit (for builds without .git).
 * Undefined when neither git nor the variable can tell.
 */
export function gitCodeVersion(cwd: string = process.cwd()): CodeVersion | undefined {
  const fromEnv = process.env.PIPETRACE_GIT_COMMIT;
  if (fromEnv) return { commit: fromEnv.slice(0, 256) };
  const commit = git(['rev-parse', 'HEAD'], cwd);
  if (commit === undefined) return undefined;
  const version: CodeVersion = { commit };
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  if (branch && branch !== 'HEAD') version.branch = branch;
  const tags = git(['tag', '--points-at', 'HEAD'], cwd);
  if (tags) version.tags = tags.split('\n').filter(Boolean).slice(0, 50);
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  if (status !== undefined) version.dirty = status.length > 0;
  return version;
}
