/** `pipetrace history COMPONENT`: a component's runs, newest first, a page at a time. */
import { parseArgs } from 'node:util';
import { runsTable } from '../../src/render/plain-text.js';
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
  when,
  withSession,
} from './query-common.js';

const usage = `Usage: pipetrace history COMPONENT [--since T] [--until T] [--limit N] [--cursor C] [options]

A component's runs, newest first. T is an ISO date or epoch milliseconds. When more runs
follow, the output ends with the cursor for the next page.

  --limit N        runs per page (default 20, at most 10000)

${STORE_USAGE}`;

export const history: Command = {
  name: 'history',
  summary: "a component's runs, newest first",
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...STORE_OPTIONS,
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
      },
    });
    if (values.help) return showHelp(io, usage);
    const component = positional(positionals, 0, 'COMPONENT');
    noMore(positionals, 1);
    const since = when('since', values.since);
    const until = when('until', values.until);
    const limit = int('limit', values.limit);
    return withSession(values, io, async (s) => {
      const page = await s.pt.history(component, {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(limit === undefined ? {} : { limit }),
        ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
      });
      const text = () =>
        page.cursor === undefined
          ? runsTable(page.runs)
          : `${runsTable(page.runs)}\nmore: pipetrace history ${component} --cursor ${page.cursor}`;
      return print(io, s, values, page, text, view.history(component));
    });
  },
};
