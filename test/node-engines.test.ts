// The Node the README and package.json name must be one every installed dependency accepts: a
// newcomer following the README gets no EBADENGINE warnings and no package that needs a newer Node
// than the one they installed. Walks every package reachable from package.json's dependencies and
// devDependencies the way Node resolves them (nested node_modules first), and checks each one's
// `engines.node` against the running Node and against the lowest Node package.json allows.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

interface Pkg {
  name?: string;
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

const readPkg = (dir: string): Pkg => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg;

type Version = [number, number, number];

/** A version with missing or wildcard parts: `20`, `20.19`, `10.x`, `v12.22.7`. */
function parsePartial(s: string): { v: Version; parts: number } {
  const parts = s.replace(/^v/, '').split('.');
  const nums: number[] = [];
  for (const p of parts.slice(0, 3)) {
    if (p === 'x' || p === 'X' || p === '*') break;
    const n = Number.parseInt(p, 10);
    if (Number.isNaN(n)) throw new Error(`cannot read version ${JSON.stringify(s)}`);
    nums.push(n);
  }
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], parts: nums.length };
}

const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function comparator(c: string, v: Version): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(c);
  const op = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  if (rest === '*' || rest === '' || rest === 'x') return true;
  const { v: w, parts } = parsePartial(rest);
  const next = (level: number): Version => (level === 0 ? [w[0] + 1, 0, 0] : level === 1 ? [w[0], w[1] + 1, 0] : [w[0], w[1], w[2] + 1]);
  switch (op) {
    case '>=':
      return cmp(v, w) >= 0;
    case '>':
      return parts < 3 ? cmp(v, next(parts - 1)) >= 0 : cmp(v, w) > 0;
    case '<':
      return cmp(v, w) < 0;
    case '<=':
      return parts < 3 ? cmp(v, next(parts - 1)) < 0 : cmp(v, w) <= 0;
    case '^': {
      const level = w[0] > 0 || parts === 1 ? 0 : w[1] > 0 || parts === 2 ? 1 : 2;
      return cmp(v, w) >= 0 && cmp(v, next(level)) < 0;
    }
    case '~':
      return cmp(v, w) >= 0 && cmp(v, next(parts >= 2 ? 1 : 0)) < 0;
    default:
      // A bare or `=` version: an X-range when partial (`20` is any 20.x.y).
      return parts === 3 ? cmp(v, w) === 0 : cmp(v, w) >= 0 && cmp(v, next(parts - 1)) < 0;
  }
}

/** Whether a semver range (the forms package.json `engines` use) accepts a version. */
function satisfies(range: string, version: string): boolean {
  const v = parsePartial(version).v;
  return range.split('||').some((alt) => {
    // `>= 18` and `>=18` alike: glue an operator to the version after it.
    const comps = alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comps.every((c) => comparator(c, v));
  });
}

/** The installed copy of `name` that a package in `fromDir` gets, as Node resolves it. */
function resolveDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir || !up.startsWith(root)) return undefined;
    dir = up;
  }
}

interface Installed {
  id: string;
  dir: string;
  engine?: string;
}

function installedTree(): Installed[] {
  const top = readPkg(root);
  const seen = new Map<string, Installed>();
  const queue: Array<{ name: string; from: string; optional: boolean }> = [];
  for (const name of Object.keys({ ...top.dependencies, ...top.devDependencies })) queue.push({ name, from: root, optional: false });
  while (queue.length) {
    const next = queue.shift();
    if (!next) break;
    const dir = resolveDir(next.name, next.from);
    if (!dir) {
      // Optional (platform-specific) and peer dependencies may be absent; a required one may not.
      if (!next.optional) throw new Error(`${next.name} (needed from ${next.from}) is not installed: run npm install`);
      continue;
    }
    if (seen.has(dir)) continue;
    const pkg = readPkg(dir);
    seen.set(dir, { id: `${pkg.name}@${pkg.version}`, dir, engine: pkg.engines?.node });
    for (const name of Object.keys(pkg.dependencies ?? {}))
      queue.push({ name, from: dir, optional: name in (pkg.optionalDependencies ?? {}) });
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name, from: dir, optional: true });
  }
  return [...seen.values()];
}

describe('Node versions', () => {
  const project = readPkg(root);
  const stated = project.engines?.node ?? '';
  const minimum = /^>=\s*(\d+\.\d+\.\d+)$/.exec(stated)?.[1];
  const tree = installedTree();

  it('the range checker reads the forms dependencies use', () => {
    expect(satisfies('^20.19.0 || >=22.12.0', '20.20.2')).toBe(true);
    expect(satisfies('^20.19.0 || >=22.12.0', '20.18.1')).toBe(false);
    expect(satisfies('^20.19.0 || >=22.12.0', '21.0.0')).toBe(false);
    expect(satisfies('>=22.15.0', '20.20.2')).toBe(false);
    expect(satisfies('>= 18', '20.0.0')).toBe(true);
    expect(satisfies('20 || >=22', '21.1.0')).toBe(false);
    expect(satisfies('10.* || >= 12.*', '11.0.0')).toBe(false);
    expect(satisfies('>= 10.x', '20.19.0')).toBe(true);
    expect(satisfies('^10 || ^12 || ^13.7 || ^14 || >=15.0.1', '13.6.0')).toBe(false);
    expect(satisfies('*', '20.19.0')).toBe(true);
  });

  it('package.json names one lowest Node, and the README names the same', () => {
    expect(minimum, `package.json engines.node should be ">=X.Y.Z", is ${JSON.stringify(stated)}`).toBeDefined();
    const [major, minor] = (minimum ?? '').split('.');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`Node.js ${major}.${minor} or newer`);
  });

  it('walks the whole installed tree', () => {
    // A walk that found nothing would make the next test vacuous.
    expect(tree.length).toBeGreaterThan(100);
    expect(tree.filter((p) => p.engine).length).toBeGreaterThan(50);
  });

  it(`every installed package accepts the running Node (${process.version}) and the lowest one package.json allows`, () => {
    const refusing = tree.flatMap((p) => {
      if (!p.engine) return [];
      const bad = [process.version, ...(minimum ? [minimum] : [])].filter((v) => !satisfies(p.engine ?? '*', v));
      return bad.length ? [`${p.id} needs node ${p.engine} (refuses ${bad.join(', ')}) at ${p.dir.slice(root.length + 1)}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});
