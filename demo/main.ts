/**
 * `npm start`: the ride-fare demo (see demo/ride/). Same options as `pipetrace demo`:
 *   npm start -- --rows 20000 --days 3 --no-serve
 */

import type { Io } from '../cli/command.js';
import { main } from '../cli/main.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
const io: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: stop.signal,
};
process.exitCode = await main(['demo', ...process.argv.slice(2)], io);
