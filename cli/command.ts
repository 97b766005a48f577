/** What every CLI command looks like, and the error that means "wrong usage" (exit 2). */

/** Where a command writes and what it may read from its process. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** Aborted when the process is asked to stop (SIGINT, SIGTERM). */
  signal: AbortSignal;
  /** stderr is a terminal: progress may be drawn in place. */
  stderrIsTTY?: boolean;
}

export interface Command {
  name: string;
  /** One line for `pipetrace --help`. */
  summary: string;
  /** The full usage text for `pipetrace NAME --help`. */
  usage: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: string[], io: Io): Promise<number>;
}

/** Bad arguments: main prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Bad data in a file a command reads (not bad arguments): main prints the message and exits 1. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
