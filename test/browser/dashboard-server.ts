/** The dashboard bundled from the current source (a stale dist/ must not be what is tested), served over a store. */
import { join } from 'node:path';
import { dashboardRoutes } from '../../adapters/http/dashboard-routes.js';
import { createServer, type PipetraceServer, type ServerOptions } from '../../adapters/http/server.js';
import { bundle, writeTempDir } from './harness.js';

/** A real server on a loopback port with the dashboard's routes; the other options as given. */
export async function serveDashboard(options: Omit<ServerOptions, 'routes'>): Promise<PipetraceServer> {
  const dir = await writeTempDir({ 'pipetrace-dashboard.js': await bundle('dashboard/main.ts') });
  const server = createServer({
    ...options,
    routes: dashboardRoutes({ bundleFile: join(dir, 'pipetrace-dashboard.js') }),
  });
  await server.listen(0, '127.0.0.1');
  return server;
}
