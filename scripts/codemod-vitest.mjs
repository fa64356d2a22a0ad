#!/usr/bin/env node
// Codemod: test files written for node:test → vitest, keeping every assertion (node:assert/strict
// stays). Deterministic and idempotent: it only touches files that still import from 'node:test',
// so it can be re-run on the whole tree after other branches land.
//
// What it rewrites (on the syntax tree, so nested option objects and template names are safe):
//   import { describe, it, test, before, after, beforeEach, afterEach, type TestContext } from 'node:test'
//     → the same names from 'vitest', before/after → beforeAll/afterAll (references renamed too)
//   test/it/describe(name, { skip: reason-or-false, timeout, only }, fn)
//     → skip: skipWith(reason) (test/helpers/skip.ts: a static skip that prints its reason),
//       `skip: false` dropped, timeout/only kept (vitest reads the same keys)
//   before/after(fn, { timeout }) → beforeAll/afterAll(fn, timeout)
//   in a test's context (the callback's first parameter, or any parameter typed TestContext):
//     t.skip(msg) stays (vitest's context.skip(note) shows the note and stops the test),
//     t.diagnostic(msg) → t.annotate(msg) (printed under the test by the reporter),
//     t.after(fn) → t.onTestFinished(fn), t.name → t.task.name
// What it cannot do safely it lists (file:line) and exits 2, leaving that file unchanged:
// subtests (t.test), t.todo, t.plan, t.mock, t.before*, describe-level todo, option objects that are
// not literals, and node:test imports it does not know (mock, run, suite hooks on contexts...).
//
// Usage: node scripts/codemod-vitest.mjs [--check] [files...]   (default: every *.test.ts in src/ and test/)
//   --check: change nothing, exit 1 when a file would change.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';

const root = join(import.meta.dirname, '..');
const HELPER = join(root, 'test', 'helpers', 'skip.ts');

// The parser: oxc's, through rolldown (vitest → vite → rolldown), already in node_modules.
async function loadParser() {
  try {
    return (await import('rolldown/parseAst')).parseAst;
  } catch {
    const req = createRequire(createRequire(join(root, 'package.json')).resolve('vite'));
    return (await import(req.resolve('rolldown/parseAst'))).parseAst;
  }
}
const parseAst = await loadParser();

const args = process.argv.slice(2);
const check = args.includes('--check');
const given = args.filter((a) => a !== '--check');

function walkDir(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'generated' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkDir(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}
const files = (
  given.length ? given.map((f) => join(process.cwd(), f)) : [...walkDir(join(root, 'src'), []), ...walkDir(join(root, 'test'), [])]
).sort();

// node:test export → vitest export
const IMPORT_MAP = {
  describe: 'describe',
  suite: 'describe',
  it: 'it',
  test: 'test',
  before: 'beforeAll',
  after: 'afterAll',
  beforeEach: 'beforeEach',
  afterEach: 'afterEach',
  TestContext: 'TestContext',
};
const TEST_MODIFIERS = new Set(['skip', 'only', 'todo']);

/** Visit every node with its parent; `fn` returning false skips the node's children. */
function visit(node, fn, parent = null, key = null) {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) visit(n, fn, parent, key);
    return;
  }
  if (typeof node.type !== 'string') return;
  if (fn(node, parent, key) === false) return;
  for (const k of Object.keys(node)) {
    if (k === 'start' || k === 'end' || k === 'type') continue;
    const v = node[k];
    if (v && typeof v === 'object') visit(v, fn, node, k);
  }
}

/** Names bound by a declaration pattern. */
function bound(pattern, out = []) {
  if (!pattern) return out;
  if (pattern.type === 'Identifier') out.push(pattern.name);
  else if (pattern.type === 'ObjectPattern')
    for (const p of pattern.properties) bound(p.type === 'RestElement' ? p.argument : p.value, out);
  else if (pattern.type === 'ArrayPattern') for (const e of pattern.elements) bound(e, out);
  else if (pattern.type === 'AssignmentPattern') bound(pattern.left, out);
  else if (pattern.type === 'RestElement') bound(pattern.argument, out);
  else if (pattern.type === 'TSParameterProperty') bound(pattern.parameter, out);
  return out;
}

/** Names a scope-making node declares for its own body. */
function declares(node) {
  const names = [];
  const fromStatements = (stmts) => {
    for (const st of stmts) {
      const d = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
      if (!d) continue;
      if (d.type === 'VariableDeclaration') for (const v of d.declarations) bound(v.id, names);
      else if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) names.push(d.id.name);
    }
  };
  if (node.type === 'BlockStatement' || node.type === 'StaticBlock') fromStatements(node.body);
  else if (node.type === 'SwitchCase') fromStatements(node.consequent);
  else if (/Function/.test(node.type)) {
    for (const p of node.params ?? []) bound(p, names);
    if (node.type === 'FunctionExpression' && node.id) names.push(node.id.name);
  } else if (node.type === 'ForStatement' && node.init?.type === 'VariableDeclaration')
    for (const v of node.init.declarations) bound(v.id, names);
  else if ((node.type === 'ForOfStatement' || node.type === 'ForInStatement') && node.left.type === 'VariableDeclaration')
    for (const v of node.left.declarations) bound(v.id, names);
  else if (node.type === 'CatchClause') bound(node.param, names);
  return names;
}

