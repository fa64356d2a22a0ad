// The shipped `virtcompat plan` fast path (scripts/fast-plan.cjs, loaded by bin/virtcompat.cjs) answers
// byte for byte as the TypeScript sources do (VIRTCOMPAT_FAST_PLAN=0), and a build whose inputs changed
// is never run: the bin rebuilds it, or runs the sources when it cannot build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { planningData } from './fixtures/runtime/load.ts';

const ROOT = join(import.meta.dirname, '..');
const SERVICE = 'http://127.0.0.1:9/graphql';
const temps: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

let snap: string;
let home: string;
let badSpec: string;
beforeAll(() => {
  snap = temp('vc-fast-snap-');
  home = temp('vc-fast-home-');
  // zod's messages (zod is not in the bundle: loaded from node_modules for a spec the acceptor refuses)
  badSpec = join(snap, 'bad.json');
  writeFileSync(badSpec, JSON.stringify({ memry: '2G', vcpus: -1, disks: [{ path: 1 }] }));
  // a YAML spec (the yaml package is loaded when one is read)
  writeFileSync(join(snap, 'vm.yaml'), 'name: web\nvcpus: 2\nmemory: 3GiB\ndisks:\n  - path: /vm/web.qcow2\nnics:\n  - backend: user\n');
  for (const [g, hv] of [
    ['debian11', 'kvm'],
    ['win11', 'kvm'],
    ['winxp', 'kvm'],
    ['debian11', 'xen'],
    ['win11', 'hyperv'],
    ['winxp', 'cloud-hypervisor'],
  ] as const)
    writeSnapshotEntry(snap, SERVICE, g, hv, planningData(g, hv), new Date());
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}
/** `virtcompat plan` through the bin of `root`; `fast` false forces the sources. VIRTCOMPAT_DEBUG names the path taken. */
function plan(root: string, args: string[], fast: boolean): Run & { path: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/virtcompat.cjs'), 'plan', ...args], {
    encoding: 'utf8',
    cwd: root,
    timeout: 180_000,
    env: { PATH: process.env.PATH, HOME: home, VIRTCOMPAT_DEBUG: '1', ...(fast ? {} : { VIRTCOMPAT_FAST_PLAN: '0' }) },
  });
  const lines = r.stderr.split('\n');
  const path = lines.filter((l) => l.startsWith('virtcompat: fast plan: ')).join('\n');
  return { code: r.status, out: r.stdout, err: lines.filter((l) => !l.startsWith('virtcompat: fast plan: ')).join('\n'), path };
}
const common = (g: string, hv: string) => [
  '--guest',
  g,
  '--hypervisor',
  hv,
  '--host',
  join(ROOT, 'examples/hosts/kvm-x86_64.json'),
  '--offline',
  '--snapshot-dir',
  snap,
  '--service',
  SERVICE,
];

describe('virtcompat plan: the shipped fast path', () => {
  beforeAll(() => {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/fast-plan.cjs'), 'build'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(b.status, 0, b.stderr);
  });

  const cases: [string, string[]][] = [
    ['debian11 on KVM, libvirt XML', [...common('debian11', 'kvm'), '--format', 'libvirt']],
    ['win11 on KVM, QEMU argv (UEFI, TPM)', [...common('win11', 'kvm'), '--format', 'qemu', '--name', 'w11']],
    ['winxp on KVM, the plan as JSON with --explain on stderr', [...common('winxp', 'kvm'), '--format', 'json', '--explain']],
    ['debian11 on Xen, xl.cfg', [...common('debian11', 'xen'), '--format', 'xl']],
    ['win11 on Hyper-V, the plan as JSON', [...common('win11', 'hyperv')]],
    ['winxp on Cloud Hypervisor, no plan (exit 1, the error as JSON)', [...common('winxp', 'cloud-hypervisor'), '--format', 'json']],
    ['a usage error (exit 2)', [...common('debian11', 'kvm'), '--format', 'yaml']],
    ['--help', ['--help']],
    ['a VM spec with errors zod reports (exit 2)', [...common('debian11', 'kvm'), '--spec', 'SPEC']],
    ['a YAML VM spec, QEMU argv', [...common('debian11', 'kvm'), '--spec', 'YAML', '--format', 'qemu']],
    ['no snapshot entry (exit 1)', [...common('rhel9.0', 'kvm')]],
  ];
  for (const [name, args] of cases) {
    it(`answers as the sources do: ${name}`, { timeout: 240_000 }, () => {
      const argv = args.map((a) => (a === 'SPEC' ? badSpec : a === 'YAML' ? join(snap, 'vm.yaml') : a));
      const fast = plan(ROOT, argv, true);
      const slow = plan(ROOT, argv, false);
      assert.match(
        fast.path,
        /fast-plan\/plan-[0-9a-f]+\.cjs with its code cache$/,
        `the fast path was not taken: ${fast.path}\n${fast.err}`,
      );
      assert.equal(slow.path, '');
      assert.equal(fast.code, slow.code);
      assert.equal(fast.out, slow.out);
      assert.equal(fast.err, slow.err);
      assert.ok(fast.out.length + fast.err.length > 0);
    });
  }
});

