/**
 * Notebook HTML as a browser reads it: Chromium parses renderTrace, renderReview and
 * renderRowTrace, and every element keeps the attributes and the computed style the renderer
 * wrote. An unescaped quote in a style attribute (font-family "Segoe UI") ends the attribute
 * early: the box falls back to the browser's default font, size and colour.
 */
import { describe, expect, it } from 'vitest';
import { renderReview, renderRowTrace, renderTrace } from '../../src/render/index.js';
import type { RowTrace } from '../../src/rows/trace.js';
import { setup, T0 } from '../helpers.js';
import { withChromium } from './harness.js';

const rowTrace: RowTrace = {
  direction: 'backward',
  pointer: 'preds.csv',
  key: 'k1',
  hash: '00ff00ff00ff00ff',
  steps: [
    {
      depth: 0,
      run: { id: 'run-1', component: 'infer' },
      pointer: 'preds.csv',
      rowLevel: true,
      rows: [{ hash: '00ff00ff00ff00ff', key: 'k1' }],
      rowCount: 1,
      links: [{ pointer: 'feat.csv', kind: 'map', rows: [{ hash: 'abcdef0123456789' }], rowCount: 1 }],
    },
  ],
  origins: [{ pointer: 'raw.csv', rows: [{ hash: '1111222233334444', key: 'r1' }], rowCount: 1, run: 'run-0' }],
  truncated: false,
};

async function renders(): Promise<Record<string, string>> {
  const { pt } = setup();
  await pt.logRun({ component: 'load', startedAt: T0, endedAt: T0 + 10, outputs: ['raw'] });
  await pt.logRun({ component: 'predict', startedAt: T0 + 20, endedAt: T0 + 30, inputs: ['raw'], outputs: ['p'] });
  await pt.logRun({ component: 'predict', startedAt: T0 + 40, endedAt: T0 + 50, inputs: ['raw'], outputs: ['q'] });
  await pt.flag('p');
  return {
    trace: renderTrace(await pt.trace('p')),
    review: renderReview(await pt.review()),
    rowTrace: renderRowTrace(rowTrace),
  };
}

/** What Chromium made of the HTML: the box's computed style, and every HTML element's attribute names. */
interface Parsed {
  box: { fontFamily: string; fontSize: string; color: string };
  th: { paddingLeft: string; borderBottomWidth: string } | undefined;
  attributeNames: string[];
}

describe('notebook HTML in Chromium', () => {
  it('keeps every style attribute whole: the font, size and colour apply, and no stray attributes appear', async () => {
    const htmls = await renders();
    await withChromium(async (page) => {
      for (const [name, html] of Object.entries(htmls)) {
        await page.setContent(`<!doctype html><body>${html}</body>`);
        const parsed: Parsed = await page.evaluate(() => {
          const box = document.body.firstElementChild as HTMLElement;
          const cs = getComputedStyle(box);
          const th = document.querySelector('th');
          const thStyle = th === null ? undefined : getComputedStyle(th);
          const names = new Set<string>();
          for (const el of document.body.querySelectorAll('*')) {
            if (el.namespaceURI === 'http://www.w3.org/1999/xhtml')
              for (const a of el.getAttributeNames()) names.add(a);
          }
          return {
            box: { fontFamily: cs.fontFamily, fontSize: cs.fontSize, color: cs.color },
            th:
              thStyle === undefined
                ? undefined
                : { paddingLeft: thStyle.paddingLeft, borderBottomWidth: thStyle.borderBottomWidth },
            attributeNames: [...names].sort(),
          };
        });
        expect(parsed.box, name).toEqual({
          fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif',
          fontSize: '13px',
          color: 'rgb(21, 32, 43)',
        });
        expect(parsed.th, name).toEqual({ paddingLeft: '8px', borderBottomWidth: '2px' });
        expect(parsed.attributeNames, name).toEqual(['style']);
      }
    });
  });
});
