/**
 * The monitoring view's figures (issue 12 §4): what the split dashboard bundle loads at first
 * (the entry and the chunks it imports statically), the monitoring view's chunk and the chart
 * chunk (uPlot), minified and gzipped; and the time until the view's first chart is drawn in
 * headless Chromium over a store with a planted shift.
 * Run: npm run bench -- dashboard-monitor
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { chromium } from 'playwright-core';
import { BUNDLE_BUILD_OPTIONS, BUNDLE_NAME, dashboardRoutes } from '../adapters/http/dashboard-routes.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { createPipetrace } from '../src/index.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/harness.js';
import { plantedShift } from '../test/browser/monitor-sample.js';
import { percentile, report, round } from './lib.js';

const dir = await mkdtemp(join(tmpdir(), 'pipetrace-bench-monitor-'));
const { metafile } = await build({
  ...BUNDLE_BUILD_OPTIONS,
  entryPoints: ['dashboard/main.ts'],
  outdir: dir,
  metafile: true,
  logLevel: 'silent',
});
const outputs = metafile.outputs as Metafile['outputs'];
const byName = new Map(Object.entries(outputs).map(([path, o]) => [basename(path), o]));
const holding = (input: string) =>
  [...byName].find(([, o]) => Object.keys(o.inputs).some((i) => i.endsWith(input)))?.[0] as string;
/** A file and the chunks it imports statically, transitively. */
function closure(name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const i of byName.get(n)?.imports ?? []) if (i.kind === 'import-statement') visit(basename(i.path));
  };
  visit(name);
  return seen;
}
const gz = async (names: Iterable<string>) => {
  let bytes = 0;
  for (const n of names) bytes += gzipSync(await readFile(join(dir, n)), { level: 9 }).length;
  return round(bytes / 1024, 1);
};
const initial = closure(BUNDLE_NAME);
const view = [...closure(holding('dashboard/views/monitor.ts'))].filter((n) => !initial.has(n));
const charts = [...closure(holding('dashboard/views/charts.ts'))].filter((n) => !initial.has(n) && !view.includes(n));

const store = memoryStore();
await plantedShift(createPipetrace({ store }));
const server = createServer({ store, routes: dashboardRoutes({ bundleFile: join(dir, BUNDLE_NAME) }) });
const { url } = await server.listen(0, '127.0.0.1');
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
const times: number[] = [];
try {
  for (let i = 0; i < 7; i++) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    await page.goto(`${url}/#/monitor`);
    // Milliseconds since navigation start when a chart's canvas is in the document with a width.
    const ms = await page.waitForFunction(
      () => {
        const canvas = document.querySelector('pipetrace-dashboard')?.shadowRoot?.querySelector('.mon-chart canvas');
        return canvas != null && canvas.getBoundingClientRect().width > 0 ? performance.now() : false;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    times.push(Number(await ms.jsonValue()));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

report({
  dashboard_initial_load_kb_gz: await gz(initial),
  dashboard_monitor_view_chunk_kb_gz: await gz(view),
  dashboard_chart_chunk_kb_gz: await gz(charts),
  dashboard_monitor_first_chart_ms: round(percentile(times.slice(2), 50), 1),
});
await rm(dir, { recursive: true, force: true });
