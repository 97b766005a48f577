/**
 * How `npm test` finds a browser (test/browser/chromium.ts), on fake PATHs, homes and system
 * paths made of real files in a temporary folder, and what it does when there is none.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptInstallPlan, type ChromiumSearch, DEFAULT_SEARCH, findChromium, installPlan } from './browser/chromium.js';
import { debianBinaries, PG_BIN, POSTGRES_TOOL } from './pg/server.js';

let root: string;
const path = (...parts: string[]) => join(root, ...parts);

/** A file that looks like a browser binary; `executable: false` leaves its x bits off. */
async function binary(file: string, executable = true) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, executable ? 0o755 : 0o644);
  return file;
}

const search = (over: Partial<ChromiumSearch> = {}): ChromiumSearch => ({
  env: {},
  systemPaths: [path('usr/bin/chromium')],
  commands: DEFAULT_SEARCH.commands,
  home: path('home'),
  ...over,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipetrace-chromium-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findChromium', () => {
  it('finds nothing on a machine without a browser', () => {
    expect(findChromium(search({ env: { PATH: path('empty-bin') } }))).toBeUndefined();
  });

  it('takes the system chromium, and skips a file that is not executable', async () => {
    const system = await binary(path('sys1/chromium'));
    const broken = await binary(path('sys0/chromium'), false);
    expect(findChromium(search({ systemPaths: [broken, system] }))).toBe(system);
  });

  it('finds google-chrome on PATH', async () => {
    const chrome = await binary(path('opt/bin/google-chrome'));
    expect(findChromium(search({ env: { PATH: `${path('nothing')}:${path('opt/bin')}` } }))).toBe(chrome);
  });

  it("falls back to playwright's cache, newest revision first, in HOME or PLAYWRIGHT_BROWSERS_PATH", async () => {
    await binary(path('home/.cache/ms-playwright/chromium-999/chrome-linux/chrome'));
    const newest = await binary(path('home/.cache/ms-playwright/chromium-1100/chrome-linux/chrome'));
    expect(findChromium(search())).toBe(newest);
    const elsewhere = await binary(path('pw/chromium-5/chrome-linux64/chrome'));
    expect(findChromium(search({ env: { PLAYWRIGHT_BROWSERS_PATH: path('pw') } }))).toBe(elsewhere);
  });

  it('prefers PIPETRACE_CHROMIUM to everything, and refuses one that is not there', async () => {
    const mine = await binary(path('mine/chrome'));
    await binary(path('usr/bin/chromium'));
    expect(findChromium(search({ env: { PIPETRACE_CHROMIUM: mine } }))).toBe(mine);
    expect(() => findChromium(search({ env: { PIPETRACE_CHROMIUM: path('typo') } }))).toThrow(
      /PIPETRACE_CHROMIUM=.*typo is not an executable file/,
    );
  });
});

describe('installPlan', () => {
  const debian = 'PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n';
  const mint = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';

  it("installs Debian's chromium as root on Debian and its derivatives", () => {
    const commands = [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'chromium'],
    ];
    expect(installPlan({ platform: 'linux', uid: 0, osRelease: debian })).toEqual({ commands });
    expect(installPlan({ platform: 'linux', uid: 0, osRelease: mint })).toEqual({ commands });
  });

  it('says in one line what to run when it may not install', () => {
    for (const plan of [
      installPlan({ platform: 'linux', uid: 1000, osRelease: debian }),
      installPlan({ platform: 'linux', uid: 0, osRelease: 'ID=fedora\n' }),
      installPlan({ platform: 'darwin', uid: 501, osRelease: '' }),
    ]) {
      expect('message' in plan && plan.message).toMatch(/PIPETRACE_CHROMIUM/);
      expect('message' in plan && plan.message.includes('\n')).toBe(false);
    }
    expect(installPlan({ platform: 'linux', uid: 1000, osRelease: debian })).toMatchObject({
      message: expect.stringContaining('sudo apt-get install -y chromium'),
    });
  });
});

describe('the setup step of npm test', () => {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const script = join(import.meta.dirname, 'browser', 'setup-chromium.ts');

  it('names the browser it found', async () => {
    const mine = await binary(path('setup/chrome'));
    const result = spawnSync(tsx, [script], { env: { ...process.env, PIPETRACE_CHROMIUM: mine }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Browser tests use ${mine}`);
  });

  it('fails with one line for a PIPETRACE_CHROMIUM that is not there', () => {
    const result = spawnSync(tsx, [script], {
      env: { ...process.env, PIPETRACE_CHROMIUM: path('nowhere') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `PIPETRACE_CHROMIUM=${path('nowhere')} is not an executable file`,
    ]);
  });
});

describe('the PostgreSQL setup step of npm test', () => {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const script = join(import.meta.dirname, 'pg', 'setup-postgres.ts');
  const debian = 'PRETTY_NAME="Debian GNU/Linux 13"\nID=debian\n';

  it("installs Debian's postgresql as root there, else says in one line what to run", () => {
    expect(aptInstallPlan({ platform: 'linux', uid: 0, osRelease: debian }, POSTGRES_TOOL)).toEqual({
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', 'postgresql'],
      ],
    });
    const user = aptInstallPlan({ platform: 'linux', uid: 1000, osRelease: debian }, POSTGRES_TOOL);
    expect(user).toMatchObject({ message: expect.stringContaining('sudo apt-get install -y postgresql') });
    const mac = aptInstallPlan({ platform: 'darwin', uid: 501, osRelease: '' }, POSTGRES_TOOL);
    expect('message' in mac && mac.message).toMatch(/PIPETRACE_PG_BIN/);
    expect('message' in mac && mac.message.includes('\n')).toBe(false);
  });

  it('takes the newest installed version when 15 is not there', async () => {
    const root = path('pg-root');
    for (const v of ['13', '16']) await binary(join(root, v, 'bin', 'initdb'));
    expect(debianBinaries(root)).toBe(join(root, '16', 'bin'));
    await binary(join(root, '15', 'bin', 'initdb'));
    expect(debianBinaries(root)).toBe(join(root, '15', 'bin'));
  });

  it('names the binaries it found, and fails with one line for a PIPETRACE_PG_BIN without them', () => {
    const ok = spawnSync(tsx, [script], { env: { ...process.env, PIPETRACE_PG_BIN: PG_BIN }, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`PostgreSQL tests use ${PG_BIN}`);
    const bad = spawnSync(tsx, [script], {
      env: { ...process.env, PIPETRACE_PG_BIN: path('nowhere') },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      `PIPETRACE_PG_BIN=${path('nowhere')} holds no initdb and postgres.`,
    ]);
  });
});
