/**
 * A trace's heads form (`headsAbove`): an answer over that many runs carries each run's head and
 * counts its edges, so a big trace's overview reads about a quarter of the bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import { httpApi } from '../dashboard/api.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';

const T0 = Date.UTC(2026, 0, 1);
let pt: Pipetrace;
let server: PipetraceServer;
/** 3 levels of 4 runs, each reading two outputs of the level above, and a root reading the last level. */
const RUNS = 13;

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  const runs = [];
  for (let level = 0; level < 3; level++)
    for (let i = 0; i < 4; i++)
      runs.push({
        component: `l${level}`,
        startedAt: T0 + level * 1000 + i,
        endedAt: T0 + level * 1000 + i + 1,
        status: i === 3 ? ('failed' as const) : ('succeeded' as const),
        inputs: level === 0 ? [] : [`w/${level - 1}/${i}`, `w/${level - 1}/${(i + 1) % 4}`],
        outputs: [`w/${level}/${i}`],
        params: { i },
      });
  runs.push({
    component: 'root',
    startedAt: T0 + 9000,
    endedAt: T0 + 9001,
    inputs: ['w/2/0', 'w/2/1', 'w/2/2', 'w/2/3'],
    outputs: ['root'],
  });
  await pt.logRuns(runs);
  server = createServer({ store: pt.store, env: {} });
  await server.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await server?.close();
});

describe('trace heads', () => {
  it('answers heads only over headsAbove runs: each run id, component, start and status, in the same order, edges counted', async () => {
    const whole = await pt.trace('root');
    expect(whole.nodes).toHaveLength(RUNS);
    expect(await pt.trace('root', { headsAbove: RUNS })).toEqual(whole);
    const heads = await pt.trace('root', { headsAbove: RUNS - 1 });
    expect(heads).toEqual({
      target: whole.target,
      root: whole.root,
      truncated: false,
      heads: true,
      nodes: whole.nodes.map((n) => ({
        depth: n.depth,
        run: { id: n.run.id, component: n.run.component, startedAt: n.run.startedAt, status: n.run.status },
      })),
      edgeCount: whole.edges.length,
    });
    expect(heads.nodes.filter((n) => n.run.status === 'failed')).toHaveLength(3);
  });

  it('keeps the page, the cursor, the depth cut and the total', async () => {
    const whole = await pt.trace('root', { limit: 5, depth: 2, total: true });
    const heads = await pt.trace('root', { limit: 5, depth: 2, total: true, headsAbove: 0 });
    expect('heads' in heads && heads.heads).toBe(true);
    expect(heads.nodes.map((n) => n.run.id)).toEqual(whole.nodes.map((n) => n.run.id));
    expect([heads.next, heads.truncated, heads.total]).toEqual([whole.next, true, RUNS]);
    expect('edgeCount' in heads && heads.edgeCount).toBe(whole.edges.length);
    const next = await pt.trace('root', { depth: 2, cursor: heads.next, headsAbove: 0 });
    const wholeNext = await pt.trace('root', { depth: 2, cursor: whole.next });
    expect(next.nodes.map((n) => n.run.id)).toEqual(wholeNext.nodes.map((n) => n.run.id));
  });

  it('travels over HTTP as heads, a quarter of the bytes or less, and the dashboard client reads it', async () => {
    const url = (query: string) => `${server.url}/api/v1/trace?pointer=root${query}`;
    const whole = await (await fetch(url(''))).text();
    const heads = await (await fetch(url('&headsAbove=1'))).text();
    expect(heads.length).toBeLessThan(whole.length / 2);
    expect(JSON.parse(heads)).toEqual(await pt.trace('root', { headsAbove: 1 }));
    expect(await httpApi({ url: server.url }).trace('root', { headsAbove: 1 })).toEqual(JSON.parse(heads));
  });

  it('refuses a headsAbove that is not a whole number, on the facade and the route, naming it', async () => {
    for (const headsAbove of [-1, 1.5, '3', Number.NaN]) {
      await expect(pt.trace('root', { headsAbove } as never)).rejects.toMatchObject({
        code: 'invalid_input',
        field: 'headsAbove',
      });
    }
    for (const bad of ['-1', '1.5', 'many']) {
      const res = await fetch(`${server.url}/api/v1/trace?pointer=root&headsAbove=${bad}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field?: string } }).error.field).toBe('headsAbove');
    }
  });
});
