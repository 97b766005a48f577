import { describe, expect, it } from 'vitest';
import { pointerNode, runNode } from '../src/index.js';
import { setup, T0 } from './helpers.js';

describe('dependency inference', () => {
  it('depends on the run that most recently wrote each input and finished before this run started', async () => {
    const { pt } = setup();
    const old = await pt.logRun({ component: 'clean', startedAt: T0, endedAt: T0 + 10, outputs: ['clean.csv'] });
    const recent = await pt.logRun({
      component: 'clean',
      startedAt: T0 + 20,
      endedAt: T0 + 30,
      outputs: ['clean.csv'],
    });
    // Still running when train starts: not a dependency.
    await pt.logRun({ component: 'clean', startedAt: T0 + 35, endedAt: T0 + 60, outputs: ['clean.csv'] });
    const train = await pt.logRun({ component: 'train', startedAt: T0 + 40, endedAt: T0 + 50, inputs: ['clean.csv'] });
    expect(train.dependencies).toEqual([recent.id]);
    expect(train.dependencies).not.toContain(old.id);
  });

  it('decides by time, not by the order runs were logged', async () => {
    const { pt } = setup();
    const later = await pt.logRun({
      id: 'w-later',
      component: 'c',
      startedAt: T0 + 20,
      endedAt: T0 + 30,
      outputs: ['p'],
    });
    await pt.logRun({ id: 'w-earlier', component: 'c', startedAt: T0, endedAt: T0 + 10, outputs: ['p'] });
    const reader = await pt.logRun({ component: 'r', startedAt: T0 + 40, endedAt: T0 + 41, inputs: ['p'] });
    expect(reader.dependencies).toEqual([later.id]);
  });

  it('breaks ties of end time by start time, then by run id', async () => {
    const { pt } = setup();
    await pt.logRuns([
      { id: 'b', component: 'c', startedAt: T0 + 5, endedAt: T0 + 10, outputs: ['p'] },
      { id: 'a', component: 'c', startedAt: T0 + 5, endedAt: T0 + 10, outputs: ['p'] },
      { id: 'z', component: 'c', startedAt: T0 + 1, endedAt: T0 + 10, outputs: ['p'] },
    ]);
    const reader = await pt.logRun({ component: 'r', startedAt: T0 + 10, endedAt: T0 + 11, inputs: ['p'] });
    expect(reader.dependencies).toEqual(['b']);
  });

  it('never makes a run depend on itself, even when it reads what it writes', async () => {
    const { pt } = setup();
    const first = await pt.logRun({
      component: 'inc',
      startedAt: T0,
      endedAt: T0,
      inputs: ['counter'],
      outputs: ['counter'],
    });
    const second = await pt.logRun({
      component: 'inc',
      startedAt: T0,
      endedAt: T0,
      inputs: ['counter'],
      outputs: ['counter'],
    });
    expect(first.dependencies).toEqual([]);
    // Same millisecond: the earlier id (first) qualifies, never the reverse.
    expect(second.id > first.id).toBe(true);
    expect(second.dependencies).toEqual([first.id]);
  });

  it('infers dependencies among the runs of one batch', async () => {
    const { pt } = setup();
    const [a, b, c] = await pt.logRuns([
      { component: 'ingest', startedAt: T0, endedAt: T0 + 1, outputs: ['raw'] },
      { component: 'clean', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['raw'], outputs: ['clean'] },
      { component: 'train', startedAt: T0 + 4, endedAt: T0 + 5, inputs: ['clean', 'raw'] },
    ]);
    expect(b?.dependencies).toEqual([a?.id]);
    expect(c?.dependencies).toEqual([b?.id, a?.id]);
  });
});

async function pipeline() {
  const ctx = setup();
  const { pt } = ctx;
  let t = T0;
  const step = (component: string, inputs: string[], outputs: string[]) =>
    pt.logRun({ component, startedAt: (t += 10), endedAt: (t += 5), inputs, outputs });
  const raw = await step('ingest', [], ['raw.csv']);
  const clean = await step('clean', ['raw.csv'], ['clean.csv']);
  const feat = await step('features', ['clean.csv'], ['features.parquet']);
  const labels = await step('labels', ['raw.csv'], ['labels.parquet']);
  const train = await step('train', ['features.parquet', 'labels.parquet'], ['model.pkl']);
  const infer = await step('infer', ['model.pkl', 'features.parquet'], ['pred-1', 'pred-2']);
  return { ...ctx, runs: { raw, clean, feat, labels, train, infer }, step };
}

describe('trace', () => {
  it('returns the DAG behind a pointer with depths, and a shared ancestor once', async () => {
    const { pt, runs } = await pipeline();
    const trace = await pt.trace('pred-1');
    expect(trace.root).toBe(runs.infer.id);
    const depthOf = Object.fromEntries(trace.nodes.map((n) => [n.run.component, n.depth]));
    expect(depthOf).toEqual({ infer: 0, train: 1, features: 1, labels: 2, clean: 2, ingest: 3 });
    expect(trace.nodes.filter((n) => n.run.component === 'ingest')).toHaveLength(1);
    expect(trace.edges).toContainEqual({ from: runs.train.id, to: runs.feat.id, via: ['features.parquet'] });
    expect(trace.edges).toHaveLength(7);
    expect(trace.truncated).toBe(false);
  });

  it('traces the latest version of a pointer', async () => {
    const { pt, step } = await pipeline();
    const retrain = await step('train', ['features.parquet'], ['model.pkl']);
    expect((await pt.trace('model.pkl')).root).toBe(retrain.id);
  });

  it('traces from a run id and stops at a depth limit, saying so', async () => {
    const { pt, runs } = await pipeline();
    const trace = await pt.trace({ run: runs.infer.id }, { depth: 1 });
    expect(trace.nodes.map((n) => n.run.component).sort()).toEqual(['features', 'infer', 'train']);
    expect(trace.truncated).toBe(true);
    expect((await pt.trace(runs.raw.id)).nodes).toHaveLength(1);
  });

  it('says not found for a pointer that nothing wrote', async () => {
    const { pt } = await pipeline();
    await expect(pt.trace('nothing.csv')).rejects.toMatchObject({ code: 'not_found' });
    await expect(pt.trace({ pointer: 'raw-never.csv' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('lineage graph', () => {
  it('has runs and pointers as nodes and reads and writes as edges', async () => {
    const { pt, runs } = await pipeline();
    await pt.flag('pred-2');
    const graph = await pt.graph();
    expect(graph.order).toBe(6 + 7);
    expect(graph.hasEdge(pointerNode('model.pkl'), runNode(runs.infer.id))).toBe(true);
    expect(graph.getEdgeAttribute(runNode(runs.train.id), pointerNode('model.pkl'), 'kind')).toBe('wrote');
    expect(graph.getNodeAttributes(pointerNode('pred-2'))).toMatchObject({ kind: 'pointer', flagged: true });
    expect(graph.getNodeAttributes(pointerNode('model.pkl'))).toMatchObject({ type: 'model' });
    expect(graph.export().edges).toHaveLength(graph.size);
  });
});
