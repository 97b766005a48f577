/** `pipetrace label`, `labelled`, `retract` and `retractions`: labels that follow data through lineage. */
import { labelledText, retractionsText, retractionText } from '../../src/render/labels.js';
import { UsageError } from '../command.js';
import { int, queryCommand, rowKey, STORE_USAGE, view } from './query-common.js';

const labelUsage = `Usage: pipetrace label POINTER LABEL [KEY...] [--run RUN_ID] [--key-json] [options]

Attaches LABEL (e.g. customer:42, source:vendor-b, pii) to POINTER's latest version, or with
KEYs to those rows of it. What the label reached is computed from lineage when asked
("pipetrace labelled LABEL"), so a label added later reaches everything derived before.

  --run RUN_ID     label the version of POINTER this run wrote
  --key-json       each KEY is JSON (a number, string or array), not text

${STORE_USAGE}`;

export const label = queryCommand({
  name: 'label',
  summary: 'attach a label to an output or rows of it',
  usage: labelUsage,
  options: { run: { type: 'string' }, 'key-json': { type: 'boolean' } },
  positionals: ['POINTER', 'LABEL'],
  rest: true,
  run: ({ values, positionals: [pointer, name], rest }) => {
    const rows = rest.map((k) => rowKey(k, values['key-json']));
    const options = {
      ...(rows.length === 0 ? {} : { rows }),
      ...(values.run === undefined ? {} : { run: values.run }),
    };
    return async (s) => {
      const summary = await s.pt.label(pointer, name, options);
      const what = summary.whole ? 'the whole of' : `${summary.rowCount} rows of`;
      return s.print({ label: summary }, () => `labelled ${what} ${pointer} ${JSON.stringify(name)}`);
    };
  },
});

const labelledUsage = `Usage: pipetrace labelled LABEL [--max-rows N] [options]

Every output and row derived from data carrying LABEL, through run lineage and, where runs
recorded it, row lineage: exact where rows were recorded, "whole output (no row lineage at
step X)" where it had to widen.

  --max-rows N     rows listed per output (all are counted; default 1000)

${STORE_USAGE}`;

export const labelled = queryCommand({
  name: 'labelled',
  summary: 'what a label reached: outputs and rows derived from labelled data',
  usage: labelledUsage,
  options: { 'max-rows': { type: 'string' } },
  positionals: ['LABEL'],
  run: ({ values, positionals: [name] }) => {
    const maxRows = int('max-rows', values['max-rows'], 1, 1_000_000);
    return async (s) => {
      const result = await s.pt.labelled(name, maxRows === undefined ? {} : { maxRows });
      return s.print(result, () => labelledText(result));
    };
  },
});

const retractUsage = `Usage: pipetrace retract LABEL --reason TEXT [options]
       pipetrace retract LABEL --show [options]
       pipetrace retract LABEL --close [options]

Retracts LABEL (a deletion request, a contaminated source): records it with its time, flags
every derived output and row still in use (flag reason retracted:LABEL), and reports the
models, predictions and intermediate files built from the data and what to rebuild, in
pipeline order. --show prints the report again, recomputed now (with violations: runs that
read the data after the retraction). --close clears the flags the retraction set, and only those.

  --reason TEXT    why (required to retract)
  --show           the report of an earlier retraction
  --close          close the retraction

${STORE_USAGE}`;

export const retract = queryCommand({
  name: 'retract',
  summary: 'retract a label: flag what was built from it and report what to rebuild',
  usage: retractUsage,
  options: { reason: { type: 'string' }, show: { type: 'boolean' }, close: { type: 'boolean' } },
  positionals: ['LABEL'],
  run: ({ values, positionals: [name] }) => {
    const modes = [values.reason !== undefined, values.show === true, values.close === true].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give exactly one of --reason TEXT, --show or --close');
    return async (s) => {
      if (values.close) {
        const closed = await s.pt.closeRetraction(name);
        return s.print(
          { retraction: closed },
          () =>
            `closed the retraction of ${JSON.stringify(name)}: cleared its ${closed.flagged.pointers} output and ${closed.flagged.rows} row flags`,
        );
      }
      const report = values.show
        ? await s.pt.retraction(name)
        : await s.pt.retract(name, { reason: values.reason as string });
      return s.print(report, () => retractionText(report), view.retraction(name));
    };
  },
});

const retractionsUsage = `Usage: pipetrace retractions [--all] [options]

The open retractions, oldest first: label, time, flags set, reason.

  --all            closed ones too

${STORE_USAGE}`;

export const retractions = queryCommand({
  name: 'retractions',
  summary: 'the open retractions',
  usage: retractionsUsage,
  options: { all: { type: 'boolean' } },
  run:
    ({ values }) =>
    async (s) => {
      const list = await s.pt.retractions(values.all ? { all: true } : {});
      return s.print({ retractions: list }, () => retractionsText(list));
    },
});
