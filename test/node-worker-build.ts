import { build } from 'esbuild';

/**
 * Bundles the Node analysis worker (worker/node.ts, dependencies included, as the package build
 * does) into `outfile`, for the tests and benchmarks that start it in worker_threads.
 */
export async function buildNodeWorker(outfile: string, format: 'esm' | 'cjs' = 'esm'): Promise<void> {
  await build({
    entryPoints: ['worker/node.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    outfile,
    logLevel: 'error',
  });
}
