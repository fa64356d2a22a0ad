// `node --import tsx bench/boot.ts [--runs N] [--guests debian11,winxp,win11] [--service URL]`
//
// Time from starting `virtcompat boot` to the test guest's report on the serial console, and the
// share of it spent planning (spec, host facts, service facts, decide, render), for several guest
// profiles: under TCG, and under KVM where KVM runs guest code here. Each run is a fresh
// `virtcompat boot --test-guest` process; the wall clock runs from spawn to the report's END marker
// on its stdout, the breakdown comes from the command's own --result file.
//
// Facts: a snapshot built from test/fixtures/runtime (--offline), or the service at --service URL.
// Host: this machine as probed; the TCG runs use the probe with KVM marked unusable, so they plan
// TCG directly instead of first finding out that KVM fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SERVICE, writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { checkGuestCodeRuns } from '../src/hypervisor-runtime/boot/kvm-check.ts';
import { ensureTestGuest } from '../src/hypervisor-runtime/boot/guest.ts';
import { planningData } from '../test/fixtures/runtime/load.ts';
import { at } from '../src/util/must.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    guests: { type: 'string', default: 'debian11,winxp,win11' },
    service: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const GUESTS = values.guests!.split(',');
// win11 at its minimums: the recommended 4 vCPUs mostly measure TCG contention on a 2-core machine
const EXTRA: Record<string, string[]> = { win11: ['--vcpus', '2', '--memory', '4GiB'] };

interface Run {
  wallToReportMs: number;
  planningMs: number;
  cliStartMs: number;
  decideMs: number;
  factsMs: number;
  accel: string;
  fallback: boolean;
  uefi: boolean;
  ok: boolean;
}

const work = mkdtempSync(join(tmpdir(), 'virtcompat-bench-boot-'));
try {
  await ensureTestGuest();
  const snap = join(work, 'snapshot');
  for (const g of GUESTS) writeSnapshotEntry(snap, DEFAULT_SERVICE, g, 'kvm', planningData(g, 'kvm'), new Date());
  const disk = join(work, 'disk.img');
  writeFileSync(disk, '');
  truncateSync(disk, 64 << 20);

  const host = await probeHost();
  const tcgHost = join(work, 'host-tcg.json');
  writeFileSync(tcgHost, JSON.stringify({ ...host, kvm: { ...host.kvm, usable: false, detail: 'benchmark: TCG' } }));
  const realHost = join(work, 'host.json');
  writeFileSync(realHost, JSON.stringify(host));
  const kvm = host.kvm.usable
    ? await checkGuestCodeRuns({
        accel: 'kvm',
        cpu: host.kvm.hostPassthrough === 'ok' ? ['host', ...host.kvm.hostCpuFlagsOff.map((f) => `${f}=off`)].join(',') : 'qemu64',
      })
    : null;

  console.log(
    `# virtcompat boot → guest report (${RUNS} runs each; ${cpus().length} CPUs, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  console.log(`# KVM: probe says ${host.kvm.usable ? 'usable' : 'unusable'}; guest-code check: ${kvm ? kvm.detail : 'not run'}`);
  const facts = values.service ? ['--service', values.service] : ['--offline', '--snapshot-dir', snap];

  const modes: { name: string; host: string; fallback: boolean }[] = [{ name: 'TCG', host: tcgHost, fallback: false }];
  if (kvm?.runs) modes.push({ name: 'KVM', host: realHost, fallback: false });
  else if (host.kvm.usable) modes.push({ name: 'KVM plan, fell back to TCG', host: realHost, fallback: true });

  console.log('mode | guest | runs ok | to report (median, ms) | planning (median, ms) | planning share | CLI start (ms) | decide (ms)');
  console.log('---|---|---|---|---|---|---|---');
  for (const mode of modes) {
    for (const g of GUESTS) {
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(g, mode.host, mode.fallback, facts, disk));
      const ok = runs.filter((r) => r.ok);
      const med = (f: (r: Run) => number) => median(ok.map(f));
      const toReport = med((r) => r.wallToReportMs);
      const planning = med((r) => r.planningMs);
      console.log(
        `${mode.name} | ${g}${ok[0]?.uefi ? ' (UEFI)' : ''} | ${ok.length}/${runs.length} | ${toReport.toFixed(0)} | ${planning.toFixed(1)} | ${((planning / toReport) * 100).toFixed(2)}% | ${med((r) => r.cliStartMs).toFixed(0)} | ${med((r) => r.decideMs).toFixed(1)}`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function once(guest: string, hostFile: string, fallback: boolean, facts: string[], disk: string): Promise<Run> {
  const result = join(work, 'result.json');
  rmSync(result, { force: true });
  const args = [
    'bin/virtcompat.mjs',
    'boot',
    '--guest',
    guest,
    '--disk',
    disk,
    '--test-guest',
    '--host',
    hostFile,
    ...facts,
    '--result',
    result,
    ...(EXTRA[guest] ?? []),
  ];
  if (fallback) args.push('--fallback-tcg');
  const t0 = performance.now();
  let reportAt = 0;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, VIRTCOMPAT_CACHE_DIR: join(work, 'cache') },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out = (out + s).slice(-200);
      if (!reportAt && out.includes('VIRTCOMPAT-REPORT-END')) reportAt = performance.now() - t0;
    });
    child.on('exit', resolve);
  });
  const r = JSON.parse(readFileSync(result, 'utf8'));
  return {
    wallToReportMs: reportAt,
    planningMs: r.planning.totalMs,
    cliStartMs: r.planning.cliStartMs,
    decideMs: r.planning.decideMs,
    factsMs: r.planning.factsMs,
    accel: r.accel,
    fallback: !!r.fallback,
    uefi: r.report?.firmware?.uefi === true,
    ok: code === 0 && reportAt > 0 && r.verification?.ok === true,
  };
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return at(s, Math.floor(s.length / 2));
}
