/** `pipetrace recent`: the latest runs of every component. */
import { runsTable } from '../../src/render/plain-text.js';
import { int, queryCommand, STORE_USAGE } from './query-common.js';

const usage = `Usage: pipetrace recent [--limit N] [options]

The latest runs of all components, newest first.

  --limit N        how many (default 10, at most 10000)

${STORE_USAGE}`;

export const recent = queryCommand({
  name: 'recent',
  summary: 'the latest runs of all components',
  usage,
  options: { limit: { type: 'string' } },
  run: ({ values }) => {
    const limit = int('limit', values.limit) ?? 10;
    return async (s) => {
      const runs = await s.pt.recent(limit);
      return s.print({ runs }, () => runsTable(runs), '#/recent');
    };
  },
});
