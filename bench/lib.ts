/** Shared helpers for bench files. Each bench file runs in its own process and calls report(). */
import type { Pipetrace } from '../src/pipetrace.js';

const CHAIN_COMPONENTS = ['ingest', 'clean', 'features', 'train', 'infer'];

/**
 * Logs n runs through logRuns in batches of 1,000: run i of component i % 5 reads p(i-1) and
 * p(i-2) and writes p(i), 2 ms apart from `start`. Returns the time after the last run.
 */
export async function logChain(pt: Pipetrace, n: number, start = Date.UTC(2026, 0, 1)): Promise<number> {
  let t = start;
  for (let b = 0; b < n; b += 1000) {
    const batch = [];
    for (let i = b; i < b + 1000; i++, t += 2) {
      batch.push({
        component: CHAIN_COMPONENTS[i % 5] as string,
        startedAt: t,
        endedAt: t + 1,
        inputs: [`p${i - 1}`, `p${i - 2}`],
        outputs: [`p${i}`],
      });
    }
    await pt.logRuns(batch);
  }
  return t;
}

export type Figures = Record<string, number | string | boolean | null>;

const MARK = 'BENCH_RESULT ';

/** Print this file's figures for bench/run.ts to collect. */
export function report(figures: Figures): void {
  process.stdout.write(`${MARK}${JSON.stringify(figures)}\n`);
}

export function parseReport(stdout: string): Figures | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  return line === undefined ? undefined : (JSON.parse(line.slice(MARK.length)) as Figures);
}

export function percentile(samples: number[], p: number): number {
  const sorted = samples.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Milliseconds of each of `n` calls of `fn`, after `warmup` unmeasured calls. */
export async function sample(n: number, fn: () => unknown, warmup = Math.min(50, n)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Per-call milliseconds, one figure per batch of `perBatch` calls (the batch's mean). For calls of
 * a few microseconds, timing each call alone measures the timer as much as the call; the median of
 * batch means is a p50 without that bias.
 */
export async function sampleBatched(
  batches: number,
  perBatch: number,
  fn: () => unknown,
  warmup = 200,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) await fn();
    out.push((performance.now() - t0) / perBatch);
  }
  return out;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
