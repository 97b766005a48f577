/** How `npm test` finds promtool (test/prometheus/promtool.ts), and what it does when there is none. */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptInstallPlan } from './browser/chromium.js';
import { findPromtool, PROMTOOL_TOOL } from './prometheus/promtool.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipetrace-promtool-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function binary(dir: string, executable = true): Promise<string> {
  await mkdir(join(root, dir), { recursive: true });
  const file = join(root, dir, 'promtool');
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, executable ? 0o755 : 0o644);
  return file;
}

describe('findPromtool', () => {
  it('prefers PIPETRACE_PROMTOOL, and refuses one that is not there', async () => {
    const mine = await binary('mine');
    expect(findPromtool({ PIPETRACE_PROMTOOL: mine })).toBe(mine);
    expect(() => findPromtool({ PIPETRACE_PROMTOOL: join(root, 'typo') })).toThrow(/is not an executable file/);
  });

  it('takes the system promtool, then one on PATH, skipping a file that is not executable', async () => {
    await binary('off', false);
    const on = await binary('on');
    const system = await binary('usr/bin');
    const path = `${join(root, 'off')}:${join(root, 'on')}`;
    expect(findPromtool({ PATH: path }, [join(root, 'nowhere', 'promtool')])).toBe(on);
    expect(findPromtool({ PATH: path }, [system])).toBe(system);
    expect(findPromtool({ PATH: join(root, 'off') }, [])).toBeUndefined();
  });
});

describe('the promtool setup step of npm test', () => {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const script = join(import.meta.dirname, 'prometheus', 'setup-promtool.ts');

  it("installs Debian's prometheus as root there, else says in one line what to run", () => {
    const debian = 'PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n';
    expect(aptInstallPlan({ platform: 'linux', uid: 0, osRelease: debian }, PROMTOOL_TOOL)).toEqual({
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', 'prometheus'],
      ],
    });
    const user = aptInstallPlan({ platform: 'linux', uid: 1000, osRelease: debian }, PROMTOOL_TOOL);
    expect(user).toMatchObject({ message: expect.stringContaining('sudo apt-get install -y prometheus') });
    const mac = aptInstallPlan({ platform: 'darwin', uid: 501, osRelease: '' }, PROMTOOL_TOOL);
    expect('message' in mac && mac.message).toMatch(/PIPETRACE_PROMTOOL/);
    expect('message' in mac && mac.message.includes('\n')).toBe(false);
  });

  it('names the promtool it found, and fails with one line for a PIPETRACE_PROMTOOL that is not there', async () => {
    const mine = await binary('setup');
    const ok = spawnSync(tsx, [script], { env: { ...process.env, PIPETRACE_PROMTOOL: mine }, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`Prometheus tests use ${mine}`);
    const bad = spawnSync(tsx, [script], {
      env: { ...process.env, PIPETRACE_PROMTOOL: join(root, 'nowhere') },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      `PIPETRACE_PROMTOOL=${join(root, 'nowhere')} is not an executable file`,
    ]);
  });
});
