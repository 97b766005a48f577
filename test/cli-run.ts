/** Running the CLI in tests: main() in this process, or a child process's output collected. */
import type { ChildProcess } from 'node:child_process';
import { main } from '../cli/main.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** main() in this process, with `env` as its environment and output caught in strings. */
export async function runMain(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** A child's exit code and everything it printed, once it exits (code -1 if it could not start). */
export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => {
      stdout += c;
    });
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    child.on('error', (error) => done({ code: -1, stdout, stderr: String(error) }));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}
