import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipetrace, defaultStore, gitCodeVersion } from '../node/index.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pipetrace-node-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

describe('pipetrace/node', () => {
  it('keeps runs in a filesystem store that a second instance reopens', async () => {
    const dir = temp();
    const first = createPipetrace({ store: defaultStore(dir), codeVersion: { commit: 'abc' } });
    const run = await first.logRun({ component: 'clean', startedAt: 1000, endedAt: 2000, outputs: ['clean.csv'] });
    await first.store.close();
    const second = createPipetrace({ store: defaultStore(dir) });
    expect(await second.inspect(run.id)).toEqual(run);
    expect((await second.trace('clean.csv')).root).toBe(run.id);
    await second.store.close();
  });

  it('records the git commit, branch and dirty bit of the working tree', () => {
    const repo = temp();
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'f.txt'), 'one');
    git(repo, 'add', 'f.txt');
    git(repo, 'commit', '-qm', 'first');
    git(repo, 'tag', 'v1');
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(gitCodeVersion(repo)).toEqual({ commit: head, branch: 'main', tags: ['v1'], dirty: false });
    writeFileSync(join(repo, 'f.txt'), 'two');
    expect(gitCodeVersion(repo)?.dirty).toBe(true);
  });

  it('records no code version outside a git checkout', () => {
    expect(gitCodeVersion(temp())).toBeUndefined();
  });
});
