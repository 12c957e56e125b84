#!/usr/bin/env node
// Import-cycle check, run by `npm run lint` after ESLint. Sees static imports, re-exports and
// dynamic `import()` (a lazy import hides a cycle from bundlers, not from the design), resolves the
// `@/` alias and relative paths, and ignores type-only imports (erased at compile time).
// Written with the TypeScript compiler API the project already has: the ESLint cycle rules need a
// TS resolver plugin and a full module graph per file, which made `lint` several times slower.
//
// Usage: node scripts/check-cycles.mjs [dir ...]   (default: the project's source folders)
// Exit 1 and each cycle printed as a chain of files when there is one.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const DEFAULT_DIRS = ['app', 'components', 'lib', 'bench', 'e2e', 'scripts', 'fixtures']
const SKIP = new Set(['node_modules', 'generated', '.next'])
// deliberate cycles (the checker's own test), checked only when asked for directly
const FIXTURES = path.join(ROOT, 'scripts', 'fixtures')
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.mjs', '.js']

function sourceFiles(dir, top) {
  const out = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) { if (!SKIP.has(entry.name) && (full !== FIXTURES || full === top)) out.push(...sourceFiles(full, top)) }
    else if (EXTENSIONS.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.d.mts')) out.push(full)
  }
  return out
}

function resolve(from, specifier) {
  let base
  if (specifier.startsWith('@/')) base = path.join(ROOT, specifier.slice(2))
  else if (specifier.startsWith('.')) base = path.resolve(path.dirname(from), specifier)
  else return null
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, 'index' + e))]
  // `./x.js` written for an ESM `x.ts`
  if (/\.m?js$/.test(base)) candidates.push(base.replace(/\.m?js$/, '.ts'), base.replace(/\.m?js$/, '.mts'))
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null
}

/** Module specifiers a file depends on at run time. */
function dependencies(file) {
  const text = fs.readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const specs = []
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const typeOnly = clause && (clause.isTypeOnly || (!clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)))
      if (!typeOnly) specs.push(node.moduleSpecifier.text)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specs.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      specs.push(node.arguments[0].text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return specs
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function findCycles(dirs) {
  const files = dirs.flatMap((d) => (fs.existsSync(d) ? sourceFiles(d, d) : []))
  const graph = new Map()
  for (const file of files) graph.set(file, [...new Set(dependencies(file).map((s) => resolve(file, s)).filter((f) => f && f !== null))])
  let counter = 0
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = []
  const strongConnect = (v) => {
    index.set(v, counter); low.set(v, counter); counter++
    stack.push(v); onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) { strongConnect(w); low.set(v, Math.min(low.get(v), low.get(w))) }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) === index.get(v)) {
      const component = []
      let w
      do { w = stack.pop(); onStack.delete(w); component.push(w) } while (w !== v)
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(chainOf(component, graph))
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) strongConnect(v)
  return cycles
}

/** One closed path through a component, for the message: a → b → … → a. */
function chainOf(component, graph) {
  const members = new Set(component)
  const start = [...component].sort()[0]
  const chain = [start]
  const seen = new Set([start])
  let current = start
  for (;;) {
    const next = (graph.get(current) ?? []).filter((n) => members.has(n))
    const back = next.find((n) => n === start && chain.length > 1) ?? (next.length === 1 && next[0] === start ? start : undefined)
    if (back !== undefined) { chain.push(start); break }
    const step = next.find((n) => !seen.has(n))
    if (!step) { chain.push(start); break }
    chain.push(step); seen.add(step); current = step
  }
  return chain.map((f) => path.relative(ROOT, f))
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2)
  const dirs = (args.length ? args : DEFAULT_DIRS).map((d) => path.resolve(ROOT, d))
  const cycles = findCycles(dirs)
  if (cycles.length) {
    console.error(`import cycles (${cycles.length}): break each by moving the shared piece below both files`)
    for (const chain of cycles) console.error(`  ${chain.join(' → ')}`)
    process.exit(1)
  }
  console.error('no import cycles')
}
