/** Profiles: what run.profile() records, merging, storage, and bad input refused whole. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { isPipetraceError } from '../src/errors.js';
import { createPipetrace } from '../src/index.js';
import { decodeProfile, encodeProfile } from '../src/monitor/codec.js';
import type { NumericColumn } from '../src/monitor/column.js';
import { summarize } from '../src/monitor/compare.js';
import { cdfOf, quantileView } from '../src/monitor/kll.js';
import { checkedMoments, moments } from '../src/monitor/moments.js';
import { mergeProfiles, type Profile, profileData } from '../src/monitor/profile.js';

const refused = (fn: () => unknown, pattern: RegExp) => {
  try {
    fn();
  } catch (error) {
    expect(isPipetraceError(error, 'invalid_input')).toBe(true);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('not refused');
};

describe('profiles', () => {
  it('counts, moments, zeros and negatives of a numeric column, with null and NaN missing', () => {
    const p = profileData('p', { x: [3, null, -1, 0, Number.NaN, 2, undefined, Number.POSITIVE_INFINITY] });
    const x = p.columns.get('x') as NumericColumn;
    expect([x.type, x.count, x.missing, x.min, x.max, x.zeros, x.negatives]).toEqual(['number', 4, 4, -1, 3, 1, 1]);
    expect(x.mean).toBeCloseTo(1, 12);
    expect(x.m2 / (x.count - 1)).toBeCloseTo(10 / 3, 12);
    expect(x.sketch.n).toBe(4);
  });

  it('gives the same moments on the unchecked loop as on the checked one: NaN, -0, infinities, overflow (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 9000 }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom(Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300),
          ),
          { maxLength: 3 },
        ),
        (base, length, specials) => {
          // Long columns, so that a special value may fall in a later chunk than the first.
          const xs = Float64Array.from({ length }, (_, i) => (base[i % base.length] as number) + (i % 7));
          for (const [at, value] of specials) if (length > 0) xs[at % length] = value;
          const fast = moments(xs);
          const checked = checkedMoments(xs);
          for (const key of Object.keys(checked) as (keyof typeof checked)[]) {
            expect(Object.is(fast[key], checked[key]), `${key}: ${fast[key]} vs ${checked[key]}`).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('profiles 8- and 16-bit integer columns by their histogram: the same summary, quantiles exact', () => {
    const hours = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) % 24);
    const temps = Int16Array.from({ length: 40_000 }, (_, i) => ((i * 13) % 61) - 20);
    for (const column of [hours, temps]) {
      const small = profileData('p', { x: column }).columns.get('x') as NumericColumn;
      const wide = profileData('p', { x: Float64Array.from(column) }).columns.get('x') as NumericColumn;
      const { sketch: _s, mean, m2, ...counts } = small;
      const { sketch: _w, mean: wideMean, m2: wideM2, ...wideCounts } = wide;
      expect(counts).toEqual(wideCounts);
      expect(mean).toBeCloseTo(wideMean, 9);
      expect(m2 / wideM2).toBeCloseTo(1, 9);
      const view = quantileView(small.sketch);
      for (const x of new Set(column)) {
        expect(cdfOf(view, x)).toBe(column.filter((v) => v <= x).length / column.length);
      }
    }
  });

  it('keeps variance exact for values far from zero', () => {
    const p = profileData('p', { x: Float64Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 2)) });
    const s = summarize(p.columns.get('x') as NumericColumn);
    expect(s.std).toBeCloseTo(Math.sqrt(250 / 999), 9);
  });

  it('summarises strings and booleans by heavy hitters and distinct counts', () => {
    const p = profileData('p', [
      { city: 'Oslo', ok: true },
      { city: 'Oslo', ok: false },
      { city: 'Bergen' },
      { ok: true },
    ]);
    const city = summarize(p.columns.get('city') as never);
    expect(city).toMatchObject({ type: 'string', count: 3, missing: 1, distinct: 2 });
    expect(city.top).toEqual([
      { value: 'Oslo', share: 2 / 3 },
      { value: 'Bergen', share: 1 / 3 },
    ]);
    expect(summarize(p.columns.get('ok') as never)).toMatchObject({ type: 'boolean', count: 3, missing: 1 });
  });

  it('merged, equals the profile of the concatenation', () => {
    const a = { x: [1, 2, null, 4], c: ['a', 'b', 'a', null] };
    const b = { x: [10, -3, 7, 7], c: ['b', 'b', null, 'z'] };
    const merged = mergeProfiles('p', profileData('p', a), profileData('p', b));
    const whole = profileData('p', { x: [...a.x, ...b.x], c: [...a.c, ...b.c] });
    const plain = (p: Profile) => [...p.columns].map(([n, c]) => [n, summarize(c)]);
    const m = plain(merged);
    const w = plain(whole);
    expect(m[1]).toEqual(w[1]);
    const mx = m[0]?.[1] as ReturnType<typeof summarize>;
    const wx = w[0]?.[1] as ReturnType<typeof summarize>;
    expect({ ...mx, mean: 0, std: 0 }).toEqual({ ...wx, mean: 0, std: 0 });
    expect(mx.mean).toBeCloseTo(wx.mean as number, 12);
    expect(mx.std).toBeCloseTo(wx.std as number, 12);
    expect(merged.rows).toBe(8);
  });

  it('counts a column one batch lacks as missing there', () => {
    const merged = mergeProfiles('p', profileData('p', { x: [1, 2] }), profileData('p', { y: ['a'] }));
    expect(summarize(merged.columns.get('x') as never)).toMatchObject({ count: 2, missing: 1 });
    expect(summarize(merged.columns.get('y') as never)).toMatchObject({ count: 1, missing: 2 });
  });

  it('round-trips through its stored form, and stays under 4 KB a numeric column at a million rows', () => {
    const x = Float64Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i) * 100 + i / 1000);
    const p = profileData('p', {
      x,
      c: Array.from({ length: 1000 }, (_, i) => `v${i % 50}`).concat(Array(999_000).fill(null)),
    });
    const bytes = encodeProfile(profileData('p', { x }));
    expect(bytes.length).toBeLessThanOrEqual(4096);
    const back = decodeProfile(encodeProfile(p), 'k');
    expect([...back.columns].map(([n, c]) => [n, summarize(c)])).toEqual(
      [...p.columns].map(([n, c]) => [n, summarize(c)]),
    );
  });

  it('reports a corrupt stored profile as a storage error', () => {
    const bytes = encodeProfile(profileData('p', { x: [1, 2, 3] }));
    const error = (() => {
      try {
        decodeProfile(bytes.subarray(0, bytes.length - 4), 'profile/r/x');
      } catch (e) {
        return e;
      }
    })();
    expect(isPipetraceError(error, 'storage')).toBe(true);
  });

  it('refuses columns of unequal length, mixed types and values of no column type', () => {
    refused(() => profileData('p', { a: [1, 2], b: [1] }), /unequal length/);
    refused(() => profileData('p', { a: [1, 'two'] }), /mixed types, number at \[0\] and string at \[1\]/);
    refused(() => profileData('p', { a: [null, 'x', true] }), /mixed types, string at \[1\] and boolean at \[2\]/);
    refused(() => profileData('p', { a: [{}] }), /must be a number, string, boolean or null/);
    refused(() => profileData('p', { a: [1n] }), /must be a number/);
    refused(() => profileData('p', { a: new BigInt64Array(2) }), /bigint/);
    refused(() => profileData('p', 'rows'), /columns/);
    refused(() => profileData('p', [{ a: 1 }, 5]), /each row must be an object/);
    refused(() => mergeProfiles('p', profileData('p', { a: [1] }), profileData('p', { a: ['x'] })), /mixed types/);
  });

  it('keeps memory bounded at ten million distinct strings', () => {
    const pt = createPipetrace({ store: memoryStore() });
    const run = pt.startRun('ids');
    for (let batch = 0; batch < 10; batch++) {
      const ids = Array.from({ length: 1_000_000 }, (_, i) => `id-${batch}-${i}`);
      run.profile('ids.csv', { id: ids });
    }
    const profile = (run as unknown as { profiles: Map<string, Profile> }).profiles.get('ids.csv') as Profile;
    const id = summarize(profile.columns.get('id') as never);
    expect(id.count).toBe(10_000_000);
    expect(Math.abs((id.distinct as number) - 1e7) / 1e7).toBeLessThan(0.07);
    // Heavy hitters and registers are fixed in size whatever the number of distinct values.
    expect(encodeProfile(profile).length).toBeLessThan(32 * 1024);
  }, 120_000);
});

describe('recording profiles', () => {
  it('wrap with profile: true profiles the result as its output', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const clean = pt.wrap('clean', async (n: number) => ({ km: Array.from({ length: n }, (_, i) => i) }), {
      outputs: () => 'clean.csv',
      profile: true,
    });
    await clean(10);
    expect((await pt.profile('clean.csv')).columns[0]).toMatchObject({ name: 'km', count: 10, mean: 4.5 });
  });

  it('wrap with a profile function profiles each output it names', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const split = pt.wrap('split', (xs: number[]) => ({ a: xs.slice(0, 2), b: xs.slice(2) }), {
      outputs: () => ['a.csv', 'b.csv'],
      profile: (r) => ({ 'a.csv': { x: r.a }, 'b.csv': { x: r.b } }),
    });
    split([1, 2, 3, 4, 5]);
    await pt.flush();
    expect((await pt.profile('b.csv')).columns[0]?.count).toBe(3);
  });

  it('a row recorder with profile: true profiles the rows it is given', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const run = pt.startRun('clean', { inputs: ['raw.csv'] });
    const rec = run.rowRecorder('clean.csv', 'raw.csv', 'map', { profile: true });
    for (let i = 0; i < 20_000; i++) rec.add(`o${i}`, `r${i}`, { km: i % 10, city: i % 2 ? 'Oslo' : 'Bergen' });
    await run.end();
    const p = await pt.profile('clean.csv');
    expect(p.rows).toBe(20_000);
    expect(p.columns.map((c) => [c.name, c.count])).toEqual([
      ['km', 20_000],
      ['city', 20_000],
    ]);
  });

  it('reads a replaced profile anew, not the decoded copy of the old bytes', async () => {
    const pt = createPipetrace({ store: memoryStore() });
    const run = await pt.logRun({ component: 'c', startedAt: 1, endedAt: 2, outputs: ['a.csv'] });
    await pt.recordProfile(run.id, 'a.csv', { x: [1, 2] });
    expect((await pt.profile('a.csv')).columns[0]?.count).toBe(2);
    await pt.recordProfile(run.id, 'a.csv', { x: [1, 2, 3] });
    expect((await pt.profile('a.csv')).columns[0]?.count).toBe(3);
  });

  it('recordProfile refuses an output the run did not write, storing nothing', async () => {
    const store = memoryStore();
    const pt = createPipetrace({ store });
    const run = await pt.logRun({ component: 'c', startedAt: 1, endedAt: 2, outputs: ['a.csv'] });
    await expect(pt.recordProfile(run.id, 'b.csv', { x: [1] })).rejects.toThrow(/did not write/);
    expect(await store.listBlobs('profile/')).toEqual([]);
  });
});
