/**
 * Dashboard figures (issue 6): time until the trace view is drawn in headless Chromium over a
 * store like the demo's, the dashboard bundle's size, and the core bundle's size (src/index.ts
 * plus the IndexedDB adapter, graphology external), minified and gzipped.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { BUNDLE_BUILD_OPTIONS, dashboardRoutes } from '../adapters/http/dashboard-routes.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { logSamplePipeline } from '../dashboard/sample.js';
import { createPipetrace } from '../src/index.js';
import { CHROMIUM_PATH } from '../test/browser/harness.js';
import { percentile, report, round } from './lib.js';

const CHROMIUM = CHROMIUM_PATH;
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function minified(contents: string, external: string[]): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents, resolveDir: resolve('.'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    external,
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { contents: Uint8Array }).contents;
}

const kbGz = (bytes: Uint8Array) => round(gzipSync(bytes, { level: 9 }).length / 1024, 1);

// The dashboard as `npm run build:dashboard` writes it: the entry, plus chunks loaded only for an in-page store.
const dir = await mkdtemp(join(tmpdir(), 'pipetrace-bench-'));
const split = await build({
  ...BUNDLE_BUILD_OPTIONS,
  entryPoints: ['dashboard/main.ts'],
  outdir: dir,
  write: true,
  metafile: true,
  logLevel: 'silent',
});
// The monitoring view's chunks (the view, uPlot) load only on that view: dashboard-monitor.bench.ts counts them.
const files = Object.entries(split.metafile.outputs)
  .filter(([, o]) => !Object.keys(o.inputs).some((i) => /^dashboard\/views\/(monitor|charts)\.ts$/.test(i)))
  .map(([f]) => resolve(f));
const entryFile = join(dir, 'pipetrace-dashboard.js');
const dashboard = await readFile(entryFile);
let chunks = 0;
for (const f of files) if (f !== entryFile) chunks += gzipSync(await readFile(f), { level: 9 }).length;
const core = await minified("export * from './src/index.ts';\nexport * from './adapters/indexeddb/index.ts';\n", [
  'graphology',
]);

// A store like the demo's: five days of ingest, clean, train and four inference batches.
const store = memoryStore();
const sample = await logSamplePipeline(createPipetrace({ store }), { days: 5, batches: 4, rows: 100 });
const server = createServer({ store, routes: dashboardRoutes({ bundleFile: entryFile }) });
const { url } = await server.listen(0, '127.0.0.1');
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
const times: number[] = [];
const blanks: number[] = [];
try {
  for (let i = 0; i < 7; i++) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    await page.goto(`${url}/#/trace/${encodeURIComponent(sample.predictions)}`);
    // Milliseconds since navigation start when the DAG's nodes are in the document and laid out.
    const ms = await page.waitForFunction(
      () => {
        const host = document.querySelector('pipetrace-dashboard');
        const node = host?.shadowRoot?.querySelector('svg g[data-run]');
        return node !== null && node !== undefined && node.getBoundingClientRect().width > 0
          ? performance.now()
          : false;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    times.push(Number(await ms.jsonValue()));
    await page.close();
    // The same browser opening a trivial page from the same server: what any page costs here.
    const blank = await browser.newPage();
    await blank.goto(`${url}/api/v1/health`, { waitUntil: 'load' });
    blanks.push(
      await blank.evaluate(() => performance.getEntriesByType('navigation')[0]?.duration ?? performance.now()),
    );
    await blank.close();
  }
} finally {
  await browser.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}

report({
  dashboard_first_render_ms: round(percentile(times.slice(2), 50), 1),
  dashboard_first_render_ms_max: round(Math.max(...times.slice(2)), 1),
  blank_page_ms: round(percentile(blanks.slice(2), 50), 1),
  dashboard_first_render_vs_blank_page: round(percentile(times.slice(2), 50) / percentile(blanks.slice(2), 50), 2),
  dashboard_bundle_kb_gz: kbGz(dashboard),
  dashboard_bundle_kb_min: round(dashboard.length / 1024, 1),
  dashboard_store_chunks_kb_gz: round(chunks / 1024, 1),
  core_bundle_kb_gz: kbGz(core),
  core_bundle_kb_min: round(core.length / 1024, 1),
});
