/** `pipetrace serve`: expose a store over HTTP until interrupted. */

import { dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { DEFAULT_BODY_LIMIT } from '../../adapters/http/handler.js';
import { createServer } from '../../adapters/http/server.js';
import { parseCommandArgs } from '../args.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { openStore, STORE_DEFAULT_TEXT } from '../open-store.js';

export const DEFAULT_PORT = 7070;

const usage = `Usage: pipetrace serve [options]

Serve a store over HTTP: the store routes (for httpStore clients), the query routes
and OpenLineage ingest, under /api/v1; Prometheus metrics at /metrics (a read route).

Options:
  --store DIR|URL|memory     the store folder (fs-json), a server's URL, a postgres:// URL, or
                             "memory" (default: ${STORE_DEFAULT_TEXT}; prefer
                             PIPETRACE_DATABASE_URL for a URL with a password)
  --port N                   port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host HOST                interface to listen on (default 127.0.0.1)
  --token TOKEN              write token (default: the PIPETRACE_TOKEN environment variable;
                             prefer it: a token on the command line shows in process lists)
  --read-token TOKEN         a token that may only read; makes every read need a token
  --require-token-for-reads  reads need the write token (or the read token) too
  --cors ORIGIN              allow browser calls from ORIGIN (repeatable; "*" for any)
  --body-limit BYTES         largest request body (default ${DEFAULT_BODY_LIMIT})
  -h, --help                 show this help

Without a token the server is read-only. Stop it with Ctrl-C (SIGINT) or SIGTERM.`;

function port(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`--port: must be 0 to 65535, got ${value}`);
  return Number(value);
}

function bytes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1)
    throw new UsageError(`--body-limit: must be a positive number of bytes`);
  return Number(value);
}

export const serve: Command = {
  name: 'serve',
  summary: 'serve a store over HTTP (store routes, queries, OpenLineage ingest)',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        store: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        'read-token': { type: 'string' },
        'require-token-for-reads': { type: 'boolean' },
        cors: { type: 'string', multiple: true },
        'body-limit': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${usage}\n`);
      return EXIT.ok;
    }
    const listenPort = port(values.port);
    const host = values.host ?? '127.0.0.1';
    const bodyLimit = bytes(values['body-limit']);
    const token = values.token ?? (io.env.PIPETRACE_TOKEN || undefined);

    const store = await openStore(values.store, io.env);
    try {
      const server = createServer({
        store,
        routes: dashboardRoutes(),
        env: {},
        ...(token === undefined ? {} : { token }),
        ...(values['read-token'] === undefined ? {} : { readToken: values['read-token'] }),
        ...(values['require-token-for-reads'] ? { requireTokenForReads: true } : {}),
        ...(values.cors === undefined ? {} : { cors: values.cors }),
        ...(bodyLimit === undefined ? {} : { bodyLimit }),
        log: (message) => io.stderr(`pipetrace serve: ${message}\n`),
      });
      const { url } = await server.listen(listenPort, host);
      // The store's kind names where it is (a database by host:port/name, never its password).
      io.stderr(`pipetrace serve: store ${store.kind}\n`);
      if (token === undefined) io.stderr('pipetrace serve: no token given, so the server is read-only\n');
      const readsOpen = values['read-token'] === undefined && !values['require-token-for-reads'];
      if (readsOpen && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
        io.stderr(
          `pipetrace serve: reads need no token, and ${host} is not loopback (see --require-token-for-reads)\n`,
        );
      }
      io.stdout(`pipetrace listening on ${url}\n`);
      io.stdout(`dashboard: ${url}/\n`);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};
