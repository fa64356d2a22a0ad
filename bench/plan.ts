// Benchmark: planning from a warm snapshot (in-process), and the CLI end to end side by side with
// `virt-install --print-xml` for the same guests.
//
//   node --import tsx bench/plan.ts [--iterations N] [--cli-runs N] [--json]
//
// In-process: facts read from the snapshot file (fetchFacts --offline: read, parse, normalise) + decide
// + render libvirt XML, per guest; target under 5 ms. CLI: process start to output, three ways:
//   - `node bin/virtcompat.mjs plan ...`  (the CLI as shipped: tsx compiles TypeScript at start, and the
//     command index loads every command's modules)
//   - src/hypervisor-runtime/fast-entry.ts bundled into one CommonJS file with esbuild, and the same
//     captured in a Node startup snapshot (--build-snapshot, warmed on the fixtures): what a build step would ship
//   - `virt-install --connect qemu:///system --print-xml` (when virt-install and libvirtd are there)
// Target: the CLI at least 5x faster than virt-install.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fetchFacts, writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { loadHostProfile } from '../src/hypervisor-runtime/host.ts';
import { renderLibvirt } from '../src/hypervisor-runtime/render/libvirt.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { planningData } from '../test/fixtures/runtime/load.ts';

const ROOT = join(import.meta.dirname, '..');
const GUESTS = ['debian11', 'rhel9.0', 'winxp', 'win10', 'win11'];
const SERVICE = 'http://127.0.0.1:9/graphql';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' }, 'cli-runs': { type: 'string', default: '7' }, json: { type: 'boolean' } } });
const N = Number(values.iterations);
const RUNS = Number(values['cli-runs']);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), min: s[0], max: s[s.length - 1] };
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 3 : 1)} ms`;

const snap = mkdtempSync(join(tmpdir(), 'vc-bench-snap-'));
const imgDir = mkdtempSync(join(tmpdir(), 'vc-bench-img-'));
process.on('exit', () => {
  rmSync(snap, { recursive: true, force: true });
  rmSync(imgDir, { recursive: true, force: true });
});
for (const g of GUESTS) writeSnapshotEntry(snap, SERVICE, g, 'kvm', planningData(g, 'kvm'), new Date());
const host = loadHostProfile(join(ROOT, 'examples', 'hosts', 'kvm-x86_64.json'));
const img = join(imgDir, 'disk.img');
closeSync(openSync(img, 'w'));
const memoryFor = (g: string) => (g === 'win11' ? 4096 : 2048);

// ── in-process ──
const inproc: Record<string, { decide: ReturnType<typeof stats>; warm: ReturnType<typeof stats> }> = {};
for (const g of GUESTS) {
  const spec = parseSpec({ name: 'x', memory: memoryFor(g), disks: [{ path: img }] });
  const first = await fetchFacts({ service: SERVICE, guest: g, hypervisor: 'kvm', snapshotDir: snap, offline: true });
  const d: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    const r = decide({ facts: first.facts, provenance: first.provenance, host, spec });
    d.push(performance.now() - t);
    if (!r.ok) throw r.error;
    t = performance.now();
    const f = await fetchFacts({ service: SERVICE, guest: g, hypervisor: 'kvm', snapshotDir: snap, offline: true });
    const p = decide({ facts: f.facts, provenance: f.provenance, host, spec });
    if (!p.ok) throw p.error;
    renderLibvirt(p.plan);
    w.push(performance.now() - t);
  }
  inproc[g] = { decide: stats(d), warm: stats(w) };
}

// ── CLI end to end ──
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; ok: boolean; err: string } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, cwd: ROOT, timeout: 120000 });
  return { ms: performance.now() - t, ok: r.status === 0, err: (r.stderr ?? '').split('\n').filter((l) => !l.startsWith('warning:')).join('\n').slice(0, 300) };
}

// build the fast entry the way a build step would: one CommonJS bundle, and a Node startup snapshot of it
let bundle: string | null = null;
let blob: string | null = null;
try {
  const esbuild = await import('esbuild');
  // inside node_modules/.cache so the bundle resolves packages it leaves out (yaml: loaded only for YAML specs)
  const dir = join(ROOT, 'node_modules', '.cache', 'virtcompat-bench');
  mkdirSync(dir, { recursive: true });
  bundle = join(dir, 'virtcompat-plan.cjs');
  await esbuild.build({ entryPoints: [join(ROOT, 'src/hypervisor-runtime/fast-entry.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'silent', minify: true, external: ['yaml'] });
  const b = join(dir, 'virtcompat-plan.blob');
  const r = spawnSync(process.execPath, ['--snapshot-blob', b, '--build-snapshot', bundle], { encoding: 'utf8', env: { ...process.env, VIRTCOMPAT_WARM_FIXTURES: join(ROOT, 'test/fixtures/runtime') } });
  if (r.status === 0) blob = b;
  else console.error(`startup snapshot skipped: ${r.stderr.slice(0, 300)}`);
} catch (err) {
  console.error(`bundling skipped: ${(err as Error).message}`);
  bundle = null;
}

const viAvailable = spawnSync('virt-install', ['--version']).status === 0 && spawnSync('virsh', ['-c', 'qemu:///system', 'uri'], { timeout: 10000 }).status === 0;
const cli: Record<string, Record<string, ReturnType<typeof stats> | null>> = {};
const planArgs = (g: string) => ['plan', '--guest', g, '--hypervisor', 'kvm', '--host', join(ROOT, 'examples/hosts/kvm-x86_64.json'), '--offline', '--snapshot-dir', snap, '--service', SERVICE, '--format', 'libvirt', '--spec', specFile(g)];
function specFile(g: string): string {
  const f = join(imgDir, `${g}.json`);
  writeFileSync(f, JSON.stringify({ name: 'x', memory: memoryFor(g), disks: [{ path: img }] }));
  return f;
}
for (const g of GUESTS) {
  const row: Record<string, ReturnType<typeof stats> | null> = {};
  const shipped: number[] = [];
  const bundled: number[] = [];
  const snapped: number[] = [];
  const vi: number[] = [];
  const viArgs = ['--connect', 'qemu:///system', '--print-xml', '--os-variant', g, '--import', '--disk', `path=${img}`, '--memory', String(memoryFor(g)), '--network', 'user', '--name', 'x'];
  // one warm-up each (tsx compile cache, page cache, libvirtd capabilities cache)
  time(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), ...planArgs(g)]);
  if (viAvailable) time('virt-install', viArgs);
  for (let i = 0; i < RUNS; i++) {
    const a = time(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), ...planArgs(g)]);
    if (!a.ok) throw new Error(`virtcompat plan ${g} failed: ${a.err}`);
    shipped.push(a.ms);
    if (bundle) {
      const b = time(process.execPath, [bundle, ...planArgs(g)]);
      if (!b.ok) throw new Error(`bundled plan ${g} failed: ${b.err}`);
      bundled.push(b.ms);
    }
    if (blob) {
      const b = time(process.execPath, ['--snapshot-blob', blob, ...planArgs(g)]);
      if (!b.ok) throw new Error(`snapshot plan ${g} failed: ${b.err}`);
      snapped.push(b.ms);
    }
    if (viAvailable) {
      const c = time('virt-install', viArgs);
      if (!c.ok) throw new Error(`virt-install ${g} failed: ${c.err}`);
      vi.push(c.ms);
    }
  }
  row.shipped = stats(shipped);
  row.bundled = bundle ? stats(bundled) : null;
  row.snapshot = blob ? stats(snapped) : null;
  row.virtInstall = viAvailable ? stats(vi) : null;
  cli[g] = row;
}
const nodeStart = stats(Array.from({ length: RUNS }, () => time(process.execPath, ['-e', '0']).ms));

if (values.json) {
  console.log(JSON.stringify({ iterations: N, cliRuns: RUNS, loadavg: loadavg(), inProcess: inproc, cli, nodeStart }, null, 2));
} else {
  console.log(`Planning from a warm snapshot, in-process (${N} iterations; target < 5 ms):`);
  console.log('  guest        decide only (median / p95)      snapshot read + decide + libvirt XML (median / p95)');
  for (const [g, r] of Object.entries(inproc)) console.log(`  ${g.padEnd(12)} ${ms(r.decide.median).padEnd(10)} / ${ms(r.decide.p95).padEnd(16)} ${ms(r.warm.median).padEnd(10)} / ${ms(r.warm.p95)}`);
  console.log(`\nCLI end to end, process start to output (median of ${RUNS}; node -e 0 alone: ${ms(nodeStart.median)}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  console.log('  guest        tsx (as shipped)   bundle (.cjs)   startup snapshot   virt-install --print-xml   virt-install ÷ snapshot   ÷ bundle   ÷ tsx');
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(1)}x` : 'n/a');
  for (const [g, r] of Object.entries(cli)) {
    const vi = r.virtInstall?.median;
    console.log(
      `  ${g.padEnd(12)} ${ms(r.shipped!.median).padEnd(18)} ${(r.bundled ? ms(r.bundled.median) : 'n/a').padEnd(15)} ${(r.snapshot ? ms(r.snapshot.median) : 'n/a').padEnd(18)} ${(vi ? ms(vi) : 'n/a (no virt-install/libvirtd)').padEnd(26)} ${ratio(vi, r.snapshot?.median).padEnd(25)} ${ratio(vi, r.bundled?.median).padEnd(10)} ${ratio(vi, r.shipped?.median)}`,
    );
  }
}
