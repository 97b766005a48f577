import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { cachedChunk, readRowManifest } from '../src/rows/chunk-cache.js';
import { hashKeys } from '../src/rows/format/keys.js';
import { writeRowLineage } from '../src/rows/index.js';
import { lookupPair } from '../src/rows/lookup.js';

/** Matches as sorted "query:hash" strings, whatever order a lookup emitted them in. */
function matches(m: Awaited<ReturnType<typeof lookupPair>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < m.count; i++) out.push(`${m.query[i]}:${m.hash[2 * i]}:${m.hash[2 * i + 1]}`);
  return out.sort();
}

describe('forward lookups of a few rows through map and many pairs', () => {
  it('find by one input order of the pair exactly what a full scan finds, repeated input rows included', async () => {
    const store = memoryStore();
    const n = 50_000;
    // Each input row feeds 1 to 3 output rows (a join fanning out).
    const outputKeys: string[] = [];
    const inputKeys: string[] = [];
    for (let i = 0; i < n; i++)
      for (let k = 0; k <= i % 3; k++) {
        outputKeys.push(`o${i}-${k}`);
        inputKeys.push(`i${i}`);
      }
    await writeRowLineage(store, 'run-1', [{ output: 'out', input: 'in', kind: 'many', outputKeys, inputKeys }]);
    const pair = (await readRowManifest(store, 'run-1'))?.pairs[0];
    if (pair === undefined) throw new Error('no pair');
    const few = Array.from({ length: 40 }, (_, j) => `i${(j * 7919) % n}`).concat(['nowhere']);
    const probed = await lookupPair(store, 'run-1', pair, hashKeys(few), 'forward');
    // The few queries went by one input order of the whole pair, kept with its first chunk.
    expect(pair.counts.length).toBeGreaterThan(4);
    const first = pair.counts.findIndex((c) => c > 0);
    const order = cachedChunk(store, pair, first)?.pairInputs;
    expect(order?.hi.length).toBe(outputKeys.length);
    expect(order?.starts.length).toBe(pair.counts.filter((c) => c > 0).length + 1);
    // The same queries among enough others that the lookup scans every entry instead.
    const many = few.concat(Array.from({ length: 40_000 }, (_, j) => `x${j}`));
    const scanned = await lookupPair(store, 'run-1', pair, hashKeys(many), 'forward');
    expect(matches(probed)).toEqual(matches(scanned));
    expect(probed.count).toBe(few.slice(0, 40).reduce((s, k) => s + (Number(k.slice(1)) % 3) + 1, 0));
  });
});
