/**
 * Open read routes under hostile bodies: 4 clients (in a process of their own) keep sending
 * 16 MiB JSON bodies to a read route, two with Content-Length and two chunked, while a probe
 * here measures `/health`.
 * - http_health_p99_under_big_read_bodies_ms: the probe's p99 (target <= 50 ms).
 * - http_health_p99_idle_ms: the same probe before the attack, for the machine's own noise.
 * - http_big_read_body_server_cpu_ms: server CPU per hostile request.
 * BENCH_SERVER_ROOT=<another checkout> measures that checkout's server instead (before/after).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { percentile, report, round } from './lib.js';
import { startServerProcess } from './server-process.js';

const SECONDS = 8;

/**
 * The 4 attacking clients, in a process of their own (so the probe's latency is the server's,
 * not this process's): each POSTs a 16 MiB JSON body to a read route, again and again, until
 * SECONDS pass; prints how the server answered, as JSON.
 */
const ATTACKERS = `
const http = require('node:http');
const [url, seconds] = [new URL(process.argv[1]), Number(process.argv[2])];
const body = Buffer.from(JSON.stringify({ ids: Array.from({ length: 700000 }, (_, i) => 'run-' + i + '-padding-x') }));
const until = Date.now() + seconds * 1000;
const statuses = {};
const once = (chunked) => new Promise((resolve) => {
  const req = http.request({ host: url.hostname, port: url.port, path: '/api/v1/store/runs/get', method: 'POST', agent: false,
    headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': body.length }) } }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
    res.on('error', () => resolve(res.statusCode));
  });
  req.on('error', () => resolve(0));
  if (chunked) { for (let i = 0; i < body.length; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20))); req.end(); }
  else req.end(body);
});
Promise.all([false, false, true, true].map(async (chunked) => {
  while (Date.now() < until) { const s = await once(chunked); statuses[s] = (statuses[s] || 0) + 1; }
})).then(() => console.log(JSON.stringify(statuses)));
`;

function attack(url: string): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['-e', ATTACKERS, url, String(SECONDS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`attackers exited ${code}`)))),
  );
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
  const agent = new Agent({ keepAlive: true });
  for (let i = 0; i < 50; i++) await health(agent, url);
  // Open loop: a request every 10 ms whether or not the last one was answered, so a server
  // stalled for a second counts as a hundred slow answers, not one.
  const probe = async (ms: number) => {
    const until = performance.now() + ms;
    const pending: Promise<number>[] = [];
    while (performance.now() < until) {
      const t0 = performance.now();
      pending.push(health(agent, url).then(() => performance.now() - t0));
      await new Promise((r) => setTimeout(r, 10));
    }
    return Promise.all(pending);
  };
  // The same probe with nobody attacking: what the machine itself gives.
  const idle = await probe(3000);
  const cpu0 = server.cpuMs();
  const attacked = attack(server.url);
  // Let the attackers start sending before the probe starts measuring.
  await new Promise((r) => setTimeout(r, 300));
  const latencies = await probe((SECONDS - 1) * 1000);
  const statuses = await attacked;
  const serverCpuMs = server.cpuMs() - cpu0;
  agent.destroy();
  report({
    http_health_p99_under_big_read_bodies_ms: round(percentile(latencies, 99), 1),
    http_health_p50_under_big_read_bodies_ms: round(percentile(latencies, 50), 1),
    http_health_p99_idle_ms: round(percentile(idle, 99), 1),
    http_big_read_bodies_sent: Object.values(statuses).reduce((a, b) => a + b, 0),
    http_big_read_bodies_refused_413: statuses['413'] ?? 0,
    // CPU the server spent per hostile request: less disturbed by the machine's load than p99.
    http_big_read_body_server_cpu_ms: round(serverCpuMs / Object.values(statuses).reduce((a, b) => a + b, 1), 2),
  });
} finally {
  await server.stop();
}
