/** `pipetrace inspect RUN`: every field of a run, and whether it is stale now. */
import { runDetails } from '../../src/render/plain-text.js';
import { queryCommand, STORE_USAGE, view } from './query-common.js';

const usage = `Usage: pipetrace inspect RUN_ID [options]

A run in full: times, status, code version, inputs, outputs, dependencies, params, metrics,
notes, and whether it is stale now.

${STORE_USAGE}`;

export const inspect = queryCommand({
  name: 'inspect',
  summary: 'a run in full, with its staleness',
  usage,
  positionals: ['RUN_ID'],
  run:
    ({ positionals: [id] }) =>
    async (s) => {
      const run = await s.pt.inspect(id);
      const staleness = await s.pt.staleness({ run: run.id });
      return s.print({ run, staleness }, () => runDetails(run, staleness), view.run(run.id));
    },
});
