/**
 * `npm test` runs this after the browser setup: the PostgreSQL store's tests start a throwaway
 * server from Debian's PostgreSQL binaries, so this finds them (PIPETRACE_PG_BIN, else
 * /usr/lib/postgresql/15/bin, else the newest version there), installs Debian's postgresql where
 * it may (root on Debian or Ubuntu), or fails with one line saying what to run. Exit 0 or 1.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setUpTool } from '../browser/chromium.js';
import { debianBinaries, POSTGRES_TOOL } from './server.js';

const found = (): string | undefined => {
  const bin = process.env.PIPETRACE_PG_BIN ?? debianBinaries();
  return existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')) ? bin : undefined;
};

if (process.env.PIPETRACE_PG_BIN !== undefined && found() === undefined) {
  console.error(`PIPETRACE_PG_BIN=${process.env.PIPETRACE_PG_BIN} holds no initdb and postgres.`);
  process.exitCode = 1;
} else {
  process.exitCode = setUpTool(POSTGRES_TOOL, found, 'PostgreSQL tests use');
}
