// Benchmark: planning from a warm snapshot (in-process), and the CLI end to end side by side with
// `virt-install --print-xml` for the same guests.
//
//   node --import tsx bench/plan.ts [--iterations N] [--cli-runs N] [--no-slow] [--json]
//
// In-process: facts read from the snapshot file (fetchFacts --offline: read, parse, normalise) + decide
// + render libvirt XML, per guest; target under 5 ms. CLI: process start to output, interleaved per round
// and guest (A B C D, A B C D ...), so load on the machine hits every variant alike:
//   - `node bin/virtcompat.cjs plan ...`, the shipped bin: the fast path (scripts/fast-plan.cjs: one bundle
//     with a V8 code cache, built by npm install or the first run)
//   - the same bin with VIRTCOMPAT_FAST_PLAN=0: the TypeScript sources through tsx (the slow path)
//   - the bundle captured in a Node startup snapshot (node --snapshot-blob ...), for reference: it needs
//     its own node start flag, so the bin cannot use it
//   - `virt-install --connect qemu:///system --print-xml` (needs virt-install and libvirtd: as root,
//     `libvirtd -d` after the setup in .ci/run)
// Target: the shipped bin at least 5x faster than virt-install. The ratio is taken per interleaved pair
// (virt-install ÷ bin in the same round) and reported as median with p10–p90 and min–max.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '2000' },
    'cli-runs': { type: 'string', default: '7' },
    'no-slow': { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const N = Number(values.iterations);
const RUNS = Number(values['cli-runs']);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return { median: q(0.5), p95: q(0.95), min: q(0), max: q(1) };
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
  return {
    ms: performance.now() - t,
    ok: r.status === 0,
    err: (r.stderr ?? '')
      .split('\n')
      .filter((l) => !l.startsWith('warning:'))
      .join('\n')
      .slice(0, 300),
  };
}

// the shipped bin's fast path, built as `npm install` builds it (a no-op when it is current)
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/fast-plan.cjs'), 'build'], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`fast plan build failed: ${built.stderr}`);
const status = spawnSync(process.execPath, [join(ROOT, 'scripts/fast-plan.cjs'), 'status'], { encoding: 'utf8' }).stdout.trim();
if (!status.startsWith('current:')) throw new Error(`the fast plan build is not current: ${status}`);
const bundle = status.slice('current: '.length);

// for reference: the same bundle in a Node startup snapshot, warmed on the fixtures
let blob: string | null = join(snap, 'virtcompat-plan.blob');
{
  // the bundle is a CommonJS module function (scripts/fast-plan.cjs); the snapshot builder runs a plain script
  const entry = join(snap, 'snapshot-entry.cjs');
  writeFileSync(
    entry,
    `const module = { exports: {} };
(${readFileSync(bundle, 'utf8')})(module.exports, require, module, ${JSON.stringify(bundle)}, ${JSON.stringify(dirname(bundle))});
const { run, warm } = module.exports;
warm(${JSON.stringify(join(ROOT, 'test/fixtures/runtime'))}, ${JSON.stringify(join(ROOT, 'examples/hosts/kvm-x86_64.json'))});
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  const argv = process.argv.slice(2);
  run(argv[0] === 'plan' ? argv.slice(1) : argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => { process.exitCode = code; });
});
`,
  );
  const r = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`startup snapshot skipped: ${r.stderr.slice(0, 300)}`);
    blob = null;
  }
}

const viAvailable =
  spawnSync('virt-install', ['--version']).status === 0 &&
  spawnSync('virsh', ['-c', 'qemu:///system', 'uri'], { timeout: 10000 }).status === 0;
if (!viAvailable) console.error('virt-install or libvirtd (qemu:///system) missing: no ratio (see the setup above)');
const planArgs = (g: string) => [
  'plan',
  '--guest',
  g,
  '--hypervisor',
  'kvm',
  '--host',
  join(ROOT, 'examples/hosts/kvm-x86_64.json'),
  '--offline',
  '--snapshot-dir',
  snap,
  '--service',
  SERVICE,
  '--format',
  'libvirt',
  '--spec',
  specFile(g),
];
function specFile(g: string): string {
  const f = join(imgDir, `${g}.json`);
  writeFileSync(f, JSON.stringify({ name: 'x', memory: memoryFor(g), disks: [{ path: img }] }));
  return f;
}
const viArgs = (g: string) => [
  '--connect',
  'qemu:///system',
  '--print-xml',
  '--os-variant',
  g,
  '--import',
  '--disk',
  `path=${img}`,
  '--memory',
  String(memoryFor(g)),
  '--network',
  'user',
  '--name',
  'x',
];
const slowEnv = { ...process.env, VIRTCOMPAT_FAST_PLAN: '0' };
const BIN = join(ROOT, 'bin/virtcompat.cjs');

