/**
 * The run-level review at scale walks only the flagged lineage and keeps the population's
 * totals per store (src/analysis/run-population.ts). Its counts must be those of the
 * definition: here, on random DAGs, every listed candidate's evidence, reach and hops are
 * recomputed by brute force, one output's whole lineage at a time.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { reviewRuns } from '../src/analysis/review.js';
import { createPipetrace } from '../src/index.js';
import type { Run } from '../src/model.js';
import { compareWriteKeys, type Store } from '../src/store.js';
import { prng } from './review-scenario.js';

/** A random history: components a..e, runs reading 0-4 earlier outputs (so some aggregate), some rewriting an output. */
async function randomHistory(seed: number) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const store = memoryStore();
  const pt = createPipetrace({ store });
  const components = ['a', 'b', 'c', 'd', 'e'].slice(0, 2 + int(4));
  const pointers: string[] = [];
  const runs = 5 + int(50);
  for (let i = 0; i < runs; i++) {
    const inputs = new Set<string>();
    for (let k = pointers.length === 0 ? 0 : int(5); k > 0; k--) inputs.add(pointers[int(pointers.length)] as string);
    const outputs = new Set<string>();
    for (let k = 1 + int(3); k > 0; k--)
      outputs.add(rand() < 0.25 && pointers.length > 0 ? (pointers[int(pointers.length)] as string) : `p${i}-${k}`);
    for (const o of outputs) if (!pointers.includes(o)) pointers.push(o);
    await pt.logRuns([
      {
        component: components[int(components.length)] as string,
        startedAt: 1000 + i * 10 + int(5),
        endedAt: 1000 + i * 10 + 8,
        inputs: [...inputs],
        outputs: [...outputs],
        params: rand() < 0.4 ? { lr: int(3) } : {},
        ...(rand() < 0.7 ? { code: { commit: `v${int(3)}` } } : {}),
      },
    ]);
  }
  const flagged = pointers.filter(() => rand() < 0.3);
  return { store, flagged };
}

interface Expected {
  ef: number;
  ep: number;
  reach: 'direct' | 'aggregate';
  hops: number;
}

/** The review's counts by their definition, one output's lineage at a time. */
async function bruteForce(store: Store, flagged: string[]) {
  const all = (await store.scanRuns({ limit: 10_000 })).runs;
  const byId = new Map(all.map((r) => [r.id, r]));
  const writers = await store.latestWriters(flagged.map((pointer) => ({ pointer })));
  const flaggedSet = new Set(flagged.filter((_, i) => writers[i] !== undefined));
  const producing = new Set(writers.flatMap((w) => (w === undefined ? [] : [w.component])));
  const latest = new Map<string, Run>();
  for (const r of all) {
    if (!producing.has(r.component)) continue;
    for (const p of r.outputs) {
      const cur = latest.get(p);
      if (cur === undefined || compareWriteKeys(r, cur) > 0) latest.set(p, r);
    }
  }
  // The graph: the producing components' runs and everything upstream of a producer.
  const inGraph = new Set(all.filter((r) => producing.has(r.component)).map((r) => r.id));
  const stack = [...new Set([...latest.values()].map((r) => r.id))];
  const up = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (up.has(id)) continue;
    up.add(id);
    inGraph.add(id);
    for (const d of byId.get(id)?.dependencies ?? []) if (byId.has(d)) stack.push(d);
  }
  const deps = (r: Run) => r.dependencies.filter((d) => inGraph.has(d)).map((d) => byId.get(d) as Run);
  const aggregating = (r: Run) => new Set(deps(r).map((d) => d.component)).size < deps(r).length;
  // Fewest aggregating steps from a producer to each run upstream (0-1 shortest paths).
  const memo = new Map<string, Map<string, number>>();
  const levels = (producer: Run): Map<string, number> => {
    const known = memo.get(producer.id);
    if (known !== undefined) return known;
    const level = new Map<string, number>([[producer.id, 0]]);
    const queue: Run[] = [producer];
    while (queue.length > 0) {
      const r = queue.shift() as Run;
      const l = (level.get(r.id) as number) + (aggregating(r) ? 1 : 0);
      for (const d of deps(r)) {
        if ((level.get(d.id) ?? Number.POSITIVE_INFINITY) <= l) continue;
        level.set(d.id, l);
        queue.push(d);
      }
    }
    memo.set(producer.id, level);
    return level;
  };
  const graphRuns = [...inGraph].map((id) => byId.get(id) as Run);
  const expect = (members: Run[]): Expected => {
    const c = { directF: 0, directP: 0, allF: 0, allP: 0, hops: Number.POSITIVE_INFINITY };
    for (const [pointer, producer] of latest) {
      const level = levels(producer);
      const met = Math.min(...members.map((m) => level.get(m.id) ?? Number.POSITIVE_INFINITY));
      if (met === Number.POSITIVE_INFINITY) continue;
      const isFlagged = flaggedSet.has(pointer);
      if (isFlagged) c.hops = Math.min(c.hops, met);
      if (isFlagged) c.allF++;
      else c.allP++;
      if (met === 0 && isFlagged) c.directF++;
      if (met === 0 && !isFlagged) c.directP++;
    }
    return c.directF + c.directP > 0
      ? { ef: c.directF, ep: c.directP, reach: 'direct', hops: c.hops }
      : { ef: c.allF, ep: c.allP, reach: 'aggregate', hops: c.hops };
  };
  const F = [...latest.keys()].filter((p) => flaggedSet.has(p)).length;
  return {
    F,
    P: latest.size - F,
    run: (id: string) => expect([byId.get(id) as Run]),
    version: (name: string, version: string) =>
      expect(graphRuns.filter((r) => r.component === name && (r.code?.commit ?? '(none)') === version)),
    component: (name: string) => expect(graphRuns.filter((r) => r.component === name)),
  };
}

