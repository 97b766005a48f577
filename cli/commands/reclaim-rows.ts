/** `pipetrace reclaim-rows [--run RUN_ID]`: delete row chunks a failed or killed big capture left. */
import type { RowReclaimReport } from '../../src/rows/reclaim.js';
import { queryCommand, STORE_USAGE } from './query-common.js';

const usage = `Usage: pipetrace reclaim-rows [--run RUN_ID] [options]

Deletes the row-lineage chunks no run's manifest names: what a big capture left when it failed
or its process was killed before it stored its manifest. Chunks of a capture still in progress
are kept while its lease holds (15 minutes after it last wrote). Safe beside readers and writers.

  --run RUN_ID     only this run's chunks (default: every run's)

${STORE_USAGE}`;

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function text(r: RowReclaimReport): string {
  const leased = r.leased === 0 ? '' : `; kept ${count(r.leased, 'chunk')} of captures in progress`;
  return `deleted ${count(r.chunks, 'unnamed row chunk')} in ${count(r.runs, 'run')}${leased}; removed ${count(r.leases, 'run-out lease')}`;
}

export const reclaimRows = queryCommand({
  name: 'reclaim-rows',
  summary: 'delete row chunks a failed or killed capture left',
  usage,
  options: { run: { type: 'string' } },
  run:
    ({ values }) =>
    async (s) => {
      const report = await s.pt.reclaimRowChunks(values.run === undefined ? {} : { run: values.run });
      return s.print(report, () => text(report));
    },
});