describe('virtcompat plan: zod stays out of a valid plan', () => {
  it('the bundle holds no zod; a valid spec and host profile never load it, a bad spec does', { timeout: 240_000 }, () => {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/fast-plan.cjs'), 'build'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(b.status, 0, b.stderr);
    const manifest = JSON.parse(readFileSync(join(ROOT, '.cache/fast-plan/manifest.json'), 'utf8')) as { inputs: { path: string }[] };
    assert.deepEqual(
      manifest.inputs.filter((i) => i.path.includes('node_modules')),
      [],
    );
    // a preload that says, at exit, whether a module of the zod package was loaded
    const hook = join(temp('vc-fast-hook-'), 'hook.cjs');
    writeFileSync(
      hook,
      "process.on('exit', () => process._rawDebug('zod loaded: ' + Object.keys(require.cache).some((k) => /[\\/]node_modules[\\/]zod[\\/]/.test(k))));\n",
    );
    const spec = join(snap, 'good.json');
    writeFileSync(spec, JSON.stringify({ name: 'web', vcpus: 2, memory: '2GiB', disks: [{ path: '/vm/web.qcow2' }], nics: [{}] }));
    const run = (specFile: string) =>
      spawnSync(
        process.execPath,
        ['--require', hook, join(ROOT, 'bin/virtcompat.cjs'), 'plan', ...common('debian11', 'kvm'), '--spec', specFile],
        {
          encoding: 'utf8',
          cwd: ROOT,
          timeout: 180_000,
          env: { PATH: process.env.PATH, HOME: home, VIRTCOMPAT_DEBUG: '1' },
        },
      );
    const good = run(spec);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stderr, /with its code cache\n/);
    assert.match(good.stderr, /zod loaded: false/);
    const bad = run(badSpec);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /zod loaded: true/);
  });
});

describe("the fast plan's output writer", () => {
  const { fdWriter } = createRequire(import.meta.url)('../scripts/fast-plan.cjs') as {
    fdWriter: (
      fd: number,
      stream: () => { write(b: Uint8Array | string, cb?: () => void): boolean },
      writeSync: (fd: number, b: Uint8Array, off: number, len: number) => number,
    ) => { write(s: string, cb?: () => void): boolean };
  };
  it('writes whole texts through partial writes; a full non-blocking descriptor hands the rest and all later output to the stream', () => {
    const written: Buffer[] = [];
    let full = false;
    const writeSync = (_fd: number, b: Uint8Array, off: number, len: number) => {
      if (full) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
      const n = Math.min(len, 3); // a short write
      written.push(Buffer.from(b.subarray(off, off + n)));
      return n;
    };
    const streamed: string[] = [];
    let streams = 0;
    const stream = () => {
      streams++;
      return { write: (b: Uint8Array | string) => (streamed.push(Buffer.from(b).toString()), true) };
    };
    const w = fdWriter(1, stream, writeSync);
    w.write('héllo wörld\n');
    assert.equal(Buffer.concat(written).toString(), 'héllo wörld\n');
    assert.ok(written.length > 4);
    assert.equal(streams, 0);
    full = true;
    w.write('second');
    full = false;
    w.write('third');
    assert.deepEqual(streamed, ['second', 'third']);
    assert.equal(streams, 1);
    assert.throws(
      () =>
        fdWriter(1, stream, () => {
          throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
        }).write('x'),
      /EPIPE/,
    );
  });
});

