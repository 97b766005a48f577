/**
 * Import circles, type-only imports included: harmless at run time, but they tie modules that
 * should stand alone (a view to the shell that loads it, a page of a trace to the walk). There
 * are none but one deliberate pair; a shared type lives in a file of its own.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('..', import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Each file's relative imports and re-exports (static, type-only and `import()` alike), as files. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const targets: string[] = [];
    const visit = (node: ts.Node): void => {
      const spec =
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier
          ? node.moduleSpecifier
          : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
            ? node.arguments[0]
            : undefined;
      if (spec !== undefined && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
        const target = resolve(dirname(file), spec.text).replace(/\.js$/, '.ts');
        if (known.has(target)) targets.push(target);
      }
      node.forEachChild(visit);
    };
    visit(source);
    graph.set(file, targets);
  }
  return graph;
}

/** The circles (strongly connected sets of more than one file), each sorted, by Tarjan's method. */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const set: string[] = [];
    for (let w = ''; w !== v; ) {
      w = stack.pop() as string;
      onStack.delete(w);
      set.push(w);
    }
    if (set.length > 1) found.push(set.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

describe('import circles', () => {
  it('finds a circle closed by a type-only import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipetrace-circles-'));
    try {
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport interface A { b: typeof b }\n");
      writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.js';\nexport const b: A[] = [];\n");
      writeFileSync(join(dir, 'c.ts'), "export { b } from './b.js';\n");
      const found = circles(importGraph(sources(dir))).map((c) => c.map((f) => relative(dir, f)));
      expect(found).toEqual([['a.ts', 'b.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ties no two modules in a circle, but for the dashboard client that loads the in-page store lazily', () => {
    const files = ['src', 'dashboard', 'adapters', 'cli', 'node', 'browser'].flatMap((d) => sources(join(root, d)));
    const found = circles(importGraph(files)).map((circle) => circle.map((f) => relative(root, f)));
    // api.ts picks the in-page store client with a lazy import(), which imports api.ts's types back.
    expect(found).toEqual([['dashboard/api.ts', 'dashboard/store-api.ts']]);
  });
});