/** The same store without its columns: the review reads runs through the store contract. */
function withoutColumns(store: Store): Store {
  return new Proxy(store, {
    get: (target, key) => (key === 'columns' ? undefined : Reflect.get(target, key, target)),
  });
}

describe('run-level review at scale: counts by definition', () => {
  it('agrees with brute force on 40 random DAGs, with and without the store columns', async () => {
    let checked = 0;
    let aggregateReach = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { store, flagged } = await randomHistory(seed);
      const review = await reviewRuns(store, flagged, { limit: 1000 });
      const truth = await bruteForce(store, flagged);
      expect([review.F, review.P]).toEqual([truth.F, truth.P]);
      for (const c of review.candidates) {
        const want =
          c.kind === 'run'
            ? truth.run(c.id)
            : c.component?.params === undefined
              ? truth.version(c.component?.name as string, c.component?.version as string)
              : undefined;
        if (want === undefined) continue;
        expect({ ef: c.evidence.ef, ep: c.evidence.ep, reach: c.reach, hops: c.hops }, `seed ${seed} ${c.id}`).toEqual(
          want,
        );
        checked++;
        if (c.reach === 'aggregate') aggregateReach++;
      }
      for (const group of review.components)
        for (const c of group.candidates) {
          const want = truth.component(c.name);
          expect([c.evidence.ef, c.evidence.ep], `seed ${seed} ${c.name}`).toEqual([want.ef, want.ep]);
        }
      // Every run whose lineage holds a flagged output is listed (limit 1000 cuts nothing here).
      for (const group of review.runs)
        for (const c of group.candidates)
          expect([c.evidence.ef, c.evidence.ep]).toEqual([truth.run(c.id).ef, truth.run(c.id).ep]);
      expect(await reviewRuns(withoutColumns(store), flagged, { limit: 1000 })).toEqual(review);
    }
    // The sample exercises what it claims to: many candidates, some reached only through an aggregating run.
    expect(checked).toBeGreaterThan(300);
    expect(aggregateReach).toBeGreaterThan(5);
  });

  it('a run written after a review counts in the next one (the kept totals are dropped)', async () => {
    const store = memoryStore();
    const pt = createPipetrace({ store });
    await pt.logRun({ id: 'load-1', component: 'load', startedAt: 1, endedAt: 2, inputs: [], outputs: ['raw/1'] });
    await pt.logRun({ id: 'feat-1', component: 'feat', startedAt: 3, endedAt: 4, inputs: ['raw/1'], outputs: ['f/1'] });
    await pt.flag('f/1');
    const before = await pt.review();
    expect([before.F, before.P]).toEqual([1, 0]);
    await pt.logRun({ id: 'feat-2', component: 'feat', startedAt: 5, endedAt: 6, inputs: ['raw/1'], outputs: ['f/2'] });
    const after = await pt.review();
    expect([after.F, after.P]).toEqual([1, 1]);
    const load = after.candidates.find((c) => c.id === 'load-1');
    expect([load?.evidence.ef, load?.evidence.ep]).toEqual([1, 1]);
    // A second review over an unchanged store answers the same.
    expect(await pt.review()).toEqual(after);
  });
});
