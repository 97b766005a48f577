import { main } from '../cli/main.js';

/** main() in this process with an empty environment, its output captured. */
export async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
