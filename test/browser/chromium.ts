/**
 * Finding a Chromium or Chrome for the browser tests, and what to do when there is none.
 * `npm test` runs setup-chromium.ts first (it installs one where it can); the harness uses
 * findChromium() to launch the same binary.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface ChromiumSearch {
  env: Record<string, string | undefined>;
  /** Absolute paths tried after PIPETRACE_CHROMIUM, before PATH. */
  systemPaths: string[];
  /** Names looked up on PATH. */
  commands: string[];
  home: string;
}

export const DEFAULT_SEARCH: ChromiumSearch = {
  env: process.env,
  systemPaths: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ],
  commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'],
  home: homedir(),
};

export const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Playwright's downloaded Chromium builds, newest revision first (`chromium-1234/chrome-linux/chrome`). */
function playwrightBuilds(search: ChromiumSearch): string[] {
  const cache = search.env.PLAYWRIGHT_BROWSERS_PATH || join(search.home, '.cache', 'ms-playwright');
  let revisions: string[];
  try {
    revisions = readdirSync(cache).filter((name) => /^chromium-\d+$/.test(name));
  } catch {
    return [];
  }
  revisions.sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  return revisions.flatMap((r) => ['chrome-linux64', 'chrome-linux'].map((dir) => join(cache, r, dir, 'chrome')));
}

/**
 * The browser to test with: PIPETRACE_CHROMIUM (which must then exist), the usual system paths,
 * chromium or google-chrome on PATH, then playwright's cache. Undefined when there is none.
 */
export function findChromium(search: ChromiumSearch = DEFAULT_SEARCH): string | undefined {
  const chosen = search.env.PIPETRACE_CHROMIUM;
  if (chosen) {
    if (!isExecutable(chosen)) throw new Error(`PIPETRACE_CHROMIUM=${chosen} is not an executable file`);
    return chosen;
  }
  const onPath = (search.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => search.commands.map((name) => join(dir, name)));
  return [...search.systemPaths, ...onPath, ...playwrightBuilds(search)].find(isExecutable);
}

export interface Platform {
  platform: NodeJS.Platform;
  /** The effective user id (0 is root); undefined where there is none (Windows). */
  uid: number | undefined;
  /** The text of /etc/os-release, or '' */
  osRelease: string;
}

export const THIS_PLATFORM: Platform = {
  platform: process.platform,
  uid: process.getuid?.(),
  osRelease: (() => {
    try {
      return readFileSync('/etc/os-release', 'utf8');
    } catch {
      return '';
    }
  })(),
};

/** Debian, Ubuntu and their derivatives, by ID and ID_LIKE in os-release. */
function isDebianLike(osRelease: string): boolean {
  const ids = [...osRelease.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
  return ids.some((id) => id === 'debian' || id === 'ubuntu');
}

/**
 * What a test tool missing here takes: as root on Debian or Ubuntu, the apt-get commands that
 * install `debianPackage`; otherwise the one line telling the user what to run.
 */
export function aptInstallPlan(
  p: Platform,
  tool: { debianPackage: string; need: string; alternative: string; elsewhere: string },
): { commands: string[][] } | { message: string } {
  const { debianPackage, need, alternative, elsewhere } = tool;
  if (p.platform !== 'linux' || !isDebianLike(p.osRelease))
    return { message: `${need}: ${elsewhere}, then \`npm test\` again.` };
  if (p.uid !== 0)
    return {
      message: `${need}: run \`sudo apt-get install -y ${debianPackage}\`, or ${alternative}, then \`npm test\` again.`,
    };
  return {
    commands: [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', debianPackage],
    ],
  };
}

/** What the browser tests need, for npm test's setup step. */
export const CHROMIUM_TOOL = {
  debianPackage: 'chromium',
  need: 'The browser tests need Chromium or Chrome',
  alternative: 'set PIPETRACE_CHROMIUM to a Chromium or Chrome binary',
  elsewhere:
    'install one, or set PIPETRACE_CHROMIUM to its binary (e.g. PIPETRACE_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")',
};

/** Without a browser: the commands that install one here, or the one line telling the user what to run. */
export function installPlan(p: Platform): { commands: string[][] } | { message: string } {
  return aptInstallPlan(p, CHROMIUM_TOOL);
}

/**
 * Runs the apt plan for a missing tool here, or prints the one line saying what to run. True when
 * the install ran; false (after printing why) when it could not.
 */
export function installMissing(tool: Parameters<typeof aptInstallPlan>[1], p: Platform = THIS_PLATFORM): boolean {
  const plan = aptInstallPlan(p, tool);
  if ('message' in plan) {
    console.error(plan.message);
    return false;
  }
  console.log(`${tool.need}: installing Debian's ${tool.debianPackage} (apt-get install -y ${tool.debianPackage}).`);
  for (const [command, ...args] of plan.commands) {
    const result = spawnSync(command as string, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) {
      console.error(
        `${tool.need}, and \`${[command, ...args].join(' ')}\` failed: install it, or ${tool.alternative}.`,
      );
      return false;
    }
  }
  return true;
}

/**
 * One setup step of `npm test`: finds the tool, installs it where it may, or says in one line
 * what to run. Prints what the tests will use; returns the exit code.
 */
export function setUpTool(
  tool: Parameters<typeof aptInstallPlan>[1],
  find: () => string | undefined,
  uses: string,
): number {
  try {
    let found = find();
    if (found === undefined) {
      if (!installMissing(tool)) return 1;
      found = find();
      if (found === undefined) {
        console.error(`apt-get installed ${tool.debianPackage}, but it is still not found: ${tool.alternative}.`);
        return 1;
      }
    }
    console.log(`${uses} ${found}`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}
