// The acceptors (accept.ts) against their zod schemas, on the examples and on thousands of mutants of them:
// whatever an acceptor accepts, zod accepts with the same output (keys in the same order); the examples
// themselves are accepted without zod.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import YAML from 'yaml';
import { must } from '../util/must.ts';
import type { Check } from './accept.ts';
import { acceptHost, hostSchemas } from './host.ts';
import { acceptSpec, specSchemas } from './spec.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

/** A small deterministic PRNG (mulberry32): the same mutants on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value with every object's keys in order, undefined values kept: deepStrictEqual on it checks key order too. */
function ordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(ordered);
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, ordered(x)]);
  return v;
}

const VALUES: (() => unknown)[] = [
  () => undefined,
  () => null,
  () => true,
  () => false,
  () => 0,
  () => -0,
  () => -1,
  () => 1,
  () => 1.5,
  () => 4096,
  () => 4097,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => 2 ** 53,
  () => '',
  () => ' ',
  () => 'auto',
  () => 'none',
  () => 'kvm',
  () => 'x',
  () => '2GiB',
  () => '0',
  () => '12parsecs',
  () => 'bridge',
  () => 'tap',
  () => 'passthrough',
  () => 'required',
  () => 'untested',
  () => 'virtcompat-host/1',
  () => '0000:03:00.0',
  () => '03:00.0',
  () => '52:54:00:12:34:56',
  () => '8086',
  () => '020000',
  () => 'disk',
  () => 'qcow2',
  () => [],
  () => [''],
  () => ['a'],
  () => [1],
  () => ({}),
  () => ({ path: 'a' }),
  () => ({ host: '0000:03:00.0' }),
  () => ({ kernel: 'k' }),
  () => ({ binary: '/usr/bin/swtpm' }),
  () => new Date(0),
  () => Object.create(null),
];

function keysOf(v: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) keysOf(x, into);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      into.add(k);
      keysOf(x, into);
    }
  return into;
}

/** Every object and array inside `v` (itself included). */
function nodes(v: unknown, out: unknown[] = []): unknown[] {
  if (v && typeof v === 'object') {
    out.push(v);
    for (const x of Object.values(v)) nodes(x, out);
  }
  return out;
}

/** `base` with one to three random changes: a key dropped, added, replaced or set to undefined; an element added or replaced. */
function mutant(base: unknown, keys: string[], random: () => number): unknown {
  const v = structuredClone(base);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const value = () => (random() < 0.15 ? structuredClone(pick(nodes(base))) : pick(VALUES)());
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const node = pick(nodes(v)) as Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      if (random() < 0.5 || node.length === 0) node.push(node.length && random() < 0.5 ? structuredClone(node[0]) : value());
      else node[Math.floor(random() * node.length)] = value();
      continue;
    }
    const own = Object.keys(node);
    const r = random();
    if (r < 0.2 && own.length) delete node[pick(own)];
    else if (r < 0.45) node[pick(keys)] = value();
    else if (r < 0.55 && own.length) node[pick(own)] = undefined;
    else if (own.length) node[pick(own)] = value();
  }
  return v;
}

interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  innerType?: { _zod: { def: ZodDef } };
  element?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
}
/**
 * The acceptor has the same objects with the same keys, in the same order, as the zod schema: a key the
 * acceptor knows and zod does not is found here even when no example or mutant has it.
 */
function sameStructure(schema: { _zod: { def: ZodDef } }, check: Check<unknown> | undefined, path: string): void {
  let def = schema._zod.def;
  while (def.type === 'optional' || def.type === 'default' || def.type === 'pipe')
    def = must(def.innerType ?? def.in, `${path}: the inner schema`)._zod.def;
  if (def.type === 'nullable') {
    sameStructure(must(def.innerType, `${path}: nullable's inner schema`), check?.inner ?? check, path);
  } else if (def.type === 'array') {
    assert.ok(check?.element, `${path}: zod has a list, the acceptor does not say so`);
    sameStructure(must(def.element, `${path}: the element`), check.element, `${path}[]`);
  } else if (def.type === 'object') {
    const shape = must(def.shape, `${path}: the shape`);
    assert.ok(check?.fields, `${path}: zod has an object, the acceptor does not say so`);
    assert.deepEqual(Object.keys(check.fields), Object.keys(shape), `${path}: keys`);
    for (const [k, f] of Object.entries(check.fields)) sameStructure(must(shape[k], k), f.check, `${path}.${k}`);
  }
}

