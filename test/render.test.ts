/**
 * Notebook rendering: HTML/SVG that escapes every name, and Mermaid and DOT text that parses
 * structurally (balanced quotes, declared endpoints) whatever the names hold.
 */
import { describe, expect, it } from 'vitest';
import { formatCount, formatNumber } from '../src/render/format.js';
import {
  formatDuration,
  formatScore,
  layeredLayout,
  renderReview,
  renderRowTrace,
  renderTrace,
  toDot,
  toMermaid,
  traceSvg,
} from '../src/render/index.js';
import { LAYOUT_FUNCTIONS } from '../src/render/layout.js';
import { runDetails, runsTable } from '../src/render/plain-text.js';
import { notRankedReason, ROW_MIN_SUPPORT, standsOut } from '../src/render/review-sections.js';
import type { RowTrace } from '../src/rows/trace.js';
import { setup, T0 } from './helpers.js';

const HOSTILE = `<script>alert("x")</script> "&' |] --> }`;

/** A pipeline whose component names, pointers and notes hold markup and quote characters. */
async function hostilePipeline() {
  const { pt, clock } = setup();
  const runs = [];
  runs.push(await pt.logRun({ component: HOSTILE, startedAt: T0, endedAt: T0 + 1000, outputs: [`raw/${HOSTILE}`] }));
  clock.t = T0 + 2000;
  runs.push(
    await pt.logRun({
      component: 'clean"&\'',
      startedAt: T0 + 2000,
      endedAt: T0 + 5000,
      inputs: [`raw/${HOSTILE}`],
      outputs: ['clean\\"x.csv'],
    }),
  );
  runs.push(
    await pt.logRun({
      component: '<img src=x onerror=alert(1)>',
      startedAt: T0 + 6000,
      endedAt: T0 + 9000,
      inputs: ['clean\\"x.csv', `raw/${HOSTILE}`],
      outputs: ['model.pkl'],
    }),
  );
  await pt.flag('model.pkl');
  return { pt, runs };
}

/** Only the tags the renderer writes, and no event-handler or external-URL attribute in any tag. */
function expectNoInjection(html: string) {
  const allowed = new Set(
    'div b i span table thead tbody tr th td p ul li details summary br hr svg defs marker path g rect circle text title'.split(
      ' ',
    ),
  );
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    const name = /^<\/?([a-zA-Z][\w:-]*)/.exec(tag)?.[1];
    expect(allowed.has(name ?? ''), tag).toBe(true);
    expect(tag.replace(/"[^"]*"/g, '""'), tag).not.toMatch(/\son\w+\s*=|javascript:|(src|href)=/i);
  }
}

/** Splits DOT into tokens, honouring quoted strings with backslash escapes; throws on an open quote. */
function dotTokens(dot: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < dot.length) {
    const c = dot[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < dot.length && dot[j] !== '"'; j++) {
        if (dot[j] === '\n') throw new Error(`raw line break inside a string at ${j}`);
        if (dot[j] === '\\') j++;
        text += dot[j];
      }
      if (j >= dot.length) throw new Error(`unterminated string at ${i}`);
      tokens.push(`"${text}`);
      i = j + 1;
    } else if (dot.startsWith('->', i)) {
      tokens.push('->');
      i += 2;
    } else if (/[{}[\];,=]/.test(c)) {
      tokens.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_.]+/.exec(dot.slice(i));
      if (m === null) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

describe('formatDuration', () => {
  const S = 1000;
  const MIN = 60 * S;
  const H = 60 * MIN;
  const D = 24 * H;
  // [milliseconds, text]: each unit's boundary, and values that round up into the next unit.
  const table: [number, string][] = [
    [0, '0 ms'],
    [850, '850 ms'],
    [999, '999 ms'],
    [999.6, '1.0 s'],
    [S, '1.0 s'],
    [1500, '1.5 s'],
    [12_345, '12.3 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min 0 s'],
    [MIN, '1 min 0 s'],
    [4 * MIN + 5 * S, '4 min 5 s'],
    [2 * MIN - 1, '2 min 0 s'],
    [H - 501, '59 min 59 s'],
    [H - 500, '1 h 0 min'],
    [2 * H + 10 * MIN, '2 h 10 min'],
    [D - 30_001, '23 h 59 min'],
    [D - 30_000, '1 d 0 h'],
    [2 * D, '2 d 0 h'],
    [2 * D + 5 * H + 40 * MIN, '2 d 6 h'],
    [400 * D, '400 d 0 h'],
    [-1, '-'],
    [Number.NaN, '-'],
    [Number.POSITIVE_INFINITY, '-'],
  ];
  for (const [ms, text] of table) {
    it(`reads ${ms} ms as "${text}"`, () => {
      expect(formatDuration(ms)).toBe(text);
    });
  }

  it('is what the HTML, the SVG and the terminal text print for a run', async () => {
    const { pt } = setup();
    const run = await pt.logRun({ component: 'train', startedAt: T0, endedAt: T0 + 1500, outputs: ['m.pkl'] });
    const trace = await pt.trace('m.pkl');
    expect(renderTrace(trace)).toContain('>1.5 s<');
    expect(traceSvg(trace)).toContain('1.5 s');
    expect(runsTable([run])).toMatch(/ 1\.5 s /);
    expect(runDetails(run)).toContain('took 1.5 s');
  });
});