type Variant = 'shipped' | 'slow' | 'snapshot' | 'virtInstall';
const samples: Record<string, Record<Variant, number[]>> = {};
const ratios: number[] = [];
const ratiosSlow: number[] = [];
const must = (what: string, r: { ok: boolean; err: string; ms: number }) => {
  if (!r.ok) throw new Error(`${what} failed: ${r.err}`);
  return r.ms;
};
// one warm-up each (page cache, libvirtd capabilities cache)
for (const g of GUESTS) {
  samples[g] = { shipped: [], slow: [], snapshot: [], virtInstall: [] };
  must(`virtcompat plan ${g}`, time(process.execPath, [BIN, ...planArgs(g)]));
  if (viAvailable) must(`virt-install ${g}`, time('virt-install', viArgs(g)));
}
const load0 = loadavg();
for (let i = 0; i < RUNS; i++) {
  for (const g of GUESTS) {
    const s = samples[g]!;
    const a = must(`virtcompat plan ${g}`, time(process.execPath, [BIN, ...planArgs(g)]));
    s.shipped.push(a);
    const c = viAvailable ? must(`virt-install ${g}`, time('virt-install', viArgs(g))) : null;
    if (c !== null) {
      s.virtInstall.push(c);
      ratios.push(c / a);
    }
    if (!values['no-slow']) {
      const b = must(`virtcompat plan ${g} (sources)`, time(process.execPath, [BIN, ...planArgs(g)], slowEnv));
      s.slow.push(b);
      if (c !== null) ratiosSlow.push(c / b);
    }
    if (blob) s.snapshot.push(must(`snapshot plan ${g}`, time(process.execPath, ['--snapshot-blob', blob, ...planArgs(g)])));
  }
}
const load1 = loadavg();
const nodeStart = stats(Array.from({ length: RUNS }, () => time(process.execPath, ['-e', '0']).ms));
const spread = (r: number[]) => {
  if (!r.length) return null;
  const s = [...r].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, median: q(0.5), p10: q(0.1), p90: q(0.9), min: s[0]!, max: s[s.length - 1]! };
};
const cli = Object.fromEntries(
  Object.entries(samples).map(([g, s]) => [g, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length ? stats(v) : null]))]),
);
const ratio = spread(ratios);
const ratioSlow = spread(ratiosSlow);

if (values.json) {
  console.log(
    JSON.stringify(
      {
        iterations: N,
        cliRuns: RUNS,
        loadavg: { before: load0, after: load1 },
        inProcess: inproc,
        cli,
        nodeStart,
        virtInstallOverShipped: ratio,
        virtInstallOverSlow: ratioSlow,
      },
      null,
      2,
    ),
  );
} else {
  console.log(`Planning from a warm snapshot, in-process (${N} iterations; target < 5 ms):`);
  console.log('  guest        decide only (median / p95)      snapshot read + decide + libvirt XML (median / p95)');
  for (const [g, r] of Object.entries(inproc))
    console.log(
      `  ${g.padEnd(12)} ${ms(r.decide.median).padEnd(10)} / ${ms(r.decide.p95).padEnd(16)} ${ms(r.warm.median).padEnd(10)} / ${ms(r.warm.p95)}`,
    );
  console.log(
    `\nCLI end to end, process start to output, interleaved (median of ${RUNS} per guest; node -e 0 alone: ${ms(nodeStart.median)}; load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${load1.map((x) => x.toFixed(1)).join(' ')}):`,
  );
  console.log('  guest        virtcompat (shipped)   sources (tsx)   startup snapshot   virt-install --print-xml');
  const cell = (x: ReturnType<typeof stats> | null | undefined) => (x ? ms(x.median) : 'n/a');
  for (const [g, r] of Object.entries(cli))
    console.log(
      `  ${g.padEnd(12)} ${cell(r.shipped).padEnd(22)} ${cell(r.slow).padEnd(15)} ${cell(r.snapshot).padEnd(18)} ${cell(r.virtInstall)}`,
    );
  const fmt = (r: ReturnType<typeof spread>) =>
    r
      ? `${r.median.toFixed(1)}x (p10–p90 ${r.p10.toFixed(1)}–${r.p90.toFixed(1)}x, min–max ${r.min.toFixed(1)}–${r.max.toFixed(1)}x, ${r.n} pairs)`
      : 'n/a';
  console.log(`\nvirt-install ÷ virtcompat plan (shipped bin), per interleaved pair: ${fmt(ratio)}; target ≥ 5x`);
  if (ratioSlow) console.log(`virt-install ÷ virtcompat plan from the sources (VIRTCOMPAT_FAST_PLAN=0): ${fmt(ratioSlow)}`);
}
