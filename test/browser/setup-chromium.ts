/**
 * `npm test` runs this first: it finds a Chromium or Chrome for the browser tests, installs
 * Debian's chromium where it may (root on Debian or Ubuntu), or fails with one line saying what
 * to run. Exit 0 with the browser's path printed, or 1.
 */
import { CHROMIUM_TOOL, findChromium, installMissing } from './chromium.js';

function main(): number {
  let found = findChromium();
  if (found === undefined) {
    if (!installMissing(CHROMIUM_TOOL)) return 1;
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
