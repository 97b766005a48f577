/**
 * `npm test` runs this after the PostgreSQL setup: the /metrics tests check the exposition with
 * promtool, so this finds it (PIPETRACE_PROMTOOL, /usr/bin/promtool, PATH), installs Debian's
 * prometheus package where it may (root on Debian or Ubuntu), or fails with one line saying what
 * to run. Exit 0 or 1.
 */
import { setUpTool } from '../browser/chromium.js';
import { findPromtool, PROMTOOL_TOOL } from './promtool.js';

process.exitCode = setUpTool(PROMTOOL_TOOL, () => findPromtool(), 'Prometheus tests use');
