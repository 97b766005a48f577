/** `pipetrace demo`: the ride-fare pipeline with a planted bug, its trace and review, then the dashboard. */

import { DEMO_STORE_DIR } from '../../demo/folders.js';
import { runDemo } from '../../demo/ride/run.js';
import { parseCommandArgs } from '../args.js';
import { type Command, UsageError } from '../command.js';
import { int } from './query-common.js';

const usage = `Usage: pipetrace demo [options]

Runs a ride-fare pipeline (ingest, cleaning, featuregen, split, train, inference) over
simulated days with row lineage and profiles into a store. One day's cleaning run carries a
planted bug. The predictions go to the task "fare", whose true fares arrive the next day; with
no flag set by hand, drift, the feedback MAE, a feedback rule's flags and the row review each
fire, and the demo prints when. Then it serves the store and the dashboard until Ctrl-C.

Options:
  --store DIR      the demo's own store folder, emptied first (default ${DEMO_STORE_DIR} beside
                   the project's store); a folder the demo did not make is refused
  --token TOKEN    write token, so the dashboard's flag, note and tag controls work
                   (default: PIPETRACE_TOKEN; without one the dashboard is read-only)
  --days N         simulated days, at least 2 (default 5)
  --rows N         rides a day (default 100000)
  --seed N         seed for the data; the same seed gives the same rides (default 42)
  --buggy-day N    the day (2 to --days) whose cleaning run has the bug (default the middle one)
  --port N         port for the dashboard; 0 picks a free one (default 0)
  --no-serve       exit after printing
  --json           print a JSON summary instead of text
  -h, --help       show this help`;

export const demo: Command = {
  name: 'demo',
  summary: 'run the ride-fare demo pipeline with a planted bug, print the review, serve the dashboard',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        store: { type: 'string' },
        token: { type: 'string' },
        days: { type: 'string' },
        rows: { type: 'string' },
        seed: { type: 'string' },
        'buggy-day': { type: 'string' },
        port: { type: 'string' },
        'no-serve': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    const days = int('days', values.days, 2, 365) ?? 5;
    // Day 1 bootstraps the serving model, so the bug goes on a later day.
    const buggy =
      values['buggy-day'] === undefined ? undefined : (int('buggy-day', values['buggy-day'], 2, days) ?? 2) - 1;
    if (values.store === '') throw new UsageError('--store: must be a folder');
    const token = values.token ?? (io.env.PIPETRACE_TOKEN || undefined);
    return runDemo(
      {
        days,
        rows: int('rows', values.rows, 10, 5_000_000) ?? 100_000,
        seed: int('seed', values.seed, 0, 999_999_999) ?? 42,
        ...(buggy === undefined ? {} : { buggyDay: buggy }),
        ...(values.store === undefined ? {} : { store: values.store }),
        ...(token === undefined ? {} : { token }),
        port: int('port', values.port, 0, 65535) ?? 0,
        serve: values['no-serve'] !== true,
        json: values.json === true,
        isTTY: process.stderr.isTTY === true,
      },
      io,
    );
  },
};
