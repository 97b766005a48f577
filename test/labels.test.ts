import { describe, expect, it } from 'vitest';
import { isPipetraceError } from '../src/errors.js';
import { setup } from './helpers.js';
import { customerOf, everything, kept, labelled, labelsPipeline, RIDES, STAGES_IN_ORDER } from './labels-pipeline.js';

const rideKeys = labelled.map((i) => `r${i}`);
const survivors = labelled.filter((i) => kept.includes(i));

const rowsOf = (out: { rows: { key?: unknown }[] } | undefined) => out?.rows.map((r) => r.key).sort();
const byPointer = <T extends { pointer: string }>(list: T[], pointer: string) =>
  list.find((o) => o.pointer === pointer);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('labels: attaching and finding what they reached', () => {
  it('a label on 12 raw rows reaches exactly the rows derived from them through filter, join and aggregation', async () => {
    const { pt } = await labelsPipeline();
    expect(rideKeys).toHaveLength(12);
    expect(survivors).toHaveLength(9);
    const summary = await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    expect(summary).toMatchObject({ pointer: 'raw/rides.csv', whole: false, rowCount: 12 });
    expect(summary.run).toBeUndefined();

    const answer = await pt.labelled('customer:42');
    expect(answer.sources).toHaveLength(1);
    expect(answer.sources[0]?.rowCount).toBe(12);
    const exact = answer.outputs.filter((o) => o.rowLevel);
    expect(exact.map((o) => [o.pointer, o.run.component])).toEqual([
      ['data/clean.csv', 'clean'],
      ['data/joined.csv', 'join'],
      ['data/groups.csv', 'agg'],
      ['data/ride-predictions.csv', 'score'],
      ['data/group-predictions.csv', 'forecast'],
    ]);
    // The filter dropped r10, r50 and r90: only the 9 survivors go on.
    expect(rowsOf(byPointer(exact, 'data/clean.csv'))).toEqual(survivors.map((i) => `r${i}`).sort());
    expect(rowsOf(byPointer(exact, 'data/joined.csv'))).toEqual(survivors.map((i) => `j${i}`).sort());
    expect(rowsOf(byPointer(exact, 'data/groups.csv'))).toEqual(['g2']);
    expect(rowsOf(byPointer(exact, 'data/ride-predictions.csv'))).toEqual(survivors.map((i) => `s${i}`).sort());
    expect(rowsOf(byPointer(exact, 'data/group-predictions.csv'))).toEqual(['p2']);
    for (const o of exact) expect(o.current).toBe(true);
  });

  it('a step without row lineage widens the answer to whole outputs and says which step', async () => {
    const { pt, runs } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    const answer = await pt.labelled('customer:42');
    expect(answer.exact).toBe(false);
    const model = byPointer(answer.outputs, 'models/churn.pkl');
    expect(model).toMatchObject({ rowLevel: false, rowCount: 0, type: 'model' });
    expect(model?.note).toBe(
      `whole output (no row lineage at step train, run ${runs.train.id}, from "data/joined.csv")`,
    );
    // The churn step has row lineage from customers, but none from the model: every row counts.
    const churn = byPointer(answer.outputs, 'data/churn-predictions.csv');
    expect(churn?.rowLevel).toBe(false);
    expect(churn?.note).toContain('no row lineage at step train');
    // The base model was trained on other data: it is not in the answer, and scoring with it is exact.
    expect(byPointer(answer.outputs, 'models/base.pkl')).toBeUndefined();
    expect(answer.outputs.map((o) => o.pointer)).toHaveLength(7);
  });

  it('a label added after the fact reaches what was already derived, and a whole label reaches whole outputs', async () => {
    const { pt, clock } = await labelsPipeline();
    clock.t += 86_400_000;
    await pt.label('raw/customers.csv', 'source:crm');
    const answer = await pt.labelled('source:crm');
    expect(answer.outputs.map((o) => o.pointer)).toEqual([
      'data/joined.csv',
      'data/groups.csv',
      'data/ride-predictions.csv',
      'data/group-predictions.csv',
      'models/churn.pkl',
      'data/churn-predictions.csv',
    ]);
    expect(answer.outputs.every((o) => !o.rowLevel)).toBe(true);
    expect(answer.outputs[0]?.note).toBe('whole output (the label covers the whole of "raw/customers.csv")');
  });

  it('rows of an intermediate output carry a label from there on, and labelling again adds rows', async () => {
    const { pt } = await labelsPipeline();
    await pt.label('data/joined.csv', 'pii', { rows: ['j1'] });
    const again = await pt.label('data/joined.csv', 'pii', { rows: ['j3', 'j1'] });
    expect(again.rowCount).toBe(2);
    const answer = await pt.labelled('pii');
    expect(rowsOf(byPointer(answer.outputs, 'data/ride-predictions.csv'))).toEqual(['s1', 's3']);
    expect(rowsOf(byPointer(answer.outputs, 'data/groups.csv'))).toEqual(['g1', 'g3']);
    expect(byPointer(answer.outputs, 'data/clean.csv')).toBeUndefined();
  });

  it('a label with no records answers nothing, and a customer join key reaches its joined rows', async () => {
    const { pt } = await labelsPipeline();
    expect((await pt.labelled('nobody')).outputs).toEqual([]);
    await pt.label('raw/customers.csv', 'customer:42', { rows: ['c42'] });
    const answer = await pt.labelled('customer:42');
    const joined = Array.from({ length: RIDES }, (_, i) => i).filter(
      (i) => kept.includes(i) && customerOf(i) === 'c42',
    );
    expect(rowsOf(byPointer(answer.outputs, 'data/joined.csv'))).toEqual(joined.map((i) => `j${i}`).sort());
    // kc42 is reached row by row, but also through the churn model, which has no row lineage: whole wins.
    expect(byPointer(answer.outputs, 'data/churn-predictions.csv')).toMatchObject({ rowLevel: false, rows: [] });
    expect(byPointer(answer.outputs, 'data/churn-predictions.csv')?.note).toContain('step train');
  });

  it('bad input gets a PipetraceError and changes nothing', async () => {
    const { pt, store } = await labelsPipeline();
    const before = await everything(store);
    const bad: [string, Promise<unknown>][] = [
      ['unknown pointer', pt.label('nowhere.csv', 'pii')],
      ['unknown row key', pt.label('data/clean.csv', 'pii', { rows: ['r2', 'nope'] })],
      ['empty rows', pt.label('raw/rides.csv', 'pii', { rows: [] })],
      ['bad key', pt.label('raw/rides.csv', 'pii', { rows: [{} as never] })],
      ['bad label', pt.label('raw/rides.csv', ' pii')],
      ['label type', pt.label('raw/rides.csv', 42 as never)],
      ['unknown option', pt.label('raw/rides.csv', 'pii', { row: ['r2'] } as never)],
      ['unknown run', pt.label('data/clean.csv', 'pii', { run: 'no-such-run' })],
      ['labelled label', pt.labelled('' as never)],
      ['labelled options', pt.labelled('pii', { maxRows: 0 })],
      ['retract unknown label', pt.retract('nobody', { reason: 'gone' })],
      ['retract without reason', pt.retract('pii', {} as never)],
      ['close unknown', pt.closeRetraction('nobody')],
      ['retractions options', pt.retractions({ all: 'yes' } as never)],
    ];
    for (const [what, promise] of bad) {
      const error = await rejection(promise);
      expect(isPipetraceError(error), what).toBe(true);
    }
    expect(await everything(store)).toEqual(before);
  });
});

