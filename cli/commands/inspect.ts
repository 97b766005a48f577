/** `pipetrace inspect RUN`: every field of a run, and whether it is stale now. */
import { parseArgs } from 'node:util';
import { runDetails } from '../../src/render/plain-text.js';
import type { Command } from '../command.js';
import { noMore, positional, print, STORE_OPTIONS, STORE_USAGE, showHelp, view, withSession } from './query-common.js';

const usage = `Usage: pipetrace inspect RUN_ID [options]

A run in full: times, status, code version, inputs, outputs, dependencies, params, metrics,
notes, and whether it is stale now.

${STORE_USAGE}`;

export const inspect: Command = {
  name: 'inspect',
  summary: 'a run in full, with its staleness',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: STORE_OPTIONS });
    if (values.help) return showHelp(io, usage);
    const id = positional(positionals, 0, 'RUN_ID');
    noMore(positionals, 1);
    return withSession(values, io, async (s) => {
      const run = await s.pt.inspect(id);
      const staleness = await s.pt.staleness({ run: run.id });
      return print(io, s, values, { run, staleness }, () => runDetails(run, staleness), view.run(run.id));
    });
  },
};