/** Whether an identifier refers to a local declaration rather than the module-level import. */
function shadowed(id, parents) {
  for (let n = parents.get(id); n; n = parents.get(n)) if (n.type !== 'Program' && declares(n).includes(id.name)) return true;
  return false;
}

function lineOf(src, pos) {
  return src.slice(0, pos).split('\n').length;
}

function convert(file, src) {
  const ast = parseAst(src, { lang: 'ts', sourceType: 'module' }, file);
  const edits = [];
  const problems = [];
  const problem = (node, msg) => problems.push(`${relative(root, file)}:${lineOf(src, node.start)}: ${msg}`);
  const edit = (start, end, text) => edits.push({ start, end, text });

  // 1. the import
  const imports = ast.body.filter((n) => n.type === 'ImportDeclaration' && n.source.value === 'node:test');
  if (imports.length === 0) return null;
  const rename = new Map(); // local name → new local name
  const testFns = new Map(); // local name of describe/it/test → 'describe' | 'test'
  const hookFns = new Map(); // local name → vitest hook name
  let contextType = null;
  for (const imp of imports) {
    const parts = [];
    for (const s of imp.specifiers) {
      let imported;
      if (s.type === 'ImportDefaultSpecifier') imported = 'test';
      else if (s.type === 'ImportSpecifier') imported = s.imported.name ?? s.imported.value;
      else {
        problem(s, `namespace import of node:test`);
        continue;
      }
      const target = IMPORT_MAP[imported];
      if (!target) {
        problem(s, `node:test export '${imported}' has no vitest equivalent here`);
        continue;
      }
      const typeOnly = imp.importKind === 'type' || s.importKind === 'type';
      let local = s.local.name;
      if (local === imported && target !== imported) {
        rename.set(local, target);
        local = target;
      }
      parts.push(`${typeOnly ? 'type ' : ''}${local === target ? target : `${target} as ${local}`}`);
      if (imported === 'TestContext') contextType = local;
      else if (['describe', 'suite', 'it', 'test'].includes(imported))
        testFns.set(s.local.name, imported === 'describe' || imported === 'suite' ? 'describe' : 'test');
      else hookFns.set(s.local.name, target);
    }
    edit(imp.start, imp.end, `import { ${parts.join(', ')} } from 'vitest';`);
  }

  // 2. references to renamed imports (before → beforeAll, after → afterAll), except where a local
  // declaration of the same name shadows the import (`const before = await count()` stays as it is)
  const parents = new Map();
  visit(ast, (node, parent) => {
    parents.set(node, parent);
  });
  visit(ast, (node, parent, key) => {
    if (node.type !== 'Identifier' || !rename.has(node.name)) return;
    if (parent?.type === 'ImportSpecifier' || parent?.type === 'ImportDefaultSpecifier') return;
    if (parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) return;
    if (
      (parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') &&
      key === 'key' &&
      !parent.computed &&
      !parent.shorthand
    )
      return;
    if (shadowed(node, parents)) return;
    if (parent?.type === 'Property' && parent.shorthand) edit(node.start, node.end, `${node.name}: ${rename.get(node.name)}`);
    else edit(node.start, node.end, rename.get(node.name));
  });

  // 3. test/describe option objects, hook options, test contexts
  let usesSkipWith = /\bskipWith\b/.test(src);
  const needSkipWith = () => (usesSkipWith = true);
  const contexts = []; // [param name, function node]

  const calleeBase = (callee) => {
    if (callee.type === 'Identifier') return { name: callee.name, modifier: null };
    if (
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      callee.object.type === 'Identifier' &&
      TEST_MODIFIERS.has(callee.property.name)
    )
      return { name: callee.object.name, modifier: callee.property.name };
    return null;
  };

  visit(ast, (node) => {
    // functions with a parameter typed as the test context
    if (contextType && /Function|ArrowFunction/.test(node.type) && node.params) {
      for (const p of node.params) {
        const ann = p.typeAnnotation?.typeAnnotation;
        if (p.type === 'Identifier' && ann?.type === 'TSTypeReference' && ann.typeName?.name === contextType) contexts.push([p.name, node]);
      }
    }
    if (node.type !== 'CallExpression') return;
    const base = calleeBase(node.callee);
    if (!base) return;
    const localName = node.callee.type === 'Identifier' ? node.callee.name : base.name;
    const args = node.arguments;

    if (testFns.has(localName)) {
      const isDescribe = testFns.get(localName) === 'describe';
      if (args.length >= 3 || (args.length === 2 && args[1].type === 'ObjectExpression')) {
        const opts = args[1];
        if (opts.type !== 'ObjectExpression') problem(opts, `options are not an object literal; convert by hand`);
        else rewriteOptions(opts, args, isDescribe);
      }
      const fn = args.at(-1);
      if (!isDescribe && fn && (fn.type === 'ArrowFunctionExpression' || fn.type === 'FunctionExpression') && fn.params[0]) {
        const p = fn.params[0];
        if (p.type === 'Identifier') contexts.push([p.name, fn]);
        else problem(p, `destructured test context; convert by hand`);
      }
      if (fn && fn.params?.length > 1) problem(fn, `callback-style test (done); convert by hand`);
    } else if (hookFns.has(localName)) {
      if (args.length >= 2) {
        const opts = args[1];
        if (opts.type === 'ObjectExpression') {
          const keys = opts.properties.map((p) => p.key?.name);
          const timeout = opts.properties.find((p) => p.key?.name === 'timeout');
          if (keys.some((k) => k !== 'timeout')) problem(opts, `hook options other than timeout (${keys.join(', ')}); convert by hand`);
          else if (timeout) edit(opts.start, opts.end, src.slice(timeout.value.start, timeout.value.end));
          else edit(args[0].end, opts.end, '');
        }
      }
      const fn = args[0];
      if (fn && (fn.type === 'ArrowFunctionExpression' || fn.type === 'FunctionExpression') && fn.params.length > 0)
        problem(fn, `hook uses node:test's context parameter; convert by hand`);
    }
  });

  function rewriteOptions(opts, args, isDescribe) {
    const kept = [];
    for (const p of opts.properties) {
      if (p.type !== 'Property' || p.computed) {
        problem(p, `spread or computed option; convert by hand`);
        kept.push(src.slice(p.start, p.end));
        continue;
      }
      const k = p.key.name ?? p.key.value;
      const valueSrc = src.slice(p.value.start, p.value.end);
      if (k === 'skip') {
        if (p.value.type === 'Literal' && p.value.value === false) continue;
        if (p.value.type === 'Literal' && p.value.value === true) kept.push('skip: true');
        else if (p.value.type === 'CallExpression' && p.value.callee.name === 'skipWith') kept.push(`skip: ${valueSrc}`);
        else {
          needSkipWith();
          kept.push(`skip: skipWith(${valueSrc})`);
        }
      } else if (k === 'timeout' || k === 'only') {
        kept.push(p.shorthand ? k : `${k}: ${valueSrc}`);
      } else {
        problem(p, `option '${k}'${isDescribe ? ' on describe' : ''} has no vitest equivalent here; convert by hand`);
        kept.push(src.slice(p.start, p.end));
      }
    }
    if (kept.length) edit(opts.start, opts.end, `{ ${kept.join(', ')} }`);
    else edit(args[0].end, opts.end, '');
  }

  // 4. uses of the test context
  const seen = new Set();
  for (const [name, fn] of contexts) {
    if (seen.has(fn)) continue;
    seen.add(fn);
    visit(fn.body, (node, parent, key) => {
      // a nested function whose parameter has the same name shadows the context
      if (node.params?.some((p) => p.type === 'Identifier' && p.name === name)) return false;
      if (node.type !== 'MemberExpression' || node.computed || node.object.type !== 'Identifier' || node.object.name !== name) return;
      const prop = node.property.name;
      const called = parent?.type === 'CallExpression' && key === 'callee';
      if (prop === 'skip' || prop === 'signal') return;
      if (prop === 'diagnostic' && called) edit(node.property.start, node.property.end, 'annotate');
      else if (prop === 'after' && called) edit(node.property.start, node.property.end, 'onTestFinished');
      else if (prop === 'name' && !called) edit(node.property.start, node.property.end, 'task.name');
      else if (['annotate', 'onTestFinished', 'onTestFailed', 'task', 'expect'].includes(prop)) return;
      else problem(node, `test context '${name}.${prop}' has no direct vitest equivalent; convert by hand`);
    });
  }

  if (problems.length) return { problems };

  // 5. the skip helper's import
  if (usesSkipWith && !/import \{[^}]*\bskipWith\b[^}]*\} from /.test(src)) {
    let rel = relative(dirname(file), HELPER).split('\\').join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    const last = imports.at(-1);
    edit(last.end, last.end, `\nimport { skipWith } from '${rel}';`);
  }

  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = src;
  let floor = Infinity;
  for (const e of edits) {
    if (e.end > floor) throw new Error(`${relative(root, file)}: overlapping edits at ${lineOf(src, e.start)}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    floor = e.start;
  }
  return { out };
}

let changed = 0;
const problems = [];
for (const file of files) {
  const src = readFileSync(file, 'utf8');
  if (!/from ['"]node:test['"]/.test(src)) continue;
  const r = convert(file, src);
  if (!r) continue;
  if (r.problems) {
    problems.push(...r.problems);
    continue;
  }
  if (r.out === src) continue;
  changed++;
  if (check) console.log(`would convert ${relative(root, file)}`);
  else {
    writeFileSync(file, r.out);
    console.log(`converted ${relative(root, file)}`);
  }
}
for (const p of problems) console.error(`needs a hand: ${p}`);
console.log(`${changed} file(s) ${check ? 'to convert' : 'converted'}, ${problems.length} place(s) left for a hand`);
process.exit(problems.length ? 2 : check && changed ? 1 : 0);
