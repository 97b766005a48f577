/** `pipetrace history COMPONENT`: a component's runs, newest first, a page at a time. */
import { runsTable } from '../../src/render/plain-text.js';
import { int, queryCommand, STORE_USAGE, view, when } from './query-common.js';

const usage = `Usage: pipetrace history COMPONENT [--since T] [--until T] [--limit N] [--cursor C] [options]

A component's runs, newest first. T is an ISO date or epoch milliseconds. When more runs
follow, the output ends with the cursor for the next page.

  --limit N        runs per page (default 20, at most 10000)

${STORE_USAGE}`;

export const history = queryCommand({
  name: 'history',
  summary: "a component's runs, newest first",
  usage,
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  positionals: ['COMPONENT'],
  run: ({ values, positionals: [component] }) => {
    const since = when('since', values.since);
    const until = when('until', values.until);
    const limit = int('limit', values.limit);
    return async (s) => {
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
      return s.print(page, text, view.history(component));
    };
  },
});
