/**
 * The dashboard's server routes: serving the dashboard (dashboard/, which runs in the page) from
 * a pipetrace server. Node only, so it lives beside the server rather than in the page's folder.
 *
 *   createServer({ store, routes: dashboardRoutes() })   // GET / shows the dashboard
 *
 * The routes: the page at `/` (and `/index.html`) and the bundle at `/dashboard/pipetrace-dashboard.js`
 * (the queries the page makes are the server's own query routes). Chunks, and the entry asked
 * for by its version as the page does, may be kept by the browser for good. The
 * bundle is found in the published package (dist/dashboard/), in a repo's dist/ after
 * `npm run build:dashboard`, or, in a source checkout without a build, bundled on first request.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FONT_FAMILY } from '../../dashboard/font-family.js';
import { fontWarmScript } from '../../dashboard/font-warm.js';
import { prefetchScript } from '../../dashboard/home-requests.js';
import { PipetraceError } from '../../src/errors.js';
import { API_PREFIX } from './protocol.js';
import type { Route } from './router.js';

export const BUNDLE_NAME = 'pipetrace-dashboard.js';
export const BUNDLE_PATH = `/dashboard/${BUNDLE_NAME}`;

/** The served page's element talks to the server that served it (its token is kept under this url). */
const PAGE_URL = '';

/**
 * The page the server answers at `/`: one custom element talking to this same server. When it
 * opens home, its inline script starts home's requests while the bundle loads (home-requests.ts).
 * The element is a block before its shadow root draws (as `:host` makes it after): an empty
 * inline element is a line of text to lay out, and the page's first frame would look up the body's
 * font, a blocking call to the browser, in the frame rather than in a warm-up task (font-warm.ts).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pipetrace</title>
<link rel="icon" href="data:,">
<style>html, body { margin: 0; height: 100%; background: #f6f7f9; font: 14px/1.45 ${FONT_FAMILY}; } pipetrace-dashboard { display: block; }</style>
<script type="module" src="${BUNDLE_PATH}"></script>
<script>${prefetchScript(API_PREFIX, PAGE_URL)}</script>
<script>${fontWarmScript()}</script>
</head>
<body>
<pipetrace-dashboard url="${PAGE_URL}" hash></pipetrace-dashboard>
</body>
</html>
`;

export interface DashboardRouteOptions {
  /** A prebuilt bundle to serve instead of looking for one. */
  bundleFile?: string;
}

/** This module's directory, in ESM (source, dist/*.js) and CommonJS (dist/*.cjs) alike. */
function here(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/** Where a built bundle may be, nearest first: next to a bundled server, in dist/, in a repo's dist/. */
export function bundleCandidates(dir = here()): string[] {
  return [
    join(dir, 'dashboard', BUNDLE_NAME), // bundled into dist/cli.js -> dist/dashboard/
    join(dir, BUNDLE_NAME), // bundled into dist/dashboard/
    join(dir, '..', '..', 'dist', 'dashboard', BUNDLE_NAME), // repo: adapters/http/dashboard-routes.ts -> dist/dashboard/
  ];
}

/** The dashboard's source entry, when this module runs from a source checkout rather than a build. */
function sourceEntry(dir = here()): string | undefined {
  const entry = join(dir, '..', '..', 'dashboard', 'main.ts');
  return existsSync(join(dir, 'dashboard-routes.ts')) && existsSync(entry) ? entry : undefined;
}

/** A file name the bundle may hold: the entry and its chunks, nothing with a path in it. */
const FILE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.js$/;

let built: Promise<Map<string, Uint8Array>> | undefined;

/**
 * A file of the dashboard bundle (the entry or a chunk): from a built bundle if there is one,
 * else from an in-memory build of the source (once). Undefined when no such file exists.
 */
export async function loadBundleFile(
  name = BUNDLE_NAME,
  options: DashboardRouteOptions = {},
): Promise<Uint8Array | undefined> {
  if (!FILE_NAME.test(name)) return undefined;
  const entry = options.bundleFile ?? bundleCandidates().find((f) => existsSync(f));
  if (entry !== undefined) {
    if (name === BUNDLE_NAME) return readEntry(entry);
    const file = join(dirname(entry), name);
    return existsSync(file) ? readFile(file) : undefined;
  }
  const source = sourceEntry();
  if (source === undefined) {
    throw new PipetraceError(
      'not_found',
      `the dashboard bundle is missing (looked in ${bundleCandidates().join(', ')})`,
    );
  }
  built ??= buildFromSource(source).catch((error) => {
    built = undefined;
    throw error;
  });
  return (await built).get(name);
}

/** The entry's bytes as last read, by file, with the stamp of the file they were read from. */
const entryReads = new Map<string, { stamp: string; bytes: Uint8Array }>();

/**
 * The entry file's bytes, read again only when its mtime, size or inode changed: the page and
 * every entry request need them, and a rebuilt bundle must still be served fresh.
 */
async function readEntry(file: string): Promise<Uint8Array | undefined> {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  const stamp = `${info.mtimeNs}:${info.size}:${info.ino}`;
  const kept = entryReads.get(file);
  if (kept?.stamp === stamp) return kept.bytes;
  const bytes = await readFile(file);
  entryReads.set(file, { stamp, bytes });
  return bytes;
}

/** The entry file's bytes (see loadBundleFile). */
export async function loadBundle(options: DashboardRouteOptions = {}): Promise<Uint8Array> {
  const bytes = await loadBundleFile(BUNDLE_NAME, options);
  if (bytes === undefined) throw new PipetraceError('not_found', 'the dashboard bundle is missing');
  return bytes;
}

/** The options of `npm run build:dashboard`, so a source checkout serves what the package ships. */
export const BUNDLE_BUILD_OPTIONS = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  entryNames: 'pipetrace-dashboard',
  chunkNames: 'chunk-[hash]',
} as const;

