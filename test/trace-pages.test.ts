import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PipetraceServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Trace } from '../src/analysis/trace.js';
import { createPipetrace, type Pipetrace } from '../src/pipetrace.js';
import { TRACE_PAGE_MAX } from '../src/queries.js';

const T0 = Date.UTC(2026, 0, 1);
let pt: Pipetrace;
let server: PipetraceServer;
/** A chain longer than one HTTP page, with a diamond at every 10th step (two readers of one output). */
const CHAIN = TRACE_PAGE_MAX + 350;

beforeAll(async () => {
  pt = createPipetrace({ store: memoryStore() });
  const batch = [];
  for (let i = 0; i < CHAIN; i++) {
    const inputs = i === 0 ? [] : [`c/${i - 1}`];
    if (i % 10 === 5) inputs.push(`side/${i - 1}`);
    batch.push({
      component: `step${i % 4}`,
      startedAt: T0 + i * 10,
      endedAt: T0 + i * 10 + 1,
      inputs,
      outputs: [`c/${i}`],
    });
    if (i % 10 === 4)
      batch.push({
        component: 'side',
        startedAt: T0 + i * 10 + 2,
        endedAt: T0 + i * 10 + 3,
        inputs: [`c/${i - 1}`],
        outputs: [`side/${i}`],
      });
  }
  await pt.logRuns(batch);
  server = createServer({ store: pt.store, env: {} });
  await server.listen(0, '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const last = `c/${CHAIN - 1}`;
const ids = (t: Trace) => t.nodes.map((n) => n.run.id);
const edgeKeys = (t: Trace) => t.edges.map((e) => `${e.from}>${e.to}`);

/** Every page from the first, following `next`. */
async function allPages(limit: number, depth?: number): Promise<Trace[]> {
  const pages = [await pt.trace(last, { limit, ...(depth === undefined ? {} : { depth }) })];
  for (let p = pages[0]; p?.next !== undefined; ) {
    p = await pt.trace(last, { limit, cursor: p.next, ...(depth === undefined ? {} : { depth }) });
    pages.push(p);
  }
  return pages;
}

describe('trace pages', () => {
  it('splits a trace into pages that together hold every run and every edge once', async () => {
    const whole = await pt.trace(last, { depth: 60 });
    const pages = await allPages(17, 60);
    expect(pages.length).toBe(Math.ceil(whole.nodes.length / 17));
    expect(pages.slice(0, -1).every((p) => p.nodes.length === 17 && p.next !== undefined)).toBe(true);
    expect(pages.at(-1)?.next).toBeUndefined();
    expect(pages.flatMap(ids)).toEqual(ids(whole));
    expect(pages.flatMap(edgeKeys).sort()).toEqual(edgeKeys(whole).sort());
    // Each page's edges close on runs of this page or earlier ones: pages can be drawn as they come.
    const seen = new Set<string>();
    for (const page of pages) {
      for (const id of ids(page)) seen.add(id);
      for (const e of page.edges) expect(seen.has(e.from) && seen.has(e.to)).toBe(true);
    }
    expect(pages.every((p) => p.truncated === whole.truncated && p.root === whole.root)).toBe(true);
  });

  it('counts the whole trace beyond the depth asked for, and answers the same runs as without the count', async () => {
    for (const depth of [0, 1, 4, 5, 6, 13]) {
      const counted = await pt.trace(last, { depth, total: true });
      const plain = await pt.trace(last, { depth });
      const { total, ...rest } = counted;
      expect(rest).toEqual(plain);
      expect(total).toBe(CHAIN + Math.floor((CHAIN - 5) / 10) + 1);
    }
  });

  it('follows the first root on later pages even after a newer run wrote the pointer', async () => {
    const other = createPipetrace({ store: memoryStore() });
    await other.logRuns([
      { component: 'a', startedAt: T0, endedAt: T0 + 1, outputs: ['x'] },
      { component: 'b', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['x'], outputs: ['y'] },
    ]);
    const first = await other.trace('y', { limit: 1 });
    await other.logRun({ component: 'b2', startedAt: T0 + 5, endedAt: T0 + 6, outputs: ['y'] });
    const second = await other.trace('y', { limit: 1, cursor: first.next });
    expect(second.root).toBe(first.root);
    expect(second.target).toEqual({ pointer: 'y' });
    expect(second.nodes.map((n) => n.run.component)).toEqual(['a']);
    expect(second.edges).toEqual([{ from: first.root, to: second.nodes[0]?.run.id, via: ['x'] }]);
  });

  it('refuses a bad limit, cursor or total', async () => {
    for (const options of [{ limit: 0 }, { cursor: 'nonsense' }, { cursor: '5~' }, { total: 'yes' }]) {
      await expect(pt.trace(last, options as never)).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });

  it('refuses a cursor whose root run is not in the store, and answers an empty last page past the end', async () => {
    const forged = ['0~nope', 'zzzzzzzzzz~r'];
    for (const cursor of forged) {
      await expect(pt.trace(last, { cursor })).rejects.toMatchObject({ code: 'invalid_input', field: 'cursor' });
    }
    const first = await pt.trace(last, { limit: 3 });
    const past = await pt.trace(last, { cursor: `${(10 * CHAIN).toString(36)}~${first.root}` });
    expect(past.nodes).toEqual([]);
    expect(past.edges).toEqual([]);
    expect(past.next).toBeUndefined();
    // A limit too big for any store is no error: the whole trace in one page.
    expect((await pt.trace(last, { limit: 1e12 })).nodes.length).toBe((await pt.trace(last)).nodes.length);
  });

  it(`answers over HTTP in pages of at most ${TRACE_PAGE_MAX} runs, with the cursor and the total`, async () => {
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/api/v1/trace?pointer=${encodeURIComponent(last)}${query}`);
      return { status: res.status, body: (await res.json()) as Trace & { error?: { field?: string } } };
    };
    const first = await get('&total=true');
    expect(first.status).toBe(200);
    expect(first.body.nodes.length).toBe(TRACE_PAGE_MAX);
    expect(first.body.total).toBe(CHAIN + Math.floor((CHAIN - 5) / 10) + 1);
    // A bigger limit is capped too; the rest follows the cursor.
    expect((await get(`&limit=${10 * TRACE_PAGE_MAX}`)).body.nodes.length).toBe(TRACE_PAGE_MAX);
    const rest = await get(`&cursor=${encodeURIComponent(first.body.next as string)}`);
    expect(rest.body.next).toBeUndefined();
    expect(rest.body.nodes.length).toBe((first.body.total as number) - TRACE_PAGE_MAX);
    expect([...first.body.nodes, ...rest.body.nodes].map((n) => n.run.id)).toEqual(ids(await pt.trace(last)));
    expect((await get('&limit=3')).body.nodes.length).toBe(3);
    const bad = await get('&total=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.field).toBe('total');
  });
});
