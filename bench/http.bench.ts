/**
 * HTTP adapter throughput on loopback: a real `pipetrace serve --store memory` in its own
 * process, and httpStore clients in this one.
 * - http_log_runs_per_s: several clients logging batches of runs at once (target >= 5,000).
 * - http_requests_per_s: 16 httpStore clients each logging one run per request (target >= 1,000).
 * - http_server_requests_per_s: the same requests from a light node:http load generator, which
 *   shows what the server alone sustains (fetch costs the client more CPU than the server).
 * - http_request_{client,server}_cpu_ms: CPU per single-run request on each side, a figure the
 *   load of a shared machine disturbs less than a rate.
 */
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { httpStore } from '../adapters/http/client.js';
import { percentile, report, round } from './lib.js';
import { benchRun, rawRequest, startServerProcess } from './server-process.js';

const TOKEN = 'bench-token-0123456789';

const startServer = () => startServerProcess(TOKEN);

/** One PUT of a body over a keep-alive agent; resolves with the status. */
const rawPut = (agent: Agent, url: URL, body: string) =>
  rawRequest(agent, url, TOKEN, 'PUT', '/api/v1/store/runs', body);

let seq = 0;
const run = (component: string) => benchRun('bench', ++seq, component);

const server = await startServer();
try {
  // Batched: 4 clients x 30 batches x 500 runs.
  const batchClients = Array.from({ length: 4 }, () => httpStore({ url: server.url, token: TOKEN }));
  await batchClients[0]?.putRuns([run('warmup')]);
  let t0 = performance.now();
  await Promise.all(
    batchClients.map(async (c, k) => {
      for (let b = 0; b < 30; b++) await c.putRuns(Array.from({ length: 500 }, () => run(`batch-${k}`)));
    }),
  );
  const batchSeconds = (performance.now() - t0) / 1000;
  const batchRuns = 4 * 30 * 500;

  // One run per request: 16 clients x 300 requests.
  const singleClients = Array.from({ length: 16 }, () => httpStore({ url: server.url, token: TOKEN }));
  // Warm both processes' JIT on this path first: cold, fetch costs about three times as much.
  await Promise.all(
    singleClients.map(async (c) => {
      for (let i = 0; i < 60; i++) await c.putRuns([run('warmup')]);
    }),
  );
  const latencies: number[] = [];
  const serverCpu0 = server.cpuMs();
  const clientCpu0 = process.cpuUsage();
  t0 = performance.now();
  await Promise.all(
    singleClients.map(async (c, k) => {
      for (let i = 0; i < 300; i++) {
        const s = performance.now();
        await c.putRuns([run(`single-${k}`)]);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const singleSeconds = (performance.now() - t0) / 1000;
  const requests = 16 * 300;
  // CPU per request on each side: what capacity a quiet machine would give, whatever the load now.
  const clientCpu = process.cpuUsage(clientCpu0);
  const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000 / requests;
  const serverCpuMs = (server.cpuMs() - serverCpu0) / requests;

  // Reads of one run each, same concurrency.
  t0 = performance.now();
  await Promise.all(
    singleClients.map(async (c) => {
      for (let i = 0; i < 300; i++) await c.getRuns([`bench-${String(1 + ((i * 7919) % seq)).padStart(9, '0')}`]);
    }),
  );
  const readSeconds = (performance.now() - t0) / 1000;

  // The server alone: the same requests from a light node:http load generator (16 connections),
  // since fetch in the client process costs more CPU per request than the server does.
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const target = new URL(server.url);
  let refused = 0;
  const rawRound = (n: number) =>
    Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        for (let i = 0; i < n; i++) {
          if ((await rawPut(agent, target, JSON.stringify({ runs: [run(`raw-${k}`)] }))) !== 200) refused++;
        }
      }),
    );
  await rawRound(30);
  t0 = performance.now();
  await rawRound(300);
  const rawSeconds = (performance.now() - t0) / 1000;
  agent.destroy();
  if (refused > 0) throw new Error(`${refused} raw requests failed`);

  const total = (await batchClients[0]?.scanRuns({ limit: 1, component: 'batch-0' }))?.runs.length ?? 0;
  if (total !== 1) throw new Error('the server lost the batched runs');
  for (const c of [...batchClients, ...singleClients]) await c.close();

  report({
    http_log_runs_per_s: round(batchRuns / batchSeconds, 0),
    http_log_batch_size: 500,
    http_log_clients: 4,
    http_requests_per_s: round(requests / singleSeconds, 0),
    http_request_clients: 16,
    http_request_p50_ms: round(percentile(latencies, 50), 2),
    http_request_p99_ms: round(percentile(latencies, 99), 2),
    http_read_requests_per_s: round(requests / readSeconds, 0),
    http_server_requests_per_s: round(requests / rawSeconds, 0),
    http_request_client_cpu_ms: round(clientCpuMs, 3),
    http_request_server_cpu_ms: round(serverCpuMs, 3),
    http_load_average_1m: round(loadavg()[0] ?? Number.NaN, 1),
  });
} finally {
  await server.stop();
}
