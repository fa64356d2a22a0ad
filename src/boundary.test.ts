// The layout as tests (STYLE.md, "Layout we expect"): arrows point down, api → schema → catalogue →
// db; cli → catalogue | runtime; seed → catalogue. A static scan of every import specifier (static,
// dynamic, `export … from`, type-only ones too: a type import is a dependency for a reader) under
// src/ and seed/, resolved to files, checked against the rules below.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    if (n === 'node_modules' || n === 'generated' || n.startsWith('.')) return [];
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mts|mjs)$/.test(n) ? [p] : [];
  });
}

interface Edge {
  from: string;
  /** Repository-relative path for relative specifiers, the bare specifier for packages. */
  to: string;
  spec: string;
}

const SPEC_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Import edges of production code (tests are harnesses and may reach anywhere). */
function scan(): Edge[] {
  const out: Edge[] = [];
  for (const f of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'seed'))]) {
    if (f.endsWith('.test.ts')) continue;
    const from = relative(ROOT, f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(SPEC_RE)) {
      const spec = m[1] ?? '';
      const to = spec.startsWith('.') ? relative(ROOT, resolve(dirname(f), spec)) : spec;
      out.push({ from, to, spec });
    }
  }
  return out;
}

const EDGES = scan();
const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const show = (e: Edge) => `${e.from} imports ${e.spec}`;

/** Edges from files under `from` into any of `into`. */
function crossing(from: string, into: string[]): string[] {
  return EDGES.filter((e) => under(e.from, from) && into.some((d) => under(e.to, d))).map(show);
}

/** The layer a file belongs to: a folder directly under src/, or seed. */
function layer(path: string): string | null {
  const m = /^(src\/[^/]+)\//.exec(path) ?? /^(seed)\//.exec(path);
  return m?.[1] ?? null;
}

/** Cycles in the layer graph, each as the list of layers on it (depth-first search). */
/**
 * The admin channel runs CLI commands inside the service that holds an embedded database
 * (src/api/admin.ts imports src/cli/main.ts and its protocol), while the serve command starts the
 * service: the CLI and the API wrap each other by design. That one pair of edges is kept out of
 * the cycle check, and pinned to that one file by its own test below.
 */
const ADMIN_CHANNEL = 'src/api/admin.ts';

function layerCycles(): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of EDGES) {
    if (e.from === ADMIN_CHANNEL && under(e.to, 'src/cli')) continue;
    const a = layer(e.from);
    const b = layer(e.to);
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)?.add(b);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('the import graph', () => {
  it('is scanned: known edges of every kind are found', () => {
    // A scanner that silently finds nothing would pass every rule below.
    const has = (from: string, to: string) => EDGES.some((e) => e.from === from && e.to === to);
    expect(has('src/api/app.ts', 'src/schema/index.ts')).toBe(true);
    expect(has('src/schema/context.ts', 'src/catalogue/actor.ts')).toBe(true); // export … from
    expect(has('src/catalogue/records.ts', 'src/catalogue/changes.ts')).toBe(true);
    expect(EDGES.filter((e) => e.from.startsWith('src/cli/') && e.spec.includes('commands/')).length).toBeGreaterThan(0); // import()
    expect(EDGES.length).toBeGreaterThan(300);
  });

  it('the runtime imports none of cli, api, schema, catalogue, db, config, the generated client, Prisma or a database driver', () => {
    const bad = [
      ...crossing('src/hypervisor-runtime', [
        'src/cli',
        'src/api',
        'src/schema',
        'src/catalogue',
        'src/db',
        'src/config',
        'src/generated',
        'seed',
      ]),
      ...EDGES.filter((e) => under(e.from, 'src/hypervisor-runtime') && /^(@prisma\/|prisma$|pg$|@electric-sql\/)/.test(e.to)).map(show),
    ];
    expect(bad).toEqual([]);
  });

  it('the shared vocabulary (src/vocabulary) is a leaf: it imports nothing, so every layer and the runtime may use it', () => {
    expect(EDGES.filter((e) => under(e.from, 'src/vocabulary')).map(show)).toEqual([]);
    // the runtime and the importers take the device vocabulary from it
    expect(EDGES.some((e) => e.from === 'src/hypervisor-runtime/facts.ts' && e.to === 'src/vocabulary/devices.ts')).toBe(true);
    expect(EDGES.some((e) => e.from === 'seed/importers/devices.ts' && e.to === 'src/vocabulary/devices.ts')).toBe(true);
  });

  it('the catalogue domain imports none of api, schema, cli or the runtime', () => {
    expect(crossing('src/catalogue', ['src/api', 'src/schema', 'src/cli', 'src/hypervisor-runtime', 'seed'])).toEqual([]);
  });

  it('the GraphQL schema imports neither the API (no cycle api ↔ schema) nor the CLI', () => {
    expect(crossing('src/schema', ['src/api', 'src/cli', 'src/hypervisor-runtime'])).toEqual([]);
  });

  it('the database layer imports nothing above it', () => {
    expect(crossing('src/db', ['src/api', 'src/schema', 'src/catalogue', 'src/cli', 'src/hypervisor-runtime', 'seed'])).toEqual([]);
  });

  it('seed data and importers write through the catalogue, never through the API or the schema', () => {
    expect(crossing('seed', ['src/api', 'src/schema', 'src/cli'])).toEqual([]);
  });

  it('nothing but the server entry (the serve command) imports src/api', () => {
    const ENTRY = 'src/cli/commands/serve.ts';
    const bad = EDGES.filter((e) => under(e.to, 'src/api') && !under(e.from, 'src/api') && e.from !== ENTRY).map(show);
    expect(bad).toEqual([]);
    expect(EDGES.some((e) => e.from === ENTRY && e.to === 'src/api/server.ts')).toBe(true);
  });

  it('has no cycle between layers', () => {
    expect(layerCycles()).toEqual([]);
  });

  it('the API reaches the CLI only through the admin channel', () => {
    expect(EDGES.filter((e) => under(e.from, 'src/api') && under(e.to, 'src/cli') && e.from !== ADMIN_CHANNEL).map(show)).toEqual([]);
  });
});

describe('the change feed', () => {
  it('has one writer: appendChanges in src/catalogue/changes.ts', () => {
    const WRITER = 'src/catalogue/changes.ts';
    const bad: string[] = [];
    for (const f of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'seed'))]) {
      const rel = relative(ROOT, f);
      if (rel === WRITER || rel.endsWith('.test.ts')) continue;
      const text = readFileSync(f, 'utf8');
      // Raw SQL into "Change", or the Prisma delegate of the Change model (tx.change / d('change')).
      if (/INSERT\s+INTO\s+"Change"/i.test(text) || /\.change\.(create|upsert|update)|\(\s*['"]change['"]\s*\)/.test(text)) bad.push(rel);
    }
    expect(bad).toEqual([]);
    expect(readFileSync(join(ROOT, WRITER), 'utf8')).toMatch(/INSERT INTO "Change"/);
  });
});
