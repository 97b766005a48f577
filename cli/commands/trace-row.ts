/** `pipetrace trace-row POINTER KEY` and `pipetrace impact POINTER KEY`: row lineage, back or forward. */
import { parseArgs } from 'node:util';
import { rowTraceText } from '../../src/render/plain-text.js';
import { impact as impactOf, traceRow } from '../../src/rows/index.js';
import type { Command } from '../command.js';
import {
  int,
  noMore,
  positional,
  print,
  rowKey,
  STORE_OPTIONS,
  STORE_USAGE,
  showHelp,
  view,
  withSession,
} from './query-common.js';

function rowCommand(direction: 'backward' | 'forward'): Command {
  const name = direction === 'backward' ? 'trace-row' : 'impact';
  const usage = `Usage: pipetrace ${name} POINTER KEY [--run RUN_ID] [--max-rows N] [--key-json] [options]

${
  direction === 'backward'
    ? 'The rows a row of POINTER came from, run by run back to the raw records (row lineage).'
    : 'Where a row of POINTER went: the rows of later outputs derived from it (row lineage).'
}

  --run RUN_ID     the version of POINTER a run ${direction === 'backward' ? 'wrote' : 'wrote'} (default: the latest)
  --max-rows N     rows listed per step (all are followed; default 1000)
  --key-json       KEY is JSON (a number, string or array), not text

${STORE_USAGE}`;
  return {
    name,
    summary:
      direction === 'backward'
        ? 'the raw rows a row came from (row lineage)'
        : 'the outputs a row reached (row lineage, forward)',
    usage,
    async run(args, io) {
      const { values, positionals } = parseArgs({
        args,
        strict: true,
        allowPositionals: true,
        options: {
          ...STORE_OPTIONS,
          run: { type: 'string' },
          'max-rows': { type: 'string' },
          'key-json': { type: 'boolean' },
        },
      });
      if (values.help) return showHelp(io, usage);
      const pointer = positional(positionals, 0, 'POINTER');
      const key = rowKey(positional(positionals, 1, 'KEY'), values['key-json']);
      noMore(positionals, 2);
      const maxRows = int('max-rows', values['max-rows'], 1, 1_000_000);
      const options = {
        ...(values.run === undefined ? {} : { run: values.run }),
        ...(maxRows === undefined ? {} : { maxRows }),
      };
      return withSession(values, io, async (s) => {
        const result = await (direction === 'backward' ? traceRow : impactOf)(s.store, pointer, key, options);
        return print(io, s, values, result, () => rowTraceText(result), view.rows(pointer, key, direction));
      });
    },
  };
}

export const traceRowCommand = rowCommand('backward');
export const impactCommand = rowCommand('forward');
