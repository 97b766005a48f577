/** `pipetrace compact [--store DIR] [--json]`: fold an fs-json store's segments, drop what is dead. */
import { type CompactReport, compactFsStore, fsJsonStore } from '../../adapters/fs-json/index.js';
import { parseStoreLocation, storeLocation } from '../../node/store-location.js';
import { type RowReclaimReport, reclaimRowChunks } from '../../src/rows/reclaim.js';
import { parseCommandArgs } from '../args.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { STORE_DEFAULT_TEXT } from '../open-store.js';

const usage = `Usage: pipetrace compact [--store DIR] [--json]

Compact a store folder (fs-json): fold the segments no running writer holds into one, keeping
only the current version of every run, component, pointer and blob; drop deletion tombstones
older than the grace time and remove blob files nothing refers to (left by crashed writers).
Then it deletes the row-lineage chunks a failed or killed big capture left (as
pipetrace reclaim-rows does; a capture in progress keeps its chunks while its lease holds).
Safe while other processes read and write the store, and if it is killed at any point.
Stores also compact themselves on close once half their segment bytes are dead.

Options:
  --store DIR      the store folder (default: ${STORE_DEFAULT_TEXT})
  --grace-ms N     keep tombstones and unreferenced files younger than N ms (default 900000)
  --json           print the report as JSON
  -h, --help       show this help`;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function text(dir: string, r: CompactReport, rows: RowReclaimReport): string {
  const busy = r.inUse.length === 0 ? '' : `; ${r.inUse.length} segments in use by a writer left as they are`;
  const leased = rows.leased === 0 ? '' : ` (${rows.leased} kept: captures in progress)`;
  return (
    `compacted ${dir} in ${(r.ms / 1000).toFixed(1)} s: ${r.segmentsBefore} segments (${mib(r.bytesBefore)}) -> ` +
    `${r.segmentsAfter} (${mib(r.bytesAfter)}); kept ${r.kept} records, dropped ${r.dropped} ` +
    `(${r.tombstones} tombstones); removed ${r.orphanFiles} orphaned files (${mib(r.orphanBytes)})${busy}; ` +
    `reclaimed ${rows.chunks} unnamed row chunks${leased}\n`
  );
}

export const compact: Command = {
  name: 'compact',
  summary: 'compact a store folder: fold segments, drop replaced and deleted records, orphaned files',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        'grace-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const grace = values['grace-ms'];
    if (grace !== undefined && !/^\d{1,12}$/.test(grace))
      throw new UsageError(`--grace-ms: must be a whole number, got ${grace}`);
    if (values.store === '') throw new UsageError('--store: must be a folder');
    const location =
      values.store === undefined ? storeLocation(io.env, process.cwd()) : parseStoreLocation(values.store);
    if (location.kind !== 'folder') throw new UsageError('--store: compact works on a store folder (fs-json) only');
    const report = await compactFsStore(location.dir, grace === undefined ? {} : { graceMs: Number(grace) });
    const rows = await reclaimRows(location.dir);
    io.stdout(values.json ? `${JSON.stringify({ ...report, rowChunks: rows })}\n` : text(location.dir, report, rows));
    return EXIT.ok;
  },
};

/** Deletes the row chunks no manifest names (the next compaction folds the deletions away). */
async function reclaimRows(dir: string): Promise<RowReclaimReport> {
  const store = await fsJsonStore({ dir, compactRatio: false });
  try {
    return await reclaimRowChunks(store);
  } finally {
    await store.close();
  }
}