function check(
  name: string,
  corpus: unknown[],
  accept: ((v: unknown) => unknown) & { check: Check<unknown> },
  schema: { _zod: { def: ZodDef } },
  parse: (v: unknown) => { success: boolean; data?: unknown },
) {
  describe(`${name}: the acceptor never accepts what zod refuses, and gives zod's output`, () => {
    it("has the zod schema's objects and keys", () => sameStructure(schema, accept.check, name));

    it('accepts every example without zod, as zod does', () => {
      for (const c of corpus) {
        const fast = accept(c);
        assert.notEqual(fast, undefined, `not accepted: ${JSON.stringify(c)}`);
        const z = parse(c);
        assert.ok(z.success);
        assert.deepStrictEqual(ordered(fast), ordered(z.data));
      }
    });

    const keys = [...[...corpus].reduce<Set<string>>((s, c) => keysOf(c, s), new Set()), 'zzz', '__proto__', 'constructor'];
    let accepted = 0;
    let refused = 0;
    const agree = (m: unknown) => {
      const fast = accept(m);
      const z = parse(m);
      if (fast === undefined) {
        if (!z.success) refused++;
        return;
      }
      accepted++;
      assert.ok(z.success, `accepted, but zod refuses: ${JSON.stringify(m)}`);
      assert.deepStrictEqual(ordered(fast), ordered(z.data), JSON.stringify(m));
    };

    it('agrees with zod on every single edit of the examples', () => {
      // in each object (of a list, the first): each key set to each value, dropped, set to undefined; each
      // key of the corpus added with the values it has anywhere in the corpus; each place (a path, list
      // indices aside) in the first example that has it
      const walked = new Set<string>();
      const seen = new Map<string, unknown[]>();
      for (const c of corpus)
        for (const n of nodes(c))
          if (!Array.isArray(n)) for (const [k, x] of Object.entries(n as object)) seen.set(k, [...(seen.get(k) ?? []), x].slice(0, 2));
      for (const c of corpus) {
        const walk = (path: (string | number)[]) => {
          const at = (root: unknown) => path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], root);
          const node = at(c);
          const place = path.map((k) => (typeof k === 'number' ? '[]' : k)).join('.');
          if (walked.has(place)) return;
          walked.add(place);
          if (Array.isArray(node)) {
            if (node.length) walk([...path, 0]);
            for (const v of VALUES) {
              const m = structuredClone(c);
              (at(m) as unknown[]).push(v());
              agree(m);
            }
            return;
          }
          if (!node || typeof node !== 'object') return;
          const edit = (f: (o: Record<string, unknown>) => void) => {
            const m = structuredClone(c);
            f(at(m) as Record<string, unknown>);
            agree(m);
          };
          for (const k of Object.keys(node)) {
            for (const v of VALUES) edit((o) => (o[k] = v()));
            edit((o) => delete o[k]);
            walk([...path, k]);
          }
          for (const k of keys) for (const v of seen.get(k) ?? [1]) if (!Object.hasOwn(node, k)) edit((o) => (o[k] = structuredClone(v)));
        };
        walk([]);
      }
    });

    it('agrees with zod on 3000 random mutants of the examples (up to three edits each)', () => {
      const random = rng(20261129);
      for (let i = 0; i < 3000; i++) agree(mutant(corpus[i % corpus.length], keys, random));
      // both sides of the contract were exercised
      assert.ok(accepted > 500 && refused > 500, `accepted ${accepted}, refused ${refused}`);
    });
  });
}

const specs = readdirSync(join(EXAMPLES, 'vms')).map((f) => YAML.parse(readFileSync(join(EXAMPLES, 'vms', f), 'utf8')) as unknown);
specs.push(
  {},
  {
    name: 'every-key',
    guest: 'debian12',
    hypervisor: 'kvm',
    hypervisorRelease: '8.2',
    arch: 'x86_64',
    vcpus: 2,
    memory: 2048,
    firmware: 'uefi',
    machine: 'q35',
    display: 'vnc',
    disks: [
      {
        name: 'root',
        path: 'a.qcow2',
        format: 'qcow2',
        device: 'disk',
        size: '10GiB',
        readonly: false,
        bus: 'virtio',
        prefer: 'auto',
        boot: true,
      },
    ],
    nics: [
      { name: 'n0', backend: 'tap', tap: 'tap0', mac: '52:54:00:12:34:56', model: 'virtio', prefer: 'paravirtual' },
      { backend: 'bridge', bridge: 'br0', prefer: 'passthrough', passthrough: { host: '0000:03:00.0', vf: true, required: false } },
    ],
    tpm: 'none',
    rng: 'none',
    balloon: 'auto',
    guestAgent: 'none',
    sound: 'auto',
    usb: 'none',
    boot: { kernel: 'vmlinuz', initrd: 'initrd.img', cmdline: 'console=ttyS0' },
    drivers: { addon: true },
    constraints: {
      migrateAcross: ['h.json'],
      noEmulatedDevices: true,
      requireHardwareAcceleration: true,
      allowBelowMinimum: false,
      allowUnsupported: false,
    },
  },
);
check('VM spec', specs, acceptSpec, specSchemas().VmSpec as never, (v) => specSchemas().VmSpec.safeParse(v));

const hosts = readdirSync(join(EXAMPLES, 'hosts')).map((f) => JSON.parse(readFileSync(join(EXAMPLES, 'hosts', f), 'utf8')) as unknown);
check('host profile', hosts, acceptHost, hostSchemas().HostProfile as never, (v) => hostSchemas().HostProfile.safeParse(v));
