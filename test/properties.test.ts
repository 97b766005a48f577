import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { compareWriteKeys, createPipetrace, dependencyBound, type Run } from '../src/index.js';

const POINTERS = ['a', 'b', 'c', 'd', 'e'];

const runArb = fc.record({
  component: fc.constantFrom('x', 'y', 'z'),
  start: fc.integer({ min: 0, max: 40 }),
  duration: fc.integer({ min: 0, max: 8 }),
  inputs: fc.subarray(POINTERS),
  outputs: fc.subarray(POINTERS),
});

/** Logs the runs in the given order and batch sizes; returns the stored runs. */
type Spec = { component: string; start: number; duration: number; inputs: string[]; outputs: string[] };

async function logAll(specs: Spec[], batch: number) {
  const pt = createPipetrace({ store: memoryStore() });
  const inputs = specs.map((s, i) => ({
    id: `r${String(i).padStart(3, '0')}`,
    component: s.component,
    startedAt: s.start,
    endedAt: s.start + s.duration,
    inputs: s.inputs,
    outputs: s.outputs,
  }));
  const runs: Run[] = [];
  for (let i = 0; i < inputs.length; i += batch) runs.push(...(await pt.logRuns(inputs.slice(i, i + batch))));
  return { pt, runs };
}

/** The dependency rule by brute force over all runs stored so far. */
function expectedDependencies(run: Run, visible: Run[]): string[] {
  const bound = dependencyBound(run);
  return run.inputs.flatMap((p) => {
    const writers = visible.filter((w) => w.outputs.includes(p) && compareWriteKeys(w, bound) < 0);
    writers.sort(compareWriteKeys);
    const best = writers[writers.length - 1];
    return best === undefined ? [] : [best.id];
  });
}

describe('properties of dependency inference and trace', () => {
  it('random pipelines never yield a self-dependency or a cycle, and match the rule by brute force', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(runArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (specs, batch) => {
        const { runs } = await logAll(specs, batch);
        const byId = new Map(runs.map((r) => [r.id, r]));
        for (const [i, run] of runs.entries()) {
          expect(run.dependencies).not.toContain(run.id);
          // Every dependency starts strictly earlier in (startedAt, id) order: a topological order exists.
          for (const dep of run.dependencies) {
            const d = byId.get(dep) as Run;
            expect(d.startedAt < run.startedAt || (d.startedAt === run.startedAt && d.id < run.id)).toBe(true);
          }
          // Runs logged in the same or an earlier batch are what inference could see.
          const visible = runs.slice(0, Math.floor(i / batch) * batch + batch);
          expect(new Set(run.dependencies)).toEqual(new Set(expectedDependencies(run, visible)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('trace(x) holds exactly the runs reachable backward from the latest writer of x', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(...POINTERS),
        async (specs, pointer) => {
          const { pt, runs } = await logAll(specs, 5);
          const writers = runs.filter((r) => r.outputs.includes(pointer)).sort(compareWriteKeys);
          const latest = writers[writers.length - 1];
          if (latest === undefined) {
            await expect(pt.trace({ pointer })).rejects.toMatchObject({ code: 'not_found' });
            return;
          }
          const byId = new Map(runs.map((r) => [r.id, r]));
          const reachable = new Set<string>();
          const stack = [latest.id];
          while (stack.length > 0) {
            const id = stack.pop() as string;
            if (reachable.has(id)) continue;
            reachable.add(id);
            stack.push(...(byId.get(id) as Run).dependencies);
          }
          const trace = await pt.trace({ pointer });
          const ids = trace.nodes.map((n) => n.run.id);
          expect(ids.length).toBe(new Set(ids).size);
          expect(new Set(ids)).toEqual(reachable);
          expect(trace.root).toBe(latest.id);
          expect(trace.edges.length).toBe(trace.nodes.reduce((n, node) => n + node.run.dependencies.length, 0));
        },
      ),
      { numRuns: 150 },
    );
  });
});