async function buildFromSource(entry: string): Promise<Map<string, Uint8Array>> {
  const moduleName = 'esbuild'; // a variable, so bundlers of the server leave this dev-only import alone
  const esbuild = (await import(moduleName)) as typeof import('esbuild');
  const outdir = join(here(), '.build');
  const result = await esbuild.build({
    ...BUNDLE_BUILD_OPTIONS,
    entryPoints: [entry],
    outdir,
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>();
  for (const out of result.outputFiles) files.set(out.path.slice(outdir.length + 1), out.contents);
  if (!files.has(BUNDLE_NAME)) throw new PipetraceError('storage', 'esbuild produced no dashboard bundle');
  return files;
}

const HTML_BYTES = new TextEncoder().encode(DASHBOARD_HTML);

/** The chunks an entry imports statically (not its `import()`s): what the page needs at once. */
export function staticChunks(entry: string): string[] {
  return [
    ...new Set([...entry.matchAll(/(?:from|import)\s*"\.\/(chunk-[A-Za-z0-9_-]+\.js)"/g)].map((m) => m[1] as string)),
  ];
}

/** A short name for the entry's content: the page asks for the entry by it, so a browser may keep it. */
export function bundleVersion(entry: Uint8Array): string {
  return createHash('sha256').update(entry).digest('hex').slice(0, 16);
}

/** Each entry's version and page, made once per read of the entry (its bytes are kept while unchanged). */
const versions = new WeakMap<Uint8Array, string>();
const pages = new WeakMap<Uint8Array, Uint8Array>();

function versionOf(entry: Uint8Array): string {
  const known = versions.get(entry);
  if (known !== undefined) return known;
  const version = bundleVersion(entry);
  versions.set(entry, version);
  return version;
}

/** Chunk files are named by their content (esbuild's `chunk-[hash]`): one name, one content, forever. */
const CHUNK_NAME = /^chunk-[A-Za-z0-9]+\.js$/;
const KEEP = 'public, max-age=31536000, immutable';

/**
 * The page with a modulepreload link per chunk the entry imports, so the browser fetches them
 * beside the entry rather than a round trip after it, and the entry asked for by its content's
 * version (`?v=`), so a second visit takes the whole bundle from the browser's cache. The plain
 * page if the bundle is missing.
 */
async function pageBytes(options: DashboardRouteOptions): Promise<Uint8Array> {
  const entry = await loadBundleFile(BUNDLE_NAME, options).catch(() => undefined);
  if (entry === undefined) return HTML_BYTES;
  const kept = pages.get(entry);
  if (kept !== undefined) return kept;
  const chunks = staticChunks(new TextDecoder().decode(entry));
  const links = chunks.map((c) => `<link rel="modulepreload" href="/dashboard/${c}">\n`).join('');
  const page = new TextEncoder().encode(
    DASHBOARD_HTML.replace(
      `<script type="module" src="${BUNDLE_PATH}">`,
      `${links}<script type="module" src="${BUNDLE_PATH}?v=${versionOf(entry)}">`,
    ),
  );
  pages.set(entry, page);
  return page;
}

/** The dashboard's routes, to pass as `routes` to createServer (with any other extra routes). */
export function dashboardRoutes(options: DashboardRouteOptions = {}): Route[] {
  const page: Route['handle'] = async () => ({
    binary: await pageBytes(options),
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  });
  const routes: Route[] = [
    { method: 'GET', path: '/', access: 'public', summary: 'the dashboard page', handle: page },
    { method: 'GET', path: '/index.html', access: 'public', summary: 'the dashboard page', handle: page },
    {
      method: 'GET',
      path: '/dashboard/:file',
      access: 'public',
      summary: 'the dashboard bundle (ES module entry and chunks)',
      handle: async ({ params, query }) => {
        const file = params.file as string;
        const bytes = await loadBundleFile(file, options);
        if (bytes === undefined) throw new PipetraceError('not_found', `no dashboard file ${JSON.stringify(file)}`);
        // Kept by the browser when the name says the content: a chunk, or the entry asked by its version.
        const keep = CHUNK_NAME.test(file) || (file === BUNDLE_NAME && query.get('v') === versionOf(bytes));
        return {
          binary: bytes,
          // Public code: any page may load it as a module script (module scripts need CORS).
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': keep ? KEEP : 'no-cache',
            'access-control-allow-origin': '*',
          },
        };
      },
    },
  ];
  return routes;
}
