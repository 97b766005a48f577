/**
 * Serving the dashboard from a pipetrace server. Node only.
 *
 *   createServer({ store, routes: dashboardRoutes() })   // GET / shows the dashboard
 *
 * The routes: the page at `/` (and `/index.html`), the bundle at `/dashboard/pipetrace-dashboard.js`,
 * and `GET /api/v1/rows/trace?pointer=&key=&direction=` (row lineage for the row view). The
 * bundle is found in the published package (dist/dashboard/), in a repo's dist/ after
 * `npm run build:dashboard`, or, in a source checkout without a build, bundled on first request.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../adapters/http/routes.js';
import { invalid, PipetraceError } from '../src/errors.js';
import { impact } from '../src/rows/impact.js';
import { traceRow } from '../src/rows/trace.js';
import { parseRowKey, rowTraceToJson } from './api.js';

export const BUNDLE_NAME = 'pipetrace-dashboard.js';
export const BUNDLE_PATH = `/dashboard/${BUNDLE_NAME}`;

/** The page the server answers at `/`: one custom element talking to this same server. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pipetrace</title>
<link rel="icon" href="data:,">
<style>html, body { margin: 0; height: 100%; background: #f6f7f9; }</style>
<script type="module" src="${BUNDLE_PATH}"></script>
</head>
<body>
<pipetrace-dashboard url=""></pipetrace-dashboard>
</body>
</html>
`;

export interface DashboardRouteOptions {
  /** A prebuilt bundle to serve instead of looking for one. */
  bundleFile?: string;
  /** Leave out the row lineage route (e.g. when the server already has one). */
  rowRoutes?: boolean;
}

/** This module's directory, in ESM (source, dist/*.js) and CommonJS (dist/*.cjs) alike. */
function here(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/** Where a built bundle may be, nearest first: next to a bundled server, in dist/, in a repo's dist/. */
export function bundleCandidates(dir = here()): string[] {
  return [
    join(dir, 'dashboard', BUNDLE_NAME), // dist/server.js -> dist/dashboard/
    join(dir, BUNDLE_NAME), // dist/dashboard/routes.js
    join(dir, '..', 'dist', 'dashboard', BUNDLE_NAME), // repo: dashboard/routes.ts -> dist/dashboard/
  ];
}

let built: Promise<Uint8Array> | undefined;

/** The bundle's bytes: a built file if there is one, else bundled from source with esbuild, once. */
export async function loadBundle(options: DashboardRouteOptions = {}): Promise<Uint8Array> {
  const found = options.bundleFile ?? bundleCandidates().find((f) => existsSync(f));
  if (found !== undefined) return readFile(found);
  const source = join(here(), 'main.ts');
  if (!existsSync(source)) {
    throw new PipetraceError(
      'not_found',
      `the dashboard bundle is missing (looked in ${bundleCandidates().join(', ')})`,
    );
  }
  built ??= buildFromSource(source).catch((error) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function buildFromSource(entry: string): Promise<Uint8Array> {
  const moduleName = 'esbuild'; // a variable, so bundlers of the server leave this dev-only import alone
  const esbuild = (await import(moduleName)) as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new PipetraceError('storage', 'esbuild produced no dashboard bundle');
  return out.contents;
}

const HTML_BYTES = new TextEncoder().encode(DASHBOARD_HTML);

/** The dashboard's routes, to pass as `routes` to createServer (with any other extra routes). */
export function dashboardRoutes(options: DashboardRouteOptions = {}): Route[] {
  const page: Route['handle'] = async () => ({
    binary: HTML_BYTES,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  });
  const routes: Route[] = [
    { method: 'GET', path: '/', access: 'public', summary: 'the dashboard page', handle: page },
    { method: 'GET', path: '/index.html', access: 'public', summary: 'the dashboard page', handle: page },
    {
      method: 'GET',
      path: BUNDLE_PATH,
      access: 'public',
      summary: 'the dashboard bundle (ES module)',
      handle: async () => ({
        binary: await loadBundle(options),
        headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' },
      }),
    },
  ];
  if (options.rowRoutes !== false) routes.push(...rowRoutes());
  return routes;
}

/** `GET /api/v1/rows/trace?pointer=&key=<JSON>&direction=backward|forward[&run=]`: a row's lineage. */
export function rowRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/rows/trace',
      access: 'read',
      summary: 'traceRow / impact: ?pointer=&key=<JSON key>&direction=backward|forward&run= -> RowTrace',
      handle: async ({ store, query }) => {
        const one = (name: string) => {
          const all = query.getAll(name);
          if (all.length > 1) throw invalid(name, 'is given more than once');
          return all[0];
        };
        const pointer = one('pointer');
        const key = one('key');
        if (pointer === undefined) throw invalid('pointer', 'is required');
        if (key === undefined) throw invalid('key', 'is required (JSON: "a", 42 or ["a", 1])');
        const direction = one('direction') ?? 'backward';
        if (direction !== 'backward' && direction !== 'forward')
          throw invalid('direction', 'must be backward or forward');
        const run = one('run');
        const walk = direction === 'forward' ? impact : traceRow;
        const trace = await walk(store, pointer, parseRowKey(key), run === undefined ? {} : { run });
        return { json: rowTraceToJson(trace) };
      },
    },
  ];
}
