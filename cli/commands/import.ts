/** `pipetrace import FILE`: ingest OpenLineage events (NDJSON or a JSON array) into a store. */
import { readFile } from 'node:fs/promises';
import { parseEventsText } from '../../node/openlineage-file.js';
import { isPipetraceError } from '../../src/errors.js';
import { type IngestOptions, ingestEvents } from '../../src/openlineage/ingest.js';
import { createPipetrace } from '../../src/pipetrace.js';
import { parseCommandArgs } from '../args.js';
import { type Command, DataError, EXIT, UsageError } from '../command.js';
import { openStore, STORE_DEFAULT_TEXT } from '../open-store.js';

const usage = `Usage: pipetrace import FILE [options]

Ingest OpenLineage events (RunEvents, JobEvents, DatasetEvents) from FILE, NDJSON (one event
per line) or a JSON array; "-" reads standard input. Events of one runId fold into one run;
jobs become components and datasets pointers; dependencies are inferred. The whole file is
checked first: one malformed event imports nothing, and the error names it.

Options:
  --store DIR|URL|memory     the store folder (fs-json), a server's URL, or "memory"
                             (default: ${STORE_DEFAULT_TEXT})
  --pending keep|fail        runs with no COMPLETE/FAIL/ABORT yet: keep them pending until a later
                             import completes them (default), or log them as failed now
  --job-namespace NS         OpenLineage job namespace whose jobs keep plain names (default pipetrace)
  --dataset-namespace NS     dataset namespace whose datasets keep plain names (default pipetrace)
  --lenient                  drop facets that fail their OpenLineage schema (each named on stderr)
                             instead of refusing the file
  --json                     print the result as JSON
  -h, --help                 show this help`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A malformed file is bad data (exit 1), not bad usage (exit 2): errors about the events, or
 * about the file (`field` is its name), become DataErrors.
 */
async function badData<T>(source: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const field = isPipetraceError(error, 'invalid_input') ? error.field : undefined;
    if (field !== undefined && (field === source || field.startsWith(`${source}:`) || /^events\b/.test(field)))
      throw new DataError((error as Error).message);
    throw error;
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'ingest OpenLineage events from an NDJSON or JSON file',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        pending: { type: 'string' },
        lenient: { type: 'boolean' },
        'job-namespace': { type: 'string' },
        'dataset-namespace': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
    const file = positionals[0]!;
    if (values.pending !== undefined && values.pending !== 'keep' && values.pending !== 'fail') {
      throw new UsageError(`--pending: must be keep or fail, got ${values.pending}`);
    }
    const options: IngestOptions = {};
    if (values.pending !== undefined) options.pending = values.pending;
    if (values.lenient) options.validation = 'lenient';
    if (values['job-namespace'] !== undefined) options.jobNamespace = values['job-namespace'];
    if (values['dataset-namespace'] !== undefined) options.datasetNamespace = values['dataset-namespace'];

    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    const source = file === '-' ? 'stdin' : file;
    const events = await badData(source, () => parseEventsText(text, source));
    const store = await openStore(values.store, io.env);
    try {
      const result = await badData(source, () => ingestEvents(createPipetrace({ store }), events, options));
      const summary = {
        events: result.events,
        runs: result.runs.length,
        pending: result.pending.length,
        components: result.components.length,
        datasets: result.datasets,
        dropped: result.dropped.length,
      };
      for (const d of result.dropped) io.stderr(`dropped ${d.field}: ${d.reason}\n`);
      if (values.json)
        io.stdout(
          `${JSON.stringify({ ...summary, runIds: result.runs.map((r) => r.id), pendingRunIds: result.pending })}\n`,
        );
      else {
        io.stdout(
          `imported ${summary.events} events: ${summary.runs} runs, ${summary.components} components, ${summary.datasets} dataset events` +
            (summary.pending > 0 ? `; ${summary.pending} runs pending (no terminal event yet)` : '') +
            '\n',
        );
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};
