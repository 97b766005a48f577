import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

describe('components', () => {
  it('creates a component and updates it when created again, keeping unspecified fields', async () => {
    const { pt, clock } = setup();
    const first = await pt.component('train', { description: 'fits the model', owner: 'ana', tags: ['ml'] });
    clock.t += 1000;
    const second = await pt.component('train', { owner: 'bo' });
    expect(second).toEqual({ ...first, owner: 'bo', updatedAt: first.createdAt + 1000 });
    expect(await pt.components()).toEqual([second]);
  });

  it('adds tags without duplicates and lists components by owner and tag', async () => {
    const { pt } = setup();
    await pt.component('clean', { owner: 'ana', tags: ['etl'] });
    await pt.component('train', { owner: 'bo', tags: ['ml'] });
    await pt.tag('clean', ['etl', 'daily']);
    await pt.tag('train', 'daily');
    expect((await pt.components({ tag: 'daily' })).map((c) => c.name)).toEqual(['clean', 'train']);
    expect((await pt.components({ owner: 'ana' })).map((c) => c.name)).toEqual(['clean']);
    expect((await pt.components({ owner: 'ana', tag: 'ml' })).map((c) => c.name)).toEqual([]);
    expect(await pt.tags()).toEqual([
      { tag: 'daily', count: 2 },
      { tag: 'etl', count: 1 },
      { tag: 'ml', count: 1 },
    ]);
  });

  it('creates a component record the first time a run of it is logged', async () => {
    const { pt } = setup();
    await pt.logRun({ component: 'ingest', startedAt: 1, endedAt: 2 });
    expect((await pt.components()).map((c) => [c.name, c.owner])).toEqual([['ingest', '']]);
  });
});
