/**
 * axe-core in a real Chromium page: inject the library (a dev dependency) and report the
 * violations of the impacts that matter (serious and critical by default), shadow roots included.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_FILE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The page's violations of the given impacts, after injecting axe once per document. */
export async function axeViolations(page: Page, impacts: string[] = ['serious', 'critical']): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_FILE });
  return page.evaluate(async (wanted) => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe;
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as {
      violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[];
    };
    return result.violations
      .filter((v) => wanted.includes(v.impact))
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  }, impacts);
}

/** One line per violation, for an assertion message a person can act on. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id} (${v.nodes.length}×): ${v.help} ${v.nodes.slice(0, 3).join(' ')}`)
    .join('\n');
}
