/**
 * The fast capture paths write exactly what the straightforward ones do: big pairs are placed
 * into chunks in two passes a segment at a time (scatter.ts), and must give the same bytes as
 * the one-pass placement, repeated output keys in the same order.
 */
import { describe, expect, it } from 'vitest';
import { partitionChunks } from '../src/rows/format/chunk.js';
import { hashKeys } from '../src/rows/index.js';
import { prng } from './review-scenario.js';

/** Random output hashes, a share of them repeated (as `many` pairs repeat output keys). */
function randomHashes(seed: number, n: number, repeatEvery: number): { out: Uint32Array; inp: Uint32Array } {
  const rnd = prng(seed);
  const word = () => Math.floor(rnd() * 2 ** 32);
  const out = new Uint32Array(2 * n);
  const inp = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const from = i >= repeatEvery && i % repeatEvery === 0 ? Math.floor(rnd() * i) : -1;
    out[2 * i] = from < 0 ? word() : (out[2 * from] as number);
    out[2 * i + 1] = from < 0 ? word() : (out[2 * from + 1] as number);
    inp[2 * i] = word();
    inp[2 * i + 1] = word();
  }
  return { out, inp };
}

function expectSameChunks(a: ReturnType<typeof partitionChunks>, b: ReturnType<typeof partitionChunks>): void {
  expect(a.bits).toBe(b.bits);
  expect(a.counts).toEqual(b.counts);
  expect(a.w).toBe(b.w);
  expect(a.chunks.map((c) => c.index)).toEqual(b.chunks.map((c) => c.index));
  a.chunks.forEach((c, i) => {
    const other = b.chunks[i]?.data as Uint8Array;
    // Byte for byte; toEqual on 1,000 big arrays would be slow.
    const same = c.data.length === other.length && c.data.every((x, j) => x === other[j]);
    expect(same, `chunk ${c.index}`).toBe(true);
  });
}

describe('fast row capture', () => {
  it('places map pairs with repeated output keys in two passes exactly as in one', () => {
    for (const [seed, n, maxBits] of [
      [1, 300_000, 10],
      [2, 700_000, 7],
      [3, 400_000, 6],
    ] as const) {
      const { out, inp } = randomHashes(seed, n, 7);
      const fast = partitionChunks({ out, inp }, true, maxBits);
      const plain = partitionChunks({ out, inp }, true, maxBits, false);
      // Narrow pairs only: the two-pass placement is for them.
      expect(fast.bits).toBeGreaterThanOrEqual(6);
      expectSameChunks(fast, plain);
    }
  });

  it('places kept rows across more than one segment exactly as in one pass', () => {
    const { out } = randomHashes(4, 1_100_000, 1_000);
    expectSameChunks(partitionChunks({ out }, false), partitionChunks({ out }, false, 10, false));
  });

  it('hashes input keys straight into place the same way in both placements', () => {
    const n = 300_000;
    const rnd = prng(5);
    const outputKeys = Array.from({ length: n }, (_, i) => `out-${i}-${Math.floor(rnd() * 1e9)}`);
    const inputKeys = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i : `in-${Math.floor(rnd() * 1e9)}`));
    const out = hashKeys(outputKeys);
    const fromKeys = partitionChunks({ out, inputKeys }, true);
    expectSameChunks(fromKeys, partitionChunks({ out, inputKeys }, true, 10, false));
    // And as if the inputs had been hashed first.
    expectSameChunks(fromKeys, partitionChunks({ out, inp: hashKeys(inputKeys) }, true, 10, false));
  });

  it('names the bad input key by its index in either placement', () => {
    const n = 300_000;
    const out = hashKeys(Array.from({ length: n }, (_, i) => `o-${i}`));
    const inputKeys: unknown[] = Array.from({ length: n }, (_, i) => `i-${i}`);
    inputKeys[123_456] = { not: 'a key' };
    for (const twoPass of [true, false]) {
      expect(() => partitionChunks({ out, inputKeys: inputKeys as string[] }, true, 10, twoPass)).toThrow(
        /keys\[123456\]/,
      );
    }
  });
});
