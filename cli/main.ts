/**
 * The `pipetrace` command: parses argv, dispatches to cli/commands/NAME.ts.
 * Exit codes: 0 ok, 1 not found or failed, 2 usage. Errors go to stderr.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPipetraceError } from '../src/errors.js';
import { type Command, DataError, EXIT, type Io, UsageError } from './command.js';
import { commands } from './commands/index.js';

async function overview(): Promise<string> {
  const loaded = await Promise.all(Object.values(commands).map((load) => load()));
  const width = Math.max(...loaded.map((c) => c.name.length));
  const lines = loaded.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: pipetrace <command> [options]\n       pipetrace --version\n\nCommands:\n${lines.join('\n')}\n\nRun "pipetrace <command> --help" for a command's options.\n`;
}

/** The package's version: package.json sits one folder up from cli/main.ts and from dist/cli.js alike. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Node's parseArgs reports bad flags with these codes; they are usage errors. */
function isArgError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name.startsWith('-')) {
    if (name === '--version' || name === '-V') {
      io.stdout(`pipetrace ${version()}\n`);
      return EXIT.ok;
    }
    if (name === '--help' || name === '-h') {
      io.stdout(await overview());
      return EXIT.ok;
    }
    io.stderr(await overview());
    return EXIT.usage;
  }
  if (name === 'help') {
    const topic = rest[0];
    const load = topic === undefined ? undefined : commands[topic];
    io.stdout(load === undefined ? await overview() : `${(await load()).usage}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (load === undefined) {
    io.stderr(`pipetrace: unknown command ${JSON.stringify(name)}\n\n${await overview()}`);
    return EXIT.usage;
  }
  let command: Command | undefined;
  try {
    command = await load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isArgError(error)) {
      io.stderr(`pipetrace ${name}: ${(error as Error).message}\n\n${command?.usage ?? ''}\n`);
      return EXIT.usage;
    }
    if (error instanceof DataError) {
      io.stderr(`pipetrace ${name}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (isPipetraceError(error)) {
      io.stderr(`pipetrace ${name}: ${error.message}\n`);
      return error.code === 'invalid_input' || error.code === 'ambiguous' ? EXIT.usage : EXIT.failed;
    }
    io.stderr(`pipetrace ${name}: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.failed;
  }
}

/** True when this file is the program being run (not imported by a test or a bundle). */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => stop.abort());
  }
  const io: Io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    signal: stop.signal,
    stderrIsTTY: process.stderr.isTTY === true,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`pipetrace: ${(error as Error)?.stack ?? error}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
