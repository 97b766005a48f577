/** `pipetrace copy --from SRC --to DST`: copy one store into another, resumable. */
import { copyStore } from '../../src/copy.js';
import { MAX_SCAN_LIMIT, type Store } from '../../src/store.js';
import { parseCommandArgs } from '../args.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { openStore } from '../open-store.js';
import { progressReporter } from '../progress.js';

const usage = `Usage: pipetrace copy --from SRC --to DST [options]

Copy everything SRC holds into DST: runs, components (tags, owners), pointers (flags), notes
and row-lineage chunks, in batches, through the store contract, so any store copies into any
other. DST keeps what it had; records replace by id, name or key, so nothing is ever doubled.

An interrupted copy (Ctrl-C, a crash) continues where it stopped when run again with the same
SRC and DST: a checkpoint in DST records how far it got, and goes once the copy completes.

SRC and DST: a store folder (fs-json), the URL of a pipetrace server (http:// or https://;
the token comes from PIPETRACE_TOKEN), or a postgres:// URL. DST may also be "memory" (a dry run).

Options:
  --from SRC             the store to copy from (must exist)
  --to DST               the store to copy into (created when it is a new folder)
  --batch-size N         records per read and write (default 1000, at most ${MAX_SCAN_LIMIT})
  --restart              ignore a checkpoint and copy everything again
  --quiet                no progress output
  -h, --help             show this help`;

function batchSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_SCAN_LIMIT) {
    throw new UsageError(`--batch-size: must be 1 to ${MAX_SCAN_LIMIT}, got ${value}`);
  }
  return Number(value);
}

/** Opens SRC, refusing one that does not exist (a folder is never created for it). */
async function openSource(spec: string, env: Record<string, string | undefined>): Promise<Store> {
  const store = await openStore(spec, env, { create: false });
  try {
    // A server that cannot be reached, or is no pipetrace server, fails here, before DST is touched.
    await store.scanRuns({ limit: 1 });
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy one store into another (folder, server URL, postgres:// URL), resumable',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'batch-size': { type: 'string' },
        restart: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const from = values.from;
    const to = values.to;
    if (from === undefined || from === '') throw new UsageError('--from: give the store to copy from');
    if (to === undefined || to === '') throw new UsageError('--to: give the store to copy into');
    if (from === 'memory') throw new UsageError('--from: a new memory store is empty; give a folder or a URL');
    if (from === to) throw new UsageError('--from and --to: name the same store');
    const size = batchSize(values['batch-size']);
    const source = await openSource(from, io.env);
    let target: Store | undefined;
    const bar = values.quiet ? undefined : progressReporter({ write: io.stderr, tty: io.stderrIsTTY === true });
    try {
      target = await openStore(to, io.env);
      const result = await copyStore(source, target, {
        ...(size === undefined ? {} : { batchSize: size }),
        ...(bar === undefined ? {} : { onProgress: bar.update }),
        ...(values.restart ? { restart: true } : {}),
        signal: io.signal,
      });
      bar?.end();
      if (!values.quiet) {
        io.stdout(
          `copied ${result.runs} runs, ${result.components} components, ${result.pointers} pointers and ` +
            `${result.blobs} blobs from ${from} to ${to}${result.resumed ? ' (resumed)' : ''}\n`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      bar?.end();
      throw error;
    } finally {
      await target?.close();
      await source.close();
    }
  },
};
