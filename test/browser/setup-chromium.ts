/**
 * `npm test` runs this first: it finds a Chromium or Chrome for the browser tests, installs
 * Debian's chromium where it may (root on Debian or Ubuntu), or fails with one line saying what
 * to run. Exit 0 with the browser's path printed, or 1.
 */
import { CHROMIUM_TOOL, findChromium, setUpTool } from './chromium.js';

process.exitCode = setUpTool(CHROMIUM_TOOL, () => findChromium(), 'Browser tests use');
