/** `pipetrace staleness TARGET`: is the run behind a pointer (or a run) stale now, and why. */
import { stalenessText } from '../../src/render/plain-text.js';
import { int, queryCommand, STORE_USAGE, view } from './query-common.js';

const usage = `Usage: pipetrace staleness POINTER|RUN_ID [--run] [--max-age-days N] [--max-fresher-runs N] [options]

Whether the run that wrote POINTER's latest version (or the run) is stale now: an upstream
run older than the age limit, or newer runs of an upstream component since.

  --run                 TARGET is a run id
  --max-age-days N      age limit in days (default 30)
  --max-fresher-runs N  newer upstream runs that make it stale (default 1)

${STORE_USAGE}`;

export const staleness = queryCommand({
  name: 'staleness',
  summary: 'is a pointer or run stale now, and why',
  usage,
  options: {
    run: { type: 'boolean' },
    'max-age-days': { type: 'string' },
    'max-fresher-runs': { type: 'string' },
  },
  positionals: ['POINTER or RUN_ID'],
  run: ({ values, positionals: [target] }) => {
    const maxAgeDays = int('max-age-days', values['max-age-days'], 0, 100_000);
    const maxFresherRuns = int('max-fresher-runs', values['max-fresher-runs'], 1, 1_000_000);
    return async (s) => {
      const result = await s.pt.staleness(values.run ? { run: target } : target, {
        ...(maxAgeDays === undefined ? {} : { maxAgeDays }),
        ...(maxFresherRuns === undefined ? {} : { maxFresherRuns }),
      });
      const text = () => `${result.component} run ${result.run}: stale? ${stalenessText(result)}`;
      return s.print(result, text, view.run(result.run));
    };
  },
});
