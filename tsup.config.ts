import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One entry per public subpath (see "exports" in package.json). The CLI is ESM only.
const library: Record<string, string> = {
  index: 'src/index.ts',
  testing: 'src/testing.ts',
  openlineage: 'src/openlineage/index.ts',
  'adapters/memory': 'adapters/memory.ts',
  'adapters/fs-json': 'adapters/fs-json/index.ts',
  'adapters/indexeddb': 'adapters/indexeddb/index.ts',
  'adapters/dexie': 'adapters/dexie/index.ts',
  'adapters/http': 'adapters/http/client.ts',
  'adapters/postgres': 'adapters/postgres/index.ts',
  server: 'adapters/http/server.ts',
  node: 'node/index.ts',
  browser: 'browser/index.ts',
  analyst: 'src/analyst/index.ts',
  render: 'src/render/index.ts',
  dashboard: 'dashboard/main.ts',
};

const workers = { 'worker/browser': 'worker/browser.ts', 'worker/node': 'worker/node.ts' };
const cli = { cli: 'cli/main.ts' };

// A moved or renamed entry file must fail the build, not silently drop a published subpath.
const missing = Object.values({ ...library, ...workers, ...cli }).filter((file) => !existsSync(file));
if (missing.length > 0) {
  throw new Error(
    `tsup.config.ts: entry file(s) missing: ${missing.join(', ')} (update the entries and package.json "exports")`,
  );
}

export default defineConfig([
  {
    entry: library,
    format: ['esm', 'cjs'],
    // The workers' declarations are built here too: this build's dts step first deletes every
    // .d.ts in dist, which would remove theirs if the worker builds below wrote them.
    dts: { entry: { ...library, ...workers } },
    splitting: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    target: 'es2022',
  },
  // The analysis workers: one self-contained file each (dependencies bundled, no shared chunks),
  // so a bundler, a plain <script type=module> host or worker_threads can load them by URL.
  ...(['browser', 'node'] as const).map((platform) => ({
    entry: { [`worker/${platform}`]: `worker/${platform}.ts` },
    format: ['esm' as const, 'cjs' as const],
    platform,
    dts: false,
    splitting: false,
    sourcemap: true,
    treeshake: true,
    target: platform === 'node' ? 'node20' : 'es2022',
    noExternal: [/.*/],
  })),
  {
    entry: cli,
    format: ['esm' as const],
    platform: 'node' as const,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
  },
]);