describe('virtcompat plan: a stale build is not used', () => {
  let copy: string;
  const libvirtTs = () => join(copy, 'src/hypervisor-runtime/render/libvirt.ts');
  const args = () => [...common('debian11', 'kvm'), '--format', 'libvirt'];

  /** The parts of the project `plan` needs, in a folder of their own; `node_modules` as given. */
  function copyProject(nodeModules: (dir: string) => void): string {
    const dir = temp('vc-fast-copy-');
    for (const p of ['bin', 'scripts', 'package.json', 'tsconfig.json', 'examples/hosts', 'test/fixtures/runtime'])
      cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    for (const p of ['src/cli', 'src/hypervisor-runtime', 'src/util'])
      cpSync(join(ROOT, p), join(dir, p), { recursive: true, filter: (s) => !s.endsWith('.test.ts') });
    nodeModules(join(dir, 'node_modules'));
    return dir;
  }

  beforeAll(() => {
    copy = copyProject((nm) => symlinkSync(join(ROOT, 'node_modules'), nm));
    const b = spawnSync(process.execPath, [join(copy, 'scripts/fast-plan.cjs'), 'build'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(b.status, 0, b.stderr);
  });

  it('a touched but unchanged source keeps the build', { timeout: 240_000 }, () => {
    const before = plan(copy, args(), true);
    assert.match(before.path, /with its code cache$/);
    const t = new Date(Date.now() + 5000);
    utimesSync(libvirtTs(), t, t);
    const after = plan(copy, args(), true);
    assert.equal(after.path, before.path);
    assert.equal(after.out, before.out);
  });

  it('a changed source: the old bundle is not run, the bin builds again and answers from the change', { timeout: 240_000 }, () => {
    const old = plan(copy, args(), true);
    const oldBundle = /(\/\S+\.cjs)/.exec(old.path)?.[1];
    assert.ok(oldBundle, old.path);
    writeFileSync(libvirtTs(), readFileSync(libvirtTs(), 'utf8').replace('<!-- virtcompat plan for', '<!-- virtcompat PLAN for'));
    const fresh = plan(copy, args(), true);
    assert.match(fresh.path, /src\/hypervisor-runtime\/render\/libvirt\.ts changed; building/);
    assert.ok(!fresh.path.includes(oldBundle), `the stale bundle ran: ${fresh.path}`);
    assert.match(fresh.out, /^<!-- virtcompat PLAN for debian11/);
    const slow = plan(copy, args(), false);
    assert.equal(fresh.out, slow.out);
    assert.equal(fresh.err, slow.err);
    // and the next run takes the new build as it is
    const next = plan(copy, args(), true);
    assert.match(next.path, /with its code cache$/);
    assert.ok(!next.path.includes(oldBundle));
    assert.equal(next.out, fresh.out);
  });

  it('a changed source where no build can be made: the sources run, not the old bundle', { timeout: 240_000 }, () => {
    // the same project, but without esbuild
    const noEsbuild = copyProject((nm) => {
      mkdirSync(nm);
      for (const n of readdirSync(join(ROOT, 'node_modules'))) {
        if (n === 'esbuild' || n === '.bin' || n === '.cache') continue;
        if (n === '@esbuild') continue;
        symlinkSync(join(ROOT, 'node_modules', n), join(nm, n));
      }
    });
    cpSync(join(copy, '.cache'), join(noEsbuild, '.cache'), { recursive: true });
    cpSync(libvirtTs(), join(noEsbuild, 'src/hypervisor-runtime/render/libvirt.ts'));
    // the build copied from `copy` is current here (same inputs) until a source changes
    const before = plan(noEsbuild, args(), true);
    assert.match(before.path, /with its code cache$/);
    const file = join(noEsbuild, 'src/hypervisor-runtime/render/libvirt.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('<!-- virtcompat PLAN for', '<!-- virtcompat plan (sources) for'));
    const r = plan(noEsbuild, args(), true);
    assert.match(r.path, /libvirt\.ts changed; building[\s\S]*cannot build .*running the TypeScript sources/);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^<!-- virtcompat plan \(sources\) for debian11/);
  });
});
