/** The dashboard as `npm run build:dashboard` writes it (minified, split), served over a store on loopback. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_BUILD_OPTIONS, dashboardRoutes } from '../adapters/http/dashboard-routes.js';
import { createServer } from '../adapters/http/server.js';
import type { Store } from '../src/store.js';

/** Builds the bundle into a fresh directory (`dir`, for the caller to remove); `serve` starts a server over a store. */
export async function builtDashboard(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await build({
    ...BUNDLE_BUILD_OPTIONS,
    entryPoints: ['dashboard/main.ts'],
    outdir: dir,
    write: true,
    logLevel: 'silent',
  });
  const bundleFile = join(dir, 'pipetrace-dashboard.js');
  const serve = async (store: Store) => {
    const server = createServer({ store, env: {}, routes: dashboardRoutes({ bundleFile }) });
    await server.listen(0, '127.0.0.1');
    return server;
  };
  return { dir, serve };
}
