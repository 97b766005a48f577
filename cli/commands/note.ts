/** `pipetrace note RUN_ID TEXT`: add a note to a run, as the API's addNote and the dashboard's run card do. */
import { runDetails } from '../../src/render/plain-text.js';
import { queryCommand, STORE_USAGE, view } from './query-common.js';

const usage = `Usage: pipetrace note RUN_ID TEXT... [options]

Adds a note to a run (the words of TEXT joined by spaces). RUN_ID may be a unique prefix.

${STORE_USAGE}`;

export const note = queryCommand({
  name: 'note',
  summary: 'add a note to a run',
  usage,
  positionals: ['RUN_ID', 'TEXT'],
  rest: true,
  run:
    ({ positionals: [id, first], rest }) =>
    async (s) => {
      const run = await s.pt.addNote(id, [first, ...rest].join(' '));
      return s.print({ run }, () => runDetails(run), view.run(run.id));
    },
});
