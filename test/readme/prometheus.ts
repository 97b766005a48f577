import { createServer } from 'node:http';
import { createPipetrace } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';
import { registerPipetraceMetrics } from 'pipetrace/server';
import { Counter, Registry } from 'prom-client';

const pt = createPipetrace({ store: memoryStore() });
await pt.logRun({ component: 'clean', startedAt: 1, endedAt: 2, error: new Error('disk full') });

const registry = new Registry(); // or prom-client's default `register`
const jobs = new Counter({ name: 'app_jobs_total', help: 'Jobs done.', registers: [registry] });
registerPipetraceMetrics(registry, pt); // pipetrace's families beside your own
jobs.inc();

const server = createServer(async (req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
});
server.listen(0, async () => {
  const { port } = server.address() as { port: number };
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  console.log(text.match(/^pipetrace_run_failures_total.*$/m)?.[0]); // …{component="clean"} 1
  server.close();
});
