/** `pipetrace recent`: the latest runs of every component. */
import { parseArgs } from 'node:util';
import { runsTable } from '../../src/render/plain-text.js';
import type { Command } from '../command.js';
import { int, noMore, print, STORE_OPTIONS, STORE_USAGE, showHelp, withSession } from './query-common.js';

const usage = `Usage: pipetrace recent [--limit N] [options]

The latest runs of all components, newest first.

  --limit N        how many (default 10, at most 10000)

${STORE_USAGE}`;

export const recent: Command = {
  name: 'recent',
  summary: 'the latest runs of all components',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...STORE_OPTIONS, limit: { type: 'string' } },
    });
    if (values.help) return showHelp(io, usage);
    noMore(positionals, 0);
    const limit = int('limit', values.limit) ?? 10;
    return withSession(values, io, async (s) => {
      const runs = await s.pt.recent(limit);
      return print(io, s, values, { runs }, () => runsTable(runs), '#/recent');
    });
  },
};
