// lib/ keeps the layer order of docs/architecture.md: every import (static, dynamic or require) of a
// lib/ file points to a file of the same layer or of a lower one, and no chain of imports comes back
// to where it started.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(__dirname, '../..', 'lib');

/** Layers from the top down; a file may import files of its own layer and of the layers below it. */
const LAYERS: { name: string; files: RegExp }[] = [
  { name: 'cli', files: /^cli\// },
  { name: 'the package entry', files: /^index\.ts$/ },
  { name: 'serve, jobs, tfjs', files: /^(serve|jobs|tfjs)\// },
  { name: 'model', files: /^model\// },
  { name: 'data, io', files: /^(data|io)\// },
  { name: 'engine', files: /^engine\// },
  { name: 'tensor/, validate, errors, random, naming, limits', files: /^(tensor\/|(tensor|validate|errors|random|naming|limits)\.ts$)/ },
];

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.files.test(file));
}

function libFiles(dir = LIB): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return libFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** A relative specifier resolved to a lib/ file ('model/fit.ts'), or null (packages, node: modules). */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  const hit = [`${base}.ts`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')]
    .find((c) => c.startsWith(LIB) && fs.existsSync(c) && fs.statSync(c).isFile());
  return hit ? path.relative(LIB, hit).split(path.sep).join('/') : null;
}

/**
 * The lib/ files a file imports, each marked typeOnly when the import is erased at compile time
 * (`import type`, or only type specifiers): those still count as arrows between layers, but not as
 * cycles, which matter because they decide the order modules initialize in.
 */
function importsOf(file: string): { to: string; typeOnly: boolean }[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, boolean>();
  const add = (spec: string, typeOnly: boolean): void => {
    const to = resolve(file, spec);
    if (to) out.set(to, (out.get(to) ?? true) && typeOnly);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && named !== null && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      add(node.moduleSpecifier.text, node.isTypeOnly || (named !== null && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add((node.arguments[0] as ts.StringLiteral).text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return [...out].map(([to, typeOnly]) => ({ to, typeOnly }));
}

const imports = new Map(libFiles().map((f) => [path.relative(LIB, f).split(path.sep).join('/'), importsOf(f)]));
/** Every import, type-only ones included (the arrows between layers). */
const graph = new Map([...imports].map(([f, list]) => [f, list.map((i) => i.to)]));
/** The imports that remain at run time (the edges of a cycle). */
const runtimeGraph = new Map([...imports].map(([f, list]) => [f, list.filter((i) => !i.typeOnly).map((i) => i.to)]));

/** Strongly connected components of more than one file (Tarjan) over the run-time imports: each is an import cycle. */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter); low.set(v, counter); counter++;
    stack.push(v); onStack.add(v);
    for (const w of runtimeGraph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of runtimeGraph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph of lib/', () => {
  it('reads every file and finds the imports it knows', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('model/sequential.ts')).toContain('model/fit.ts');
    expect(graph.get('model/weight-store.ts')).toContain('engine/index.ts');
    expect(graph.get('io/index.ts')).toContain('io/tfjs/index.ts');
  });

  it('places every file of lib/ in a layer', () => {
    expect([...graph.keys()].filter((f) => layerOf(f) < 0), 'add new folders to LAYERS (and to docs/architecture.md)').toEqual([]);
  });

  it('has no arrow from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const [from, tos] of graph) {
      for (const to of tos) {
        if (layerOf(to) < layerOf(from)) upward.push(`${from} (${LAYERS[layerOf(from)]!.name}) -> ${to} (${LAYERS[layerOf(to)]!.name})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle at run time', () => {
    expect(cycles()).toEqual([]);
  });

  it('tells type-only imports from the others', () => {
    expect(imports.get('model/summary.ts')!.every((i) => i.typeOnly)).toBe(true);
    expect(imports.get('model/sequential.ts')!.find((i) => i.to === 'model/fit.ts')!.typeOnly).toBe(false);
  });

  it('lib/io never imports lib/model (the formats see descriptions only)', () => {
    const crossing = [...graph].filter(([f]) => f.startsWith('io/')).flatMap(([f, tos]) => tos.filter((t) => t.startsWith('model/')).map((t) => `${f} -> ${t}`));
    expect(crossing).toEqual([]);
  });
});
