/**
 * A throwaway PostgreSQL 15 server for the tests: Debian's binaries, a cluster in a temp folder
 * owned by the `postgres` user (the server refuses to run as root), a unix socket in that folder
 * and a random free TCP port on 127.0.0.1 with a generated password. Stop it to remove it all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's PostgreSQL 15 binaries, else the newest version installed there, unless PIPETRACE_PG_BIN says. */
export const PG_BIN = process.env.PIPETRACE_PG_BIN ?? debianBinaries();

/** What the PostgreSQL tests need, for npm test's setup step (test/pg/setup-postgres.ts). */
export const POSTGRES_TOOL = {
  debianPackage: 'postgresql',
  need: 'The PostgreSQL store tests need PostgreSQL server binaries (initdb, postgres)',
  alternative: 'set PIPETRACE_PG_BIN to the folder holding initdb and postgres',
  elsewhere: 'install PostgreSQL, and set PIPETRACE_PG_BIN to the folder holding initdb and postgres',
};

/** Where Debian's PostgreSQL binaries are: version 15, else the newest installed under `root`. */
export function debianBinaries(root = '/usr/lib/postgresql'): string {
  const preferred = join(root, '15', 'bin');
  if (existsSync(join(preferred, 'initdb')) || !existsSync(root)) return preferred;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0] ?? '15', 'bin');
}
const MISSING = `PostgreSQL 15 is not installed (no ${PG_BIN}/initdb): apt-get install postgresql (Debian), or set PIPETRACE_PG_BIN`;

export interface TestPostgres {
  /** postgres://pipetrace:PASSWORD@127.0.0.1:PORT/postgres */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): string;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function idsOf(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Runs a PostgreSQL binary as the postgres user. */
function asPostgres(binary: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitReady(folder: string, port: number, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      execFileSync(join(PG_BIN, 'pg_isready'), ['-q', '-h', folder, '-p', String(port)], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the test PostgreSQL did not start on port ${port}:\n${log()}`);
}

/** Starts a fresh cluster. Throws one line naming the package when the binaries are missing. */
export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(MISSING);
  const folder = mkdtempSync(join(tmpdir(), 'pipetrace-pg-'));
  const owner = idsOf('postgres');
  chownSync(folder, owner.uid, owner.gid);
  const data = join(folder, 'data');
  const user = 'pipetrace';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const pwfile = join(folder, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  chownSync(pwfile, owner.uid, owner.gid);
  let server: ReturnType<typeof spawn> | undefined;
  try {
    asPostgres('initdb', [
      '-D',
      data,
      '-U',
      user,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    rmSync(pwfile);
    let port = 0;
    let output = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await freePort();
      output = '';
      // Durability settings off: the cluster lives for one test file.
      server = spawn(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          join(PG_BIN, 'postgres'),
          '-D',
          data,
          '-k',
          folder,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=200',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.stdout?.on('data', (d) => {
        output += d;
      });
      server.stderr?.on('data', (d) => {
        output += d;
      });
      const exited = new Promise<'exited'>((resolve) => server?.once('exit', () => resolve('exited')));
      const ready = waitReady(folder, port, () => output).then(() => 'ready' as const);
      if ((await Promise.race([ready, exited])) === 'ready') break;
      if (!/already in use|could not bind/i.test(output)) throw new Error(`the test PostgreSQL failed:\n${output}`);
      server = undefined;
    }
    if (server === undefined) throw new Error(`the test PostgreSQL found no free port:\n${output}`);
    const running = server;
    const host = '127.0.0.1';
    const urlFor = (database: string) =>
      `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
    return {
      url: urlFor('postgres'),
      host,
      port,
      user,
      password,
      urlFor,
      createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
        asPostgres('createdb', ['-h', folder, '-p', String(port), '-U', user, name]);
        return urlFor(name);
      },
      async stop() {
        await stopServer(running, data);
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (server !== undefined) await stopServer(server, data);
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

async function stopServer(server: ReturnType<typeof spawn>, data: string): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    asPostgres('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
  } catch {
    server.kill('SIGKILL');
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
}
