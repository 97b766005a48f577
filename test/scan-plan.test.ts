import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/cursor.js';
import { isPipetraceError } from '../src/errors.js';
import { checkRunScan, planRange, planRunScan, RUN_FILTER_FIELDS } from '../src/scan-plan.js';
import { MAX_SCAN_LIMIT } from '../src/store.js';

const ALL = RUN_FILTER_FIELDS;

describe('planRunScan', () => {
  it('walks the first filter the adapter indexes, in RUN_FILTERS order, and leaves the rest to the filter', () => {
    const scan = { input: 'in', output: 'out', component: 'c' };
    const plan = planRunScan(scan, ALL);
    expect(plan.index).toEqual({ field: 'component', value: 'c' });
    expect(plan.rest).toEqual([
      { field: 'output', value: 'out' },
      { field: 'input', value: 'in' },
    ]);
    expect(planRunScan(scan, ['input']).index).toEqual({ field: 'input', value: 'in' });
    const none = planRunScan(scan, []);
    expect(none.index).toBeUndefined();
    const run = { component: 'c', inputs: ['in'], outputs: ['out'] };
    expect(none.filter?.(run)).toBe(true);
    expect(none.filter?.({ ...run, inputs: ['other'] })).toBe(false);
    expect(none.filter?.({ ...run, component: 'd' })).toBe(false);
    expect(planRunScan({ component: 'c' }, ALL).filter).toBeUndefined();
  });

  it('turns since, until and the cursor into bounds, the tighter bound winning', () => {
    const cursor = encodeCursor({ startedAt: 50, id: 'r5' });
    const desc = planRunScan({ since: 10, until: 90, cursor }, ALL);
    expect([desc.lower, desc.upper]).toEqual([
      { startedAt: 10, open: false },
      { startedAt: 50, id: 'r5', open: true },
    ]);
    const asc = planRunScan({ since: 10, until: 40, cursor, order: 'asc' }, ALL);
    expect(asc.lower).toEqual({ startedAt: 50, id: 'r5', open: true });
    expect(asc.empty).toBe(true);
    expect(planRunScan({ since: 5, until: 5 }, ALL).empty).toBe(true);
    expect(planRunScan({ since: 5, until: 6 }, ALL).empty).toBe(false);
    expect(planRunScan({ limit: MAX_SCAN_LIMIT + 1 }, ALL).limit).toBe(MAX_SCAN_LIMIT);
  });

  it('finds the positions within the bounds in a sorted sequence, ties decided by id', () => {
    const runs = [
      { startedAt: 1, id: 'a' },
      { startedAt: 2, id: 'a' },
      { startedAt: 2, id: 'b' },
      { startedAt: 2, id: 'c' },
      { startedAt: 3, id: 'a' },
    ];
    const range = (scan: object) =>
      planRange(
        planRunScan(scan, ALL),
        runs.length,
        (i) => runs[i]?.startedAt ?? 0,
        (i) => runs[i]?.id ?? '',
      );
    expect(range({})).toEqual({ lo: 0, hi: 5 });
    expect(range({ since: 2, until: 3 })).toEqual({ lo: 1, hi: 4 });
    const cursor = encodeCursor({ startedAt: 2, id: 'b' });
    expect(range({ cursor })).toEqual({ lo: 0, hi: 2 });
    expect(range({ cursor, order: 'asc' })).toEqual({ lo: 3, hi: 5 });
  });

  it('rejects bad fields with invalid_input naming the field, before any store is asked', () => {
    for (const [scan, field] of [
      [{ component: '' }, 'component'],
      [{ output: 3 }, 'output'],
      [{ since: 'soon' }, 'since'],
      [{ order: 'up' }, 'order'],
      [{ limit: 0 }, 'limit'],
      [{ cursor: 'nope' }, 'cursor'],
      [null, 'scan'],
    ] as const) {
      let error: unknown;
      try {
        checkRunScan(scan);
      } catch (e) {
        error = e;
      }
      expect(isPipetraceError(error, 'invalid_input')).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
    }
    expect(checkRunScan({ since: '1970-01-01T00:00:01Z', extra: 1 })).toEqual({ since: 1000 });
  });
});
