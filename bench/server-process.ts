/** A real `pipetrace serve --store memory` in its own process, for benches that load it from this one. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import type { Run } from '../src/model.js';

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

/** One request with a JSON body over a keep-alive agent, with the write token; resolves with the status. */
export function rawRequest(
  agent: Agent,
  url: URL,
  token: string,
  method: string,
  path: string,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The `seq`th run an HTTP bench sends, id `<prefix>-<seq>`: it reads the previous run's output. */
export function benchRun(prefix: string, seq: number, component: string): Run {
  const t = 1_700_000_000_000 + seq;
  return {
    id: `${prefix}-${String(seq).padStart(9, '0')}`,
    component,
    startedAt: t,
    endedAt: t + 5,
    status: 'succeeded',
    inputs: [`data/${component}/${seq - 1}.csv`],
    outputs: [`data/${component}/${seq}.csv`],
    dependencies: [],
    notes: [],
    params: { lr: 0.01, depth: 6 },
    metrics: { rmse: 0.42 },
  };
}
