/**
 * Types that built declarations declare but no public entry exports. A consumer whose inferred
 * types reach one cannot emit its own declarations (TS2742), so the package test wants none.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return declarationFiles(path);
    return path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Shared chunks carry a content hash in their name (`pipetrace-Ne3AO3ob.d.ts`); entries do not. */
const isChunk = (file: string) => /-[\w-]{8}\.d\.ts$/.test(file);

/** `name (file)` for each top-level interface, type, class or enum in `dist` that no entry exports. */
export function unexportedTypes(dist: string): string[] {
  const files = declarationFiles(dist);
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const exported = new Set<ts.Symbol>();
  for (const file of files.filter((f) => !isChunk(f))) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile);
    if (module !== undefined) for (const s of checker.getExportsOfModule(module)) exported.add(resolve(s));
  }
  const missing: string[] = [];
  for (const file of files) {
    for (const statement of (program.getSourceFile(file) as ts.SourceFile).statements) {
      const named =
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isEnumDeclaration(statement);
      if (!named || statement.name === undefined) continue;
      const symbol = checker.getSymbolAtLocation(statement.name);
      if (symbol !== undefined && !exported.has(symbol)) missing.push(`${symbol.getName()} (${relative(dist, file)})`);
    }
  }
  return missing.sort();
}
