/** `pipetrace flag` and `pipetrace unflag`: mark outputs, or rows of an output, as wrong (or not). */
import { pointerText } from '../../src/render/plain-text.js';
import { allFlaggedRows } from '../../src/rows/flags.js';
import { flaggedRows, flagRows, unflagRows } from '../../src/rows/index.js';
import { UsageError } from '../command.js';
import { queryCommand, rowKey, STORE_USAGE, view } from './query-common.js';

const flagUsage = `Usage: pipetrace flag POINTER [KEY...] [--key-json] [options]

Marks POINTER as wrong, or with KEYs only those rows of it (row flags need row lineage
to be reviewed). Then "pipetrace review" ranks the likely culprits.

  --key-json       each KEY is JSON (a number, string or array), not text

${STORE_USAGE}`;

const unflagUsage = `Usage: pipetrace unflag POINTER [KEY...] [--rows] [--key-json] [options]
       pipetrace unflag --all [options]

Clears the flag of POINTER, or of the given rows of it.

  --rows           clear every flagged row of POINTER (the pointer's own flag stays)
  --all            clear every flag: all pointers and all flagged rows
  --key-json       each KEY is JSON (a number, string or array), not text

${STORE_USAGE}`;

export const flag = queryCommand({
  name: 'flag',
  summary: 'mark an output, or rows of it, as wrong',
  usage: flagUsage,
  options: { 'key-json': { type: 'boolean' } },
  positionals: ['POINTER'],
  rest: true,
  run: ({ values, positionals: [pointer], rest }) => {
    const keys = rest.map((k) => rowKey(k, values['key-json']));
    return async (s) => {
      if (keys.length === 0) {
        const p = await s.pt.flag(pointer);
        return s.print({ pointer: p }, () => `flagged ${pointerText(p)}`, view.flagged());
      }
      // A row flag needs the pointer to exist, like a pointer flag: check before writing.
      await s.pt.pointer(pointer);
      const [writer] = await s.store.latestWriters([{ pointer }]);
      if (writer === undefined) {
        throw new UsageError(`no run wrote ${JSON.stringify(pointer)}, so it has no rows to flag`);
      }
      const count = await flagRows(s.store, pointer, keys);
      return s.print(
        { pointer, flaggedRows: count },
        () => `flagged ${keys.length} rows of ${pointer} (${count} flagged now)`,
        view.review(),
      );
    };
  },
});

export const unflag = queryCommand({
  name: 'unflag',
  summary: 'clear the flag of an output, of rows of it, or all flags',
  usage: unflagUsage,
  options: { all: { type: 'boolean' }, rows: { type: 'boolean' }, 'key-json': { type: 'boolean' } },
  // POINTER is needed unless --all, so it is checked here.
  rest: true,
  run: ({ values, rest }) => {
    if (values.all) {
      if (rest.length > 0 || values.rows) throw new UsageError('--all takes no POINTER, KEY or --rows');
      return async (s) => {
        let rows = 0;
        for (const f of await allFlaggedRows(s.store)) rows += f.rows.length;
        const pointers = await s.pt.unflagAll();
        return s.print({ pointers, rows }, () => `cleared ${pointers} pointer flags and ${rows} row flags`);
      };
    }
    const [pointer, ...given] = rest;
    if (pointer === undefined) throw new UsageError('missing POINTER');
    const keys = given.map((k) => rowKey(k, values['key-json']));
    if (values.rows && keys.length > 0) throw new UsageError('give KEYs or --rows, not both');
    return async (s) => {
      if (keys.length === 0 && !values.rows) {
        const p = await s.pt.unflag(pointer);
        return s.print({ pointer: p }, () => `unflagged ${pointerText(p)}`);
      }
      const before = (await flaggedRows(s.store, pointer)).rows.length;
      const count = await unflagRows(s.store, pointer, values.rows ? undefined : keys);
      return s.print(
        { pointer, flaggedRows: count, cleared: before - count },
        () => `unflagged ${before - count} rows of ${pointer} (${count} still flagged)`,
      );
    };
  },
});
