/** `pipetrace export`: write the store's runs as OpenLineage RunEvents, one JSON per line. */
import { open } from 'node:fs/promises';
import { type ExportEventsOptions, exportEvents } from '../../src/openlineage/export-store.js';
import { parseCommandArgs } from '../args.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { STORE_DEFAULT_TEXT } from '../open-store.js';
import { millis, sessionStore } from './query-common.js';

const usage = `Usage: pipetrace export [options]

Write every run as OpenLineage RunEvents (spec 2-0-2): START, then COMPLETE or FAIL, as NDJSON,
oldest run first. The output imports back with "pipetrace import", or posts to Marquez.

Options:
  --out FILE                 write to FILE (replaced) instead of standard output
  --store DIR|URL|memory     the store folder (fs-json), a server's URL, or "memory"
                             (default: ${STORE_DEFAULT_TEXT})
  --url URL                  a pipetrace server instead (pipetrace serve)
  --token TOKEN              its token, when it guards reads (default: PIPETRACE_TOKEN)
  --component NAME           only runs of this component
  --since TIME               only runs started at or after TIME (ISO date or epoch ms)
  --until TIME               only runs started before TIME
  --job-namespace NS         OpenLineage job namespace of components (default pipetrace)
  --dataset-namespace NS     namespace of pointers that are neither paths nor URIs (default pipetrace)
  --repository URL           the code repository, for sourceCodeLocation facets
  --no-row-lineage           leave out the pipetrace_rowLineage facets (faster: reads no chunks)
  -h, --help                 show this help`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'write runs as OpenLineage events (NDJSON)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        store: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        component: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'job-namespace': { type: 'string' },
        'dataset-namespace': { type: 'string' },
        repository: { type: 'string' },
        'no-row-lineage': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values.repository !== undefined && !/^https?:\/\/\S+$/.test(values.repository)) {
      throw new UsageError(`--repository: must be an http(s) URL, got ${values.repository}`);
    }
    const options: ExportEventsOptions = {};
    if (values.component !== undefined) options.component = values.component;
    const since = millis('since', values.since);
    if (since !== undefined) options.since = since;
    const until = millis('until', values.until);
    if (until !== undefined) options.until = until;
    if (values['job-namespace'] !== undefined) options.jobNamespace = values['job-namespace'];
    if (values['dataset-namespace'] !== undefined) options.datasetNamespace = values['dataset-namespace'];
    if (values.repository !== undefined) options.repository = { url: values.repository };
    if (values['no-row-lineage']) options.rowLineage = false;

    const { store } = await sessionStore(values, io, false);
    const file = values.out === undefined ? undefined : await open(values.out, 'w');
    let count = 0;
    try {
      let buffer = '';
      const flush = async () => {
        if (buffer === '') return;
        if (file === undefined) io.stdout(buffer);
        else await file.write(buffer);
        buffer = '';
      };
      for await (const event of exportEvents(store, options)) {
        if (io.signal.aborted) break;
        buffer += `${JSON.stringify(event)}\n`;
        count++;
        if (buffer.length > 1 << 20) await flush();
      }
      await flush();
      if (file !== undefined) {
        await file.sync();
        io.stderr(`exported ${count} events to ${values.out}\n`);
      }
      return io.signal.aborted ? EXIT.failed : EXIT.ok;
    } finally {
      await file?.close();
      await store.close();
    }
  },
};
