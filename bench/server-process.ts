/** A real `pipetrace serve --store memory` in its own process, for benches that load it from this one. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU milliseconds a process has used (Linux /proc), or NaN where that cannot be read. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Starts the server from the checkout at `root` (default this one) over `store`; resolves once it listens. */
export async function startServerProcess(
  token: string,
  root = new URL('..', import.meta.url).pathname,
  store = 'memory',
): Promise<{ url: string; cpuMs: () => number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--store', store, '--port', '0'], {
    cwd: root,
    env: { ...process.env, PIPETRACE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (\S+)/);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    cpuMs: () => cpuMsOf(child.pid),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
