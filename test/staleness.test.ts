import { describe, expect, it } from 'vitest';
import { DAY, setup, T0 } from './helpers.js';

async function served() {
  const ctx = setup();
  const { pt } = ctx;
  const train = await pt.logRun({ component: 'train', startedAt: T0, endedAt: T0 + 1000, outputs: ['model.pkl'] });
  const infer = await pt.logRun({
    component: 'infer',
    startedAt: T0 + 2000,
    endedAt: T0 + 3000,
    inputs: ['model.pkl'],
    outputs: ['preds'],
  });
  return { ...ctx, train, infer };
}

describe('staleness', () => {
  it('is fresh when its upstream runs are recent and not superseded', async () => {
    const { pt, infer } = await served();
    const s = await pt.staleness(infer.id, { now: T0 + 5 * DAY });
    expect(s).toMatchObject({ run: infer.id, stale: false, reasons: [] });
  });

  it('is stale when an upstream run is older than the threshold, answered for now', async () => {
    const { pt, infer, train, clock } = await served();
    clock.t = T0 + 1000 + 45 * DAY;
    const s = await pt.staleness('preds');
    expect(s.stale).toBe(true);
    expect(s.reasons).toEqual([
      expect.objectContaining({ kind: 'old_dependency', dependency: train.id, ageDays: 45, maxAgeDays: 30 }),
    ]);
    expect(s.reasons[0]?.message).toMatch(/train run .* finished 45 days ago \(threshold 30 days\)/);
    expect((await pt.staleness(infer.id, { maxAgeDays: 60 })).stale).toBe(false);
  });

  it('is stale when the upstream component has produced fresher runs since', async () => {
    const { pt, infer } = await served();
    const newer = await pt.logRun({
      component: 'train',
      startedAt: T0 + 4000,
      endedAt: T0 + 5000,
      outputs: ['model.pkl'],
    });
    await pt.logRun({ component: 'train', startedAt: T0 + 6000, endedAt: T0 + 6500, error: new Error('x') });
    const s = await pt.staleness(infer.id, { now: T0 + DAY });
    expect(s.reasons).toEqual([expect.objectContaining({ kind: 'fresher_runs', fresherRuns: 1, latest: newer.id })]);
    expect(s.reasons[0]?.message).toContain('train has produced 1 newer run since');
    expect((await pt.staleness(infer.id, { now: T0 + DAY, maxFresherRuns: 2 })).stale).toBe(false);
  });

  it('uses the staleness defaults given to pipetrace', async () => {
    const { store } = await served();
    const { createPipetrace } = await import('../src/index.js');
    const strict = createPipetrace({ store, now: () => T0 + 2 * DAY, staleness: { maxAgeDays: 1 } });
    expect((await strict.staleness('preds')).stale).toBe(true);
  });
});
