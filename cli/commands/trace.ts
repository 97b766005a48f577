/** `pipetrace trace TARGET`: the DAG of runs behind a pointer (or a run), as a tree. */
import { traceTree } from '../../src/render/plain-text.js';
import { splitAt, versionTime } from '../../src/target.js';
import { UsageError } from '../command.js';
import { int, queryCommand, STORE_USAGE, view } from './query-common.js';

const usage = `Usage: pipetrace trace POINTER[@DATE]|RUN_ID [--run] [--depth N] [--at DATE] [options]

The runs behind the latest version of a pointer, or behind a run, as a tree from the run
that wrote it down to the raw data. A run reached twice is shown once, then "(see above)".

  --run            TARGET is a run id (default: a pointer, else a run id)
  --depth N        stop N levels up (0: the writer only)
  --at DATE        the pointer's version at DATE (a UTC day: its end; an ISO time; epoch ms),
                   not the latest; POINTER@DATE says the same

${STORE_USAGE}`;

export const trace = queryCommand({
  name: 'trace',
  summary: 'the runs behind a pointer or run, as a tree',
  usage,
  options: { run: { type: 'boolean' }, depth: { type: 'string' }, at: { type: 'string' } },
  positionals: ['POINTER or RUN_ID'],
  run: ({ values, positionals: [given] }) => {
    const depth = int('depth', values.depth, 0, 1_000_000);
    const { target, at: atText } = splitAt(given as string, values.at);
    const at = atText === undefined ? undefined : versionTime(atText);
    if (atText !== undefined && at === undefined) throw new UsageError(`--at: not a date: ${JSON.stringify(atText)}`);
    const options = { ...(depth === undefined ? {} : { depth }), ...(at === undefined ? {} : { at }) };
    return async (s) => {
      const result = await s.pt.trace(values.run ? { run: target } : target, options);
      const hash = 'pointer' in result.target ? view.trace(result.target.pointer) : view.traceRun(result.root);
      return s.print(result, () => traceTree(result), hash);
    };
  },
});
