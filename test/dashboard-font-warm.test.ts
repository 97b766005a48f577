/**
 * The served page warms the fonts of the view it opens on, not every view's: each font it warms
 * is a blocking lookup in the browser (a task of its own, but a wait all the same). The script is
 * run here against a stand-in canvas and timer, so what it measures, and in how many tasks, is
 * counted.
 */
import { describe, expect, it } from 'vitest';
import { FONT_FAMILY } from '../dashboard/font-family.js';
import { fontWarmScript, WARM_FONTS, warmFonts, warmKind } from '../dashboard/font-warm.js';

/** Runs the served page's script as the page would on `hash`: the fonts it measured, and the tasks it took. */
function runScript(hash: string): { measured: string[]; tasks: number } {
  const measured: string[] = [];
  const queue: (() => void)[] = [];
  let font = '';
  const context = {
    set font(f: string) {
      font = f;
    },
    measureText: () => {
      measured.push(font);
      return { width: 1 };
    },
  };
  const document = { createElement: () => ({ getContext: () => context }) };
  const setTimeout = (f: () => void) => queue.push(f);
  new Function('document', 'location', 'setTimeout', fontWarmScript())(document, { hash }, setTimeout);
  let tasks = 0;
  for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
    const before = measured.length;
    task();
    tasks++;
    expect(measured.length - before).toBeLessThanOrEqual(1);
  }
  return { measured, tasks };
}

const HOME_ONLY = [`700 22px ${FONT_FAMILY}`, `600 13px ${FONT_FAMILY}`];
const GRAPH_ONLY = [`600 12px ${FONT_FAMILY}`, '400 12px monospace'];

describe('font warm-up', () => {
  it('names the kind of view a hash opens: a whole trace, a trace that may be a graph, or any other view', () => {
    expect(warmKind('')).toBe('other');
    expect(warmKind('#/')).toBe('other');
    expect(warmKind('#/review')).toBe('other');
    expect(warmKind('#/history/train')).toBe('other');
    expect(warmKind('#/trace/w%2Froot')).toBe('trace');
    expect(warmKind('#/trace/w%2Froot?depth=16')).toBe('trace');
    expect(warmKind('#/trace/w%2Froot?depth=all&as=graph')).toBe('trace');
    expect(warmKind('#/trace/w%2Froot?depth=all')).toBe('whole');
    expect(warmKind('#/trace/w%2Froot?open=abc&depth=all')).toBe('whole');
    expect(warmKind('#/trace-run/abc?depth=all')).toBe('whole');
  });

  it("warms, on a whole trace (the grouped overview), neither home's fonts nor the graph's", () => {
    const { measured, tasks } = runScript('#/trace/w%2Froot?depth=all');
    expect(measured).toEqual([...WARM_FONTS.whole]);
    expect(tasks).toBe(measured.length);
    for (const f of [...HOME_ONLY, ...GRAPH_ONLY]) expect(measured).not.toContain(f);
  });

  it("warms the graph's label fonts on a trace that may be drawn as a graph, and home's on home", () => {
    const graph = runScript('#/trace/w%2Froot?depth=all&as=graph').measured;
    expect(graph).toEqual([...WARM_FONTS.trace]);
    for (const f of GRAPH_ONLY) expect(graph).toContain(f);
    for (const f of HOME_ONLY) expect(graph).not.toContain(f);
    const home = runScript('#/').measured;
    expect(home).toEqual([...WARM_FONTS.other]);
    for (const f of HOME_ONLY) expect(home).toContain(f);
  });

  it('runs in the page the same choice the module makes', () => {
    for (const hash of ['', '#/', '#/flagged', '#/trace/x', '#/trace/x?depth=all', '#/trace-run/r?as=graph&depth=all'])
      expect(runScript(hash).measured).toEqual([...warmFonts(hash)]);
  });
});