describe('formatNumber and formatScore', () => {
  it('fix the decimals, and name what is not finite', () => {
    expect(formatNumber(0.12345, 3)).toBe('0.123');
    expect(formatNumber(2, 1)).toBe('2.0');
    expect(formatScore(1)).toBe('1.000');
    expect(formatScore(Number.NaN)).toBe('NaN');
    expect(formatScore(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });
});

describe('formatCount', () => {
  it('groups thousands as en-US does, without Intl', () => {
    for (const n of [0, 7, 999, 1000, 2000, 12345, 999999, 1234567, -5000, 10 ** 12])
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    expect(formatCount(1.5)).toBe('1.5');
  });
});

describe('renderTrace', () => {
  it('escapes hostile component names, run ids and pointers in the HTML and the SVG', async () => {
    const { pt } = await hostilePipeline();
    const html = renderTrace(await pt.trace('model.pkl'));
    expectNoInjection(html);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('clean&quot;&amp;&#39;');
  });

  it('draws one node per run and one arrow per dependency, upstream to the left of the root', async () => {
    const { pt, runs } = await hostilePipeline();
    const trace = await pt.trace('model.pkl');
    const svg = traceSvg(trace);
    expect(svg.match(/<g data-run=/g)).toHaveLength(3);
    expect(svg.match(/marker-end=/g)).toHaveLength(trace.edges.length);
    expect(trace.edges.length).toBe(3);
    const x = (id: string) => Number(new RegExp(`data-run="${id}" transform="translate\\(([\\d.]+)`).exec(svg)?.[1]);
    const [first, second, root] = runs.map((r) => x(r!.id));
    expect(first).toBeLessThan(second as number);
    expect(second).toBeLessThan(root as number);
  });

  it('is self-contained: no scripts, no external stylesheets or images, and well-formed SVG', async () => {
    const { pt } = await hostilePipeline();
    const trace = await pt.trace('model.pkl');
    const html = renderTrace(trace);
    expect(html).not.toMatch(/<link|<script|url\((?!#)|@import/i);
    const svg = traceSvg(trace);
    const open = svg.match(/<(g|svg|text|title|defs|marker)[\s>]/g)?.length ?? 0;
    const close = svg.match(/<\/(g|svg|text|title|defs|marker)>/g)?.length ?? 0;
    expect(open).toBe(close);
  });

  it('marks a failed run and says when the depth limit cut the trace', async () => {
    const { pt } = setup();
    await pt.logRun({ component: 'a', startedAt: T0, endedAt: T0 + 1, outputs: ['x'] });
    await pt.logRun({ component: 'b', startedAt: T0 + 2, endedAt: T0 + 3, inputs: ['x'], outputs: ['y'] });
    await pt.logRun({
      component: 'c',
      startedAt: T0 + 4,
      endedAt: T0 + 5,
      inputs: ['y'],
      outputs: ['z'],
      error: { name: 'Error', message: 'boom <b>' },
    } as never);
    const trace = await pt.trace('z', { depth: 1 });
    const html = renderTrace(trace);
    expect(html).toContain('depth limit reached');
    expect(html).toContain('failed: boom &lt;b&gt;');
  });
});

describe('layeredLayout', () => {
  it('runs from the source of LAYOUT_FUNCTIONS alone, as the layout worker of the dashboard does', () => {
    const source = `${LAYOUT_FUNCTIONS.map(String).join('\n')}\nreturn ${layeredLayout.name};`;
    const standalone = new Function(source)() as typeof layeredLayout;
    const nodes = Array.from({ length: 30 }, (_, i) => ({ id: `n${i}`, width: 90, height: 30 }));
    const edges = nodes.slice(1).map((n, i) => ({ source: `n${Math.floor(i / 2)}`, target: n.id }));
    edges.push({ source: 'n29', target: 'n3' }, { source: 'n0', target: 'n17' }); // a cycle and a long edge
    expect(standalone(nodes, edges)).toEqual(layeredLayout(nodes, edges));
  });

  it('puts every node right of its sources and keeps nodes of a layer from overlapping', () => {
    const nodes = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, width: 100, height: 40 }));
    const edges = [];
    for (let i = 1; i < 12; i++) edges.push({ source: `n${Math.floor((i - 1) / 3)}`, target: `n${i}` });
    edges.push({ source: 'n0', target: 'n11' });
    const layout = layeredLayout(nodes, edges);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const e of edges) expect(at.get(e.source)!.x).toBeLessThan(at.get(e.target)!.x);
    const byLayer = new Map<number, typeof layout.nodes>();
    for (const n of layout.nodes) byLayer.set(n.layer, [...(byLayer.get(n.layer) ?? []), n]);
    for (const row of byLayer.values()) {
      const sorted = [...row].sort((a, b) => a.y - b.y);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.y).toBeGreaterThanOrEqual(sorted[i - 1]!.y + 40);
    }
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
    }
    // The long edge n0 -> n11 bends through a point per layer it crosses.
    const long = layout.edges.find((e) => e.source === 'n0' && e.target === 'n11')!;
    expect(long.points.length).toBe(at.get('n11')!.layer - at.get('n0')!.layer + 1);
  });

  it('lays out a graph with a cycle without hanging and still draws every edge', () => {
    const nodes = ['a', 'b', 'c'].map((id) => ({ id, width: 10, height: 10 }));
    const edges = [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
      { source: 'c', target: 'a' },
      { source: 'a', target: 'missing' },
    ];
    const layout = layeredLayout(nodes, edges);
    expect(layout.nodes).toHaveLength(3);
    expect(layout.edges).toHaveLength(3);
  });

  it('uncrosses edges: two parallel chains stay side by side', () => {
    const nodes = ['a1', 'b1', 'a2', 'b2'].map((id) => ({ id, width: 10, height: 10 }));
    const layout = layeredLayout(nodes, [
      { source: 'a1', target: 'a2' },
      { source: 'b1', target: 'b2' },
    ]);
    const y = new Map(layout.nodes.map((n) => [n.id, n.y]));
    expect(Math.sign(y.get('a1')! - y.get('b1')!)).toBe(Math.sign(y.get('a2')! - y.get('b2')!));
  });
});