describe('labels: retraction', () => {
  it('flags exactly what it reports, with the run that made each, and says what to rebuild in pipeline order', async () => {
    const { pt, clock, runs } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    clock.t += 5000;
    const report = await pt.retract('customer:42', { reason: 'deletion request #118' });
    expect(report).toMatchObject({ label: 'customer:42', reason: 'deletion request #118', retractedAt: clock.t });
    expect(report.flagReason).toBe('retracted:customer:42');
    expect(report.models.map((m) => [m.pointer, m.run.id, m.flagged])).toEqual([
      ['models/churn.pkl', runs.train.id, 'pointer'],
    ]);
    expect(report.predictions.map((p) => [p.pointer, p.run.component, p.flagged])).toEqual([
      ['data/ride-predictions.csv', 'score', 'rows'],
      ['data/group-predictions.csv', 'forecast', 'rows'],
      ['data/churn-predictions.csv', 'churn', 'pointer'],
    ]);
    expect(report.files.map((f) => [f.pointer, f.run.component, f.flagged])).toEqual([
      ['data/clean.csv', 'clean', 'rows'],
      ['data/joined.csv', 'join', 'rows'],
      ['data/groups.csv', 'agg', 'rows'],
    ]);
    expect(report.rebuild.map((s) => s.run.component)).toEqual(STAGES_IN_ORDER);
    expect(report.violations).toEqual([]);
    expect(report.flagged).toEqual({ pointers: 2, rows: 9 + 9 + 1 + 9 + 1 });

    // The flags are exactly those.
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['data/churn-predictions.csv', 'models/churn.pkl']);
    for (const item of [...report.files, ...report.predictions].filter((i) => i.flagged === 'rows')) {
      const flagged = await pt.flaggedRows(item.pointer);
      expect(flagged.rows.map((r) => r.key).sort(), item.pointer).toEqual(rowsOf(item));
    }
    expect((await pt.flaggedRows('raw/rides.csv')).rows).toEqual([]);
    expect((await pt.retractions()).map((r) => [r.label, r.open])).toEqual([['customer:42', true]]);
  });

  it('closing it clears its flags and restores nothing else: flags set before stay', async () => {
    const { pt, store, clock } = await labelsPipeline();
    await pt.flag('data/groups.csv');
    await pt.flagRows('data/ride-predictions.csv', ['s1']);
    await pt.flag('models/churn.pkl');
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    const before = await everything(store);
    clock.t += 5000;
    const report = await pt.retract('customer:42', { reason: 'deletion request' });
    // Already flagged by a person: reported as such, and not counted as the retraction's flag.
    expect(byPointer(report.models, 'models/churn.pkl')?.flagged).toBe('already');
    expect(report.flagged.pointers).toBe(1);
    expect((await pt.flaggedRows('data/ride-predictions.csv')).rows).toHaveLength(10);
    clock.t += 5000;
    const closed = await pt.closeRetraction('customer:42');
    expect(closed).toMatchObject({ open: false, closedAt: clock.t });
    const after = await everything(store);
    // Everything is as before, apart from the flag times and the retraction's own record.
    const strip = (s: typeof before) => ({
      ...s,
      pointers: s.pointers.filter((p) => p.flagged).map((p) => p.name),
      blobs: s.blobs.filter(([k]) => !String(k).startsWith('labels/retracted/') && !String(k).startsWith('rows/f/')),
    });
    expect(strip(after)).toEqual(strip(before));
    expect((await pt.flaggedRows('data/ride-predictions.csv')).rows.map((r) => r.key)).toEqual(['s1']);
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['data/groups.csv', 'models/churn.pkl']);
    expect(await pt.retractions()).toEqual([]);
    expect((await pt.retractions({ all: true })).map((r) => r.label)).toEqual(['customer:42']);
  });

  it('unflagging one reported output by hand changes that output only', async () => {
    const { pt } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    await pt.retract('customer:42', { reason: 'deletion request' });
    await pt.unflag('models/churn.pkl');
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['data/churn-predictions.csv']);
    await pt.unflagRows('data/groups.csv', ['g2']);
    expect((await pt.flaggedRows('data/groups.csv')).rows).toEqual([]);
    expect((await pt.flaggedRows('data/joined.csv')).rows).toHaveLength(9);
  });

  it('flags only versions still in use: a rebuilt output is reported but not flagged', async () => {
    const { pt, clock } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    // The churn model is rebuilt from other data before the retraction.
    clock.t += 1000;
    await pt.startRun('train', { inputs: 'raw/history.csv', outputs: 'models/churn.pkl' }).end();
    clock.t += 1000;
    const report = await pt.retract('customer:42', { reason: 'deletion request' });
    expect(byPointer(report.models, 'models/churn.pkl')).toMatchObject({ current: false, flagged: 'none' });
    expect((await pt.flagged()).map((p) => p.name)).toEqual(['data/churn-predictions.csv']);
    expect(report.rebuild.map((s) => s.run.component)).not.toContain('train');
  });

  it('a run that reads retracted data after the retraction is a violation, and staleness says so', async () => {
    const { pt, clock } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    clock.t += 1000;
    const retracted = await pt.retract('customer:42', { reason: 'deletion request' });
    const fresh = await pt.staleness('data/ride-predictions.csv', { maxAgeDays: 1e6 });
    expect(fresh.reasons.filter((r) => r.kind === 'retracted_input')).toEqual([]);
    clock.t += 1000;
    const late = await pt.startRun('report', { inputs: ['data/groups.csv'], outputs: ['out/report.pdf'] }).end();
    const stale = await pt.staleness({ run: late.id }, { maxAgeDays: 1e6 });
    expect(stale.stale).toBe(true);
    expect(stale.reasons).toEqual([
      expect.objectContaining({
        kind: 'retracted_input',
        label: 'customer:42',
        inputs: ['data/groups.csv'],
        retractedAt: retracted.retractedAt,
      }),
    ]);
    const report = await pt.retraction('customer:42');
    expect(report.violations).toEqual([
      { run: { id: late.id, component: 'report', startedAt: late.startedAt }, inputs: ['data/groups.csv'] },
    ]);
  });

  it('retracting a label twice while open is a conflict and changes nothing', async () => {
    const { pt, store } = await labelsPipeline();
    await pt.label('raw/rides.csv', 'customer:42', { rows: rideKeys });
    await pt.retract('customer:42', { reason: 'first' });
    const before = await everything(store);
    const error = await rejection(pt.retract('customer:42', { reason: 'second' }));
    expect(isPipetraceError(error, 'conflict')).toBe(true);
    expect(await everything(store)).toEqual(before);
  });

  it('a label on raw data nobody read is not found', async () => {
    const { pt } = setup();
    expect(isPipetraceError(await rejection(pt.label('raw.csv', 'pii')), 'not_found')).toBe(true);
  });
});
