/** `pipetrace trace TARGET`: the DAG of runs behind a pointer (or a run), as a tree. */
import { parseArgs } from 'node:util';
import { traceTree } from '../../src/render/plain-text.js';
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

const usage = `Usage: pipetrace trace POINTER|RUN_ID [--run] [--depth N] [options]

The runs behind the latest version of a pointer, or behind a run, as a tree from the run
that wrote it down to the raw data. A run reached twice is shown once, then "(see above)".

  --run            TARGET is a run id (default: a pointer, else a run id)
  --depth N        stop N levels up (0: the writer only)

${STORE_USAGE}`;

export const trace: Command = {
  name: 'trace',
  summary: 'the runs behind a pointer or run, as a tree',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...STORE_OPTIONS, run: { type: 'boolean' }, depth: { type: 'string' } },
    });
    if (values.help) return showHelp(io, usage);
    const target = positional(positionals, 0, 'POINTER or RUN_ID');
    noMore(positionals, 1);
    const depth = int('depth', values.depth, 0, 1_000_000);
    return withSession(values, io, async (s) => {
      const result = await s.pt.trace(values.run ? { run: target } : target, depth === undefined ? {} : { depth });
      const hash = 'pointer' in result.target ? view.trace(result.target.pointer) : view.traceRun(result.root);
      return print(io, s, values, result, () => traceTree(result), hash);
    });
  },
};
