/**
 * `npm test` runs this first: it finds a Chromium or Chrome for the browser tests, installs
 * Debian's chromium where it may (root on Debian or Ubuntu), or fails with one line saying what
 * to run. Exit 0 with the browser's path printed, or 1.
 */
import { spawnSync } from 'node:child_process';
import { findChromium, installPlan, THIS_PLATFORM } from './chromium.js';

function main(): number {
  let found = findChromium();
  if (found === undefined) {
    const plan = installPlan(THIS_PLATFORM);
    if ('message' in plan) {
      console.error(plan.message);
      return 1;
    }
    console.log("No Chromium or Chrome found: installing Debian's chromium (apt-get install -y chromium).");
    for (const [command, ...args] of plan.commands) {
      const result = spawnSync(command as string, args, {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (result.status !== 0) {
        console.error(
          `The browser tests need Chromium, and \`${[command, ...args].join(' ')}\` failed: install it, or set PIPETRACE_CHROMIUM.`,
        );
        return 1;
      }
    }
    found = findChromium();
    if (found === undefined) {
      console.error('apt-get installed chromium, but no Chromium binary was found: set PIPETRACE_CHROMIUM.');
      return 1;
    }
  }
  console.log(`Browser tests use ${found}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