describe('toMermaid and toDot', () => {
  it('writes Mermaid whose labels keep their quotes balanced and whose edges join declared nodes', async () => {
    const { pt } = await hostilePipeline();
    const trace = await pt.trace('model.pkl');
    const text = toMermaid(trace);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const declared = new Set<string>();
    let edges = 0;
    for (const line of lines.slice(1)) {
      expect((line.match(/"/g) ?? []).length % 2).toBe(0);
      const node = /^ {2}(r\d+)\["([^"]*)"\]$/.exec(line);
      const edge = /^ {2}(r\d+) -->(?:\|"([^"]*)"\|)? (r\d+)$/.exec(line);
      const style = /^ {2}style (r\d+) [\w:#,.-]+$/.exec(line);
      expect(node ?? edge ?? style, line).not.toBeNull();
      if (node) {
        declared.add(node[1]!);
        expect(node[2]).not.toMatch(/[[\]|{}"]/);
      }
      if (edge) {
        edges++;
        expect(declared.has(edge[1]!) && declared.has(edge[3]!)).toBe(true);
        expect(edge[2] ?? '').not.toMatch(/[<>[\]|{}"]/);
      }
    }
    expect(declared.size).toBe(3);
    expect(edges).toBe(trace.edges.length);
    expect(text).toContain('#60;script#62;');
  });

  it('writes DOT whose strings are all terminated and whose edges join declared nodes', async () => {
    const { pt } = await hostilePipeline();
    const trace = await pt.trace('model.pkl');
    const dot = toDot(trace);
    const tokens = dotTokens(dot);
    expect(tokens.slice(0, 3)).toEqual(['digraph', 'trace', '{']);
    expect(tokens.at(-1)).toBe('}');
    expect(tokens.filter((t) => t === '{').length).toBe(tokens.filter((t) => t === '}').length);
    expect(tokens.filter((t) => t === '[').length).toBe(tokens.filter((t) => t === ']').length);
    const declared = new Set<string>();
    const endpoints: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (/^r\d+$/.test(tokens[i]!) && tokens[i + 1] === '[' && tokens[i - 1] !== '->') declared.add(tokens[i]!);
      if (tokens[i] === '->') endpoints.push(tokens[i - 1]!, tokens[i + 1]!);
    }
    expect(declared.size).toBe(3);
    expect(endpoints).toHaveLength(2 * trace.edges.length);
    for (const id of endpoints) expect(declared.has(id)).toBe(true);
    // The escaped labels decode back to the original names.
    expect(tokens.some((t) => t.startsWith('"clean"&\''))).toBe(true);
    expect(tokens).toContain('"clean\\"x.csv');
    expect(tokens).toContain(`"raw/${HOSTILE}`);
  });
});

describe('renderReview', () => {
  it('shows tied runs as one ranked group with their evidence, names escaped', async () => {
    const { pt } = setup();
    await pt.logRun({ component: 'load<b>', startedAt: T0, endedAt: T0 + 1, outputs: ['raw'] });
    for (let i = 0; i < 4; i++) {
      await pt.logRun({
        component: 'predict',
        startedAt: T0 + 10 + i,
        endedAt: T0 + 11 + i,
        inputs: ['raw'],
        outputs: [`p${i}`, `q${i}`],
      });
    }
    await pt.flag('p0');
    await pt.flag('p1');
    const review = await pt.review();
    const html = renderReview(review);
    expectNoInjection(html);
    expect(html).toContain('load&lt;b&gt;');
    expect(html).toContain(`2 / ${review.F}`);
    const tied = review.runs.find((g) => g.candidates.length > 1);
    expect(tied).toBeDefined();
    expect(html).toContain(`${tied!.candidates.length} tied`);
    expect(html).toContain('<details><summary>Flagged outputs (2)</summary>');
  });

  it('says there are no candidates when nothing is flagged', async () => {
    const { pt } = setup();
    expect(renderReview(await pt.review())).toContain('No candidates: flag some outputs first.');
  });
});

describe('renderRowTrace', () => {
  const rowTrace: RowTrace = {
    direction: 'backward',
    pointer: 'preds/<x>.csv',
    key: ['a"b', 7],
    hash: '00ff00ff00ff00ff',
    steps: [
      {
        depth: 0,
        run: { id: 'run-1', component: 'infer<script>' },
        pointer: 'preds/<x>.csv',
        rowLevel: true,
        rows: [{ hash: '00ff00ff00ff00ff', key: ['a"b', 7] }],
        rowCount: 1,
        links: [{ pointer: 'feat&.csv', kind: 'map', rows: [{ hash: 'abcdef0123456789' }], rowCount: 30 }],
      },
    ],
    origins: [{ pointer: 'raw.csv', rows: [{ hash: '1111222233334444', key: 'k<1>' }], rowCount: 1, run: 'run-0' }],
    truncated: false,
  };

  it('lists each step with its rows, the rows they came from, and the origins, escaped', () => {
    const html = renderRowTrace(rowTrace);
    expectNoInjection(html);
    expect(html).toContain('infer&lt;script&gt;');
    expect(html).toContain('[&quot;a\\&quot;b&quot;,7]');
    expect(html).toContain('#abcdef0123456789');
    expect(html).toContain('29 more');
    expect(html).toContain('Origins');
    expect(html).toContain('&quot;k&lt;1&gt;&quot;');
  });

  it('calls a forward walk an impact and leaves out origins', () => {
    const html = renderRowTrace({ ...rowTrace, direction: 'forward' });
    expect(html).toContain('<b>Row impact</b>');
    expect(html).not.toContain('Origins');
  });
});

describe('standsOut (the one rule for upstream rows, CLI and dashboard)', () => {
  const row = (ef: number, ep: number) => ({ evidence: { ef, ep, score: 0 } });
  it('needs the minimum support of flagged rows and more flagged than unflagged', () => {
    expect(ROW_MIN_SUPPORT).toBe(3);
    expect(standsOut(row(3, 0))).toBe(true);
    expect(standsOut(row(3, 2))).toBe(true);
    expect(standsOut(row(2, 0))).toBe(false);
    expect(standsOut(row(3, 3))).toBe(false);
    expect(standsOut(row(10, 50))).toBe(false);
  });
  it('names why a row is not ranked', () => {
    expect(notRankedReason(row(1, 0))).toBe('below the minimum support of 3');
    expect(notRankedReason(row(4, 9))).toBe('behind as many unflagged rows or more');
  });
});
