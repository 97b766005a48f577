/**
 * `pipetrace serve` as a real process over a PostgreSQL database (the URL in
 * PIPETRACE_DATABASE_URL, as an operator would give it), on a fixed loopback port so that a
 * server killed with SIGKILL can be started again where its clients look for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Everything every incarnation printed, stdout and stderr. */
  output(): string;
  /** SIGKILL: no clean shutdown, requests in flight are cut. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it listens. */
  start(): Promise<void>;
  /** SIGTERM, and waits for the exit code (0 for a clean stop). */
  stop(): Promise<number | null>;
}

/** Starts `pipetrace serve` over the database at `databaseUrl` with write token `token`. */
export async function startServe(databaseUrl: string, token: string): Promise<ServeProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const exited = (c: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode);
      else c.once('exit', (code) => resolve(code));
    });
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', 'cli/main.ts', 'serve', '--port', String(port), '--host', '127.0.0.1'],
        {
          cwd: ROOT,
          env: { ...process.env, PIPETRACE_DATABASE_URL: databaseUrl, PIPETRACE_TOKEN: token },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = c;
      let mine = '';
      const onData = (chunk: Buffer) => {
        log += chunk;
        mine += chunk;
        if (mine.includes('pipetrace listening on')) resolve();
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('exit', (code) => reject(new Error(`pipetrace serve exited (${code}) before listening:\n${mine}`)));
    });
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => log,
    async kill() {
      if (child === undefined) return;
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
    start,
    async stop() {
      if (child === undefined) return null;
      const done = exited(child);
      child.kill('SIGTERM');
      return done;
    },
  };
}
