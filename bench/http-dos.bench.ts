/**
 * Open read routes under hostile bodies: 4 clients keep sending 16 MiB JSON bodies to a read
 * route (two with Content-Length, two chunked) while a probe measures `/health`.
 * - http_health_p99_under_big_read_bodies_ms: the probe's p99 (target <= 50 ms).
 * BENCH_SERVER_ROOT=<another checkout> measures that checkout's server instead (before/after).
 */
import { Agent, request } from 'node:http';
import { percentile, report, round } from './lib.js';
import { startServerProcess } from './server-process.js';

const SECONDS = 8;
const BODY = Buffer.from(JSON.stringify({ ids: Array.from({ length: 700_000 }, (_, i) => `run-${i}-padding-x`) }));

/** One POST of BODY; resolves with the status, or 0 when the server closed the connection first. */
function bigRead(url: URL, chunked: boolean): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/api/v1/store/runs/get',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': BODY.length }) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    if (chunked) {
      for (let i = 0; i < BODY.length; i += 1 << 20) req.write(BODY.subarray(i, i + (1 << 20)));
      req.end();
    } else req.end(BODY);
  });
}

function health(agent: Agent, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/v1/health', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`health ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const server = await startServerProcess('bench-token-0123456789', process.env.BENCH_SERVER_ROOT);
try {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) await health(agent, url);
  const until = performance.now() + SECONDS * 1000;
  const statuses = new Map<number, number>();
  const attackers = [false, false, true, true].map(async (chunked) => {
    while (performance.now() < until) {
      const status = await bigRead(url, chunked);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  });
  const latencies: number[] = [];
  const probe = (async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      await health(agent, url);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await Promise.all([...attackers, probe]);
  agent.destroy();
  report({
    http_health_p99_under_big_read_bodies_ms: round(percentile(latencies, 99), 1),
    http_health_p50_under_big_read_bodies_ms: round(percentile(latencies, 50), 1),
    http_big_read_bodies_sent: [...statuses.values()].reduce((a, b) => a + b, 0),
    http_big_read_bodies_refused_413: statuses.get(413) ?? 0,
  });
} finally {
  await server.stop();
}
