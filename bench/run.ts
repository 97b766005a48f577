/**
 * npm run bench [-- NAME ...]: runs each bench/NAME.bench.ts in a fresh process, prints the
 * merged figures as JSON and writes them to bench/results/latest.json. With names, only those
 * files run and their figures are merged into the existing latest.json. A name also selects its
 * family: `scale` runs scale.bench.ts and every scale-*.bench.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Figures, parseReport } from './lib.js';

const dir = new URL('.', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => name === f || selects(name, f.replace('.bench.ts', ''))))
  .sort();
/** NAME runs NAME.bench.ts and NAME-*.bench.ts; a whole file name (NAME.bench.ts) runs that file alone. */
function selects(name: string, base: string): boolean {
  return base === name || base.startsWith(`${name}-`);
}
if (files.length === 0) {
  console.error(`no bench files match ${only.join(' ')}`);
  process.exit(2);
}

const outFile = join(dir, 'results', 'latest.json');
const previous: Figures =
  only.length > 0 && existsSync(outFile) ? (JSON.parse(readFileSync(outFile, 'utf8')).figures ?? {}) : {};
const figures: Figures = { ...previous };
let failed = false;
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = parseReport(child.stdout ?? '');
  if (child.status !== 0 || result === undefined) {
    failed = true;
    process.stderr.write(`bench: ${file} failed (exit ${child.status})\n${child.stdout}\n`);
    continue;
  }
  Object.assign(figures, result);
  process.stderr.write(`bench: ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const output = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  figures,
};
mkdirSync(join(dir, 'results'), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(output, null, 2)}\n`);
console.log(JSON.stringify(output, null, 2));
process.exit(failed ? 1 : 0);
