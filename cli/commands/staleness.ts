/** `pipetrace staleness TARGET`: is the run behind a pointer (or a run) stale now, and why. */
import { parseArgs } from 'node:util';
import { stalenessText } from '../../src/render/plain-text.js';
import type { Command } from '../command.js';
import {
  int,
  noMore,
  positional,
  print,
  STORE_OPTIONS,
  STORE_USAGE,
  showHelp,
  view,
  withSession,
} from './query-common.js';

const usage = `Usage: pipetrace staleness POINTER|RUN_ID [--run] [--max-age-days N] [--max-fresher-runs N] [options]

Whether the run that wrote POINTER's latest version (or the run) is stale now: an upstream
run older than the age limit, or newer runs of an upstream component since.

  --run                 TARGET is a run id
  --max-age-days N      age limit in days (default 30)
  --max-fresher-runs N  newer upstream runs that make it stale (default 1)

${STORE_USAGE}`;

export const staleness: Command = {
  name: 'staleness',
  summary: 'is a pointer or run stale now, and why',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...STORE_OPTIONS,
        run: { type: 'boolean' },
        'max-age-days': { type: 'string' },
        'max-fresher-runs': { type: 'string' },
      },
    });
    if (values.help) return showHelp(io, usage);
    const target = positional(positionals, 0, 'POINTER or RUN_ID');
    noMore(positionals, 1);
    const maxAgeDays = int('max-age-days', values['max-age-days'], 0, 100_000);
    const maxFresherRuns = int('max-fresher-runs', values['max-fresher-runs'], 1, 1_000_000);
    return withSession(values, io, async (s) => {
      const result = await s.pt.staleness(values.run ? { run: target } : target, {
        ...(maxAgeDays === undefined ? {} : { maxAgeDays }),
        ...(maxFresherRuns === undefined ? {} : { maxFresherRuns }),
      });
      const text = () => `${result.component} run ${result.run}: stale? ${stalenessText(result)}`;
      return print(io, s, values, result, text, view.run(result.run));
    });
  },
};
