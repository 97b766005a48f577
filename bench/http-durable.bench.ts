/**
 * Durable single-run writes over HTTP (issue 17 §3): a real `pipetrace serve --store <folder>`
 * (fs-json, fsync before every acknowledgement) in its own process, loaded by 16 light node:http
 * clients on loopback, each sending one run per request and waiting for the answer.
 *   http_durable_single_runs_per_s   PUT /api/v1/store/runs, 16 clients x 300 requests (target >= 3,000)
 *   http_durable_single_p50_ms / _p99_ms   their latencies (p99 194 ms before group commit)
 *   http_durable_post_runs_per_s     the same through POST /api/v1/runs (dependencies inferred)
 * Concurrent requests share one append and one fsync (group commit in the fs-json store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, report, round } from './lib.js';
import { benchRun, rawRequest, startServerProcess } from './server-process.js';

const TOKEN = 'bench-token-0123456789';
const CLIENTS = 16;
const REQUESTS = 300;

const send = (agent: Agent, url: URL, method: string, path: string, body: string) =>
  rawRequest(agent, url, TOKEN, method, path, body);

let seq = 0;
const run = (component: string) => benchRun('durable', ++seq, component);

/** 16 clients, `n` requests each; the latencies in ms and the seconds it took. */
async function round16(
  agent: Agent,
  url: URL,
  n: number,
  post: boolean,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, k) => {
      for (let i = 0; i < n; i++) {
        const r = run(`c${k}`);
        const s = performance.now();
        const status = post
          ? await send(agent, url, 'POST', '/api/v1/runs', JSON.stringify({ run: r }))
          : await send(agent, url, 'PUT', '/api/v1/store/runs', JSON.stringify({ runs: [r] }));
        if (status !== (post ? 201 : 200)) throw new Error(`status ${status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

const dir = mkdtempSync(join(tmpdir(), 'pipetrace-http-durable-'));
const server = await startServerProcess(TOKEN, undefined, join(dir, 'store'));
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
try {
  const url = new URL(server.url);
  await round16(agent, url, 30, false);
  const put = await round16(agent, url, REQUESTS, false);
  await round16(agent, url, 30, true);
  const post = await round16(agent, url, REQUESTS, true);
  report({
    http_durable_single_runs_per_s: round((CLIENTS * REQUESTS) / put.seconds, 0),
    http_durable_single_clients: CLIENTS,
    http_durable_single_p50_ms: round(percentile(put.latencies, 50), 2),
    http_durable_single_p99_ms: round(percentile(put.latencies, 99), 2),
    http_durable_post_runs_per_s: round((CLIENTS * REQUESTS) / post.seconds, 0),
    http_durable_post_p99_ms: round(percentile(post.latencies, 99), 2),
    http_durable_load_average_1m: round(loadavg()[0] ?? Number.NaN, 1),
  });
} finally {
  agent.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
