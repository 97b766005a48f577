/** `pipetrace trace-row POINTER KEY` and `pipetrace impact POINTER KEY`: row lineage, back or forward. */
import { rowTraceText } from '../../src/render/plain-text.js';
import { impact as impactOf, traceRow } from '../../src/rows/index.js';
import type { Command } from '../command.js';
import { int, queryCommand, rowKey, STORE_USAGE, view } from './query-common.js';

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
  return queryCommand({
    name,
    summary:
      direction === 'backward'
        ? 'the raw rows a row came from (row lineage)'
        : 'the outputs a row reached (row lineage, forward)',
    usage,
    options: { run: { type: 'string' }, 'max-rows': { type: 'string' }, 'key-json': { type: 'boolean' } },
    positionals: ['POINTER', 'KEY'],
    run: ({ values, positionals: [pointer, text] }) => {
      const key = rowKey(text, values['key-json']);
      const maxRows = int('max-rows', values['max-rows'], 1, 1_000_000);
      const options = {
        ...(values.run === undefined ? {} : { run: values.run }),
        ...(maxRows === undefined ? {} : { maxRows }),
      };
      return async (s) => {
        const result = await (direction === 'backward' ? traceRow : impactOf)(s.store, pointer, key, options);
        return s.print(result, () => rowTraceText(result), view.rows(pointer, key, direction));
      };
    },
  });
}

export const traceRowCommand = rowCommand('backward');
export const impactCommand = rowCommand('forward');
