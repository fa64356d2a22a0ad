// `virtcompat boot`: spec → host → facts → decide → render → boot → the guest's verdict.
// The command file (src/cli/commands/boot.ts) parses flags and calls runBoot.
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { localHost } from '../cli.ts';
import { DEFAULT_SERVICE, defaultSnapshotDir, fetchFacts, FactsError } from '../client.ts';
import { decide } from '../decide/index.ts';
import { explainError } from '../explain.ts';
import { HostProfileError, loadHostProfile, type HostProfile } from '../host.ts';
import type { Plan } from '../plan.ts';
import { shellQuote } from '../render/index.ts';
import { RenderError } from '../render/common.ts';
import { loadSpecFile, parseSpec, SpecError, type VmSpec } from '../spec.ts';
import { withManagement } from './argv.ts';
import { ensureTestGuest, TEST_GUEST_CMDLINE } from './guest.ts';
import { summarizeReport } from './report.ts';
import { bootPlan, hostWithoutKvm, planArgv } from './run.ts';
import { formatVerification } from './verify.ts';

export interface BootArgs {
  spec?: string;
  guest?: string;
  hypervisor?: string;
  host?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  disks?: string[];
  testGuest?: boolean;
  memory?: string;
  vcpus?: number;
  name?: string;
  service?: string;
  offline?: boolean;
  snapshotDir?: string;
  serviceTimeoutMs?: number;
  dryRun?: boolean;
  json?: boolean;
  fallbackTcg?: boolean;
  log?: string;
  timeoutSeconds?: number;
  quiet?: boolean;
  result?: string;
  verify?: boolean;
  qemu?: string;
}

export interface BootIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class BootUsageError extends Error {
  override name = 'BootUsageError';
}

/** Exit code when --verify is given and the guest did not see what the plan promised. */
export const EXIT_VERIFY_FAILED = 5;

interface PlanningTimings {
  /** From process start to the command running (Node, tsx, the CLI's imports). */
  cliStartMs: number;
  specMs: number;
  hostMs: number;
  hostCached: boolean;
  factsMs: number;
  factsSource: string;
  decideMs: number;
  renderMs: number;
  totalMs: number;
}

export async function runBoot(a: BootArgs, io: BootIO): Promise<number> {
  const tStart = performance.now();
  const logFile = a.log ? createWriteStream(resolve(io.cwd, a.log), { flags: 'a' }) : null;
  const say = (line: string) => {
    io.stderr.write(`virtcompat boot: ${line}\n`);
    logFile?.write(`${new Date().toISOString()} ${line}\n`);
  };
  try {
    return await runBootInner(a, io, say, logFile, tStart);
  } finally {
    if (logFile) await new Promise((r) => logFile.end(r));
  }
}

async function runBootInner(a: BootArgs, io: BootIO, say: (l: string) => void, logFile: NodeJS.WritableStream | null, tStart: number): Promise<number> {
  if (a.timeoutSeconds !== undefined && !(a.timeoutSeconds > 0)) throw new BootUsageError('--timeout must be a positive number of seconds');
  if (a.testGuest && (a.kernel || a.initrd)) throw new BootUsageError('--test-guest brings its own kernel and initramfs; drop --kernel/--initrd');

  // ── spec: the file, then the flags over it ─────────────────────────────────────────────────
  const t0 = performance.now();
  let spec: VmSpec;
  let specDir = io.cwd;
  try {
    if (a.spec) {
      const loaded = await loadSpecFile(resolve(io.cwd, a.spec));
      spec = loaded.spec;
      specDir = loaded.dir;
    } else spec = parseSpec({});
    const over: Record<string, unknown> = {};
    if (a.guest) over.guest = a.guest;
    if (a.hypervisor) over.hypervisor = a.hypervisor;
    if (a.memory) over.memory = a.memory;
    if (a.vcpus !== undefined) over.vcpus = a.vcpus;
    if (a.name) over.name = a.name;
    if (a.disks?.length)
      over.disks = a.disks.map((p) => ({ path: resolve(io.cwd, p), format: extname(p) === '.qcow2' ? 'qcow2' : 'raw' }));
    spec = { ...spec, ...flagValues(over) };
  } catch (err) {
    if (err instanceof SpecError) throw new BootUsageError(err.message);
    throw err;
  }
  spec.hypervisor ??= 'kvm';
  if (spec.hypervisor !== 'kvm') throw new BootUsageError(`boot runs QEMU/KVM plans; the spec targets ${spec.hypervisor} (plan it with \`virtcompat plan --format ...\`)`);
  if (!spec.guest) throw new BootUsageError('which guest? give --guest <id|short-id> or `guest:` in the spec');
  spec.disks = (spec.disks ?? []).map((d) => ({ ...d, path: resolve(specDir, d.path) }));

  // the kernel to boot directly (the test guest, or the user's)
  let pvhKernel: string | null = null;
  if (a.testGuest) {
    const g = await ensureTestGuest();
    spec.boot = { kernel: g.kernel, initrd: g.initrd, cmdline: a.append ?? TEST_GUEST_CMDLINE };
    pvhKernel = (g as { kernelPvh?: string | null }).kernelPvh ?? null;
  } else if (a.kernel) {
    spec.boot = { kernel: resolve(io.cwd, a.kernel), initrd: a.initrd ? resolve(io.cwd, a.initrd) : undefined, cmdline: a.append ?? 'console=ttyS0 panic=-1' };
  } else if (a.initrd || a.append) throw new BootUsageError('--initrd and --append need --kernel (or --test-guest)');
  for (const f of [spec.boot?.kernel, spec.boot?.initrd, ...spec.disks.map((d) => d.path)]) {
    if (f && !a.dryRun && !existsSync(f)) throw new BootUsageError(`${f}: no such file`);
  }
  if (!spec.boot && spec.disks.length === 0) throw new BootUsageError('nothing to boot: give --disk, --kernel or --test-guest (or disks/boot in the spec)');
  const specMs = performance.now() - t0;

  // ── host ────────────────────────────────────────────────────────────────────────────────────
  const t1 = performance.now();
  let host: HostProfile;
  let hostCached = false;
  try {
    if (a.host) host = loadHostProfile(resolve(io.cwd, a.host));
    else ({ host, cached: hostCached } = await localHost(io.env));
  } catch (err) {
    if (err instanceof HostProfileError) throw new BootUsageError(err.message);
    throw err;
  }
  const hostMs = performance.now() - t1;

  // ── facts ───────────────────────────────────────────────────────────────────────────────────
  const t2 = performance.now();
  let fetched;
  try {
    fetched = await fetchFacts({
      service: a.service ?? io.env.VIRTCOMPAT_SERVICE ?? DEFAULT_SERVICE,
      guest: spec.guest,
      hypervisor: spec.hypervisor,
      snapshotDir: a.snapshotDir ? resolve(io.cwd, a.snapshotDir) : defaultSnapshotDir(io.env),
      timeoutMs: a.serviceTimeoutMs,
      offline: a.offline,
    });
  } catch (err) {
    if (err instanceof FactsError) {
      say(`[${err.code}] ${err.message}`);
      return 1;
    }
    throw err;
  }
  const factsMs = performance.now() - t2;

  // ── decide ──────────────────────────────────────────────────────────────────────────────────
  const t3 = performance.now();
  const planFor = (h: HostProfile): Plan | { error: string } => {
    const r = decide({ facts: fetched.facts, provenance: fetched.provenance, host: h, spec: spec });
    if (!r.ok) return { error: explainError(r.error) };
    let plan = r.plan;
    // The test guest's uncompressed kernel boots through PVH, skipping the decompressor; BIOS only.
    if (pvhKernel && plan.boot && plan.firmware.type !== 'uefi') plan = { ...plan, boot: { ...plan.boot, kernel: pvhKernel } };
    return plan;
  };
  const first = planFor(host);
  if ('error' in first) {
    io.stderr.write(first.error);
    return 1;
  }
  let plan = first;
  const decideMs = performance.now() - t3;
  for (const w of plan.warnings) say(`warning: ${w}`);
  if (fetched.provenance.source === 'snapshot') say(`planned from the local snapshot${fetched.provenance.fallbackReason ? ` (${fetched.provenance.fallbackReason})` : ''}`);

  // ── render (for --dry-run: exactly what would start, with placeholder run paths) ──────────
  const t4 = performance.now();
  let dry;
  try {
    dry = planArgv(plan, '$RUNDIR', a.qemu);
  } catch (err) {
    if (err instanceof RenderError) {
      say(err.message);
      return 1;
    }
    throw err;
  }
  const renderMs = performance.now() - t4;
  const planning: PlanningTimings = {
    cliStartMs: round(tStart), specMs: round(specMs), hostMs: round(hostMs), hostCached, factsMs: round(factsMs), factsSource: fetched.provenance.source,
    decideMs: round(decideMs), renderMs: round(renderMs), totalMs: round(performance.now() - tStart),
  };

  if (a.dryRun) {
    const args = withManagement(dry.args, '$RUNDIR/qmp.sock');
    if (a.json) io.stdout.write(JSON.stringify({ argv: [dry.binary, ...args], prepare: dry.prepare, plan }, null, 2) + '\n');
    else {
      for (const s of dry.prepare) if (s.kind === 'swtpm') io.stdout.write(`# before QEMU: ${s.argv.map(shellQuote).join(' ')}\n`);
      for (const s of dry.prepare) if (s.kind === 'copy-uefi-vars') io.stdout.write(`# before QEMU: cp ${shellQuote(s.from)} ${shellQuote(s.to)}\n`);
      io.stdout.write([dry.binary, ...args].map(shellQuote).join(' ') + '\n');
    }
    return 0;
  }

  say(`plan: ${plan.guest.shortId ?? plan.guest.id} on ${plan.machine.type}, ${plan.firmware.type}${plan.firmware.secureBoot ? ' + Secure Boot' : ''}, ${plan.acceleration.mode.toUpperCase()}, ${plan.devices.length} devices (planned in ${planning.totalMs} ms)`);

  // ── boot ────────────────────────────────────────────────────────────────────────────────────
  const consoleOut = a.quiet ? null : io.stdout;
  const tee = logFile || consoleOut ? { write: (s: string) => { consoleOut?.write(s); logFile?.write(s); return true; } } as unknown as NodeJS.WritableStream : null;
  const result = await bootPlan({
    plan,
    qemuBinary: a.qemu,
    console: tee,
    log: say,
    handleSignals: true,
    timeoutMs: a.timeoutSeconds ? a.timeoutSeconds * 1000 : undefined,
    origin: 0, // timings from process start
    replanForTcg: a.fallbackTcg
      ? (reason) => {
          const p = planFor(hostWithoutKvm(host, reason));
          if ('error' in p) throw new Error(`no TCG plan: ${p.error}`);
          return p;
        }
      : undefined,
  });
  plan = result.plan;

  if (result.fallback) say(`booted under TCG after KVM failed (${result.fallback.reason})`);
  if (result.report) {
    io.stderr.write(summarizeReport(result.report) + '\n');
    if (result.verification) {
      io.stderr.write(formatVerification(result.verification) + '\n');
      say(result.verification.ok ? 'the guest saw what the plan promised' : `the guest did NOT see what the plan promised (${result.verification.checks.filter((c) => !c.ok).length} checks failed)`);
    }
  }
  const t = result.timings;
  say(`timings: planning ${planning.totalMs} ms (host ${planning.hostMs}${planning.hostCached ? ' cached' : ''}, facts ${planning.factsMs} from ${planning.factsSource}, decide ${planning.decideMs}, render ${planning.renderMs})` +
    (t.reportEnd !== null ? `; report at ${t.reportEnd} ms after start (${Math.round((planning.totalMs / t.reportEnd) * 1000) / 10}% planning)` : ''));
  if (a.result) {
    writeFileSync(resolve(io.cwd, a.result), JSON.stringify({
      outcome: result.outcome, exitCode: result.exitCode, message: result.message, accel: result.accel, fallback: result.fallback,
      planning, timings: result.timings, attempts: result.attempts.map((x) => ({ pid: x.pid, accel: x.accel, outcome: x.outcome, message: x.message, kvmCheck: x.kvmCheck, timings: x.timings })),
      plan: result.plan, report: result.report, reportError: result.reportError, verification: result.verification,
    }, null, 2) + '\n');
  }
  if (result.exitCode === 0 && a.verify && result.verification && !result.verification.ok) return EXIT_VERIFY_FAILED;
  if (result.exitCode === 0 && a.verify && !result.report) {
    say(`--verify: ${result.reportError}`);
    return EXIT_VERIFY_FAILED;
  }
  return result.exitCode;
}

/** Flag values override the spec (validated by the same schema); the schema's defaults for unset keys must not. */
function flagValues(over: Record<string, unknown>): Partial<VmSpec> {
  const parsed = parseSpec(over, 'command line') as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.keys(over).map((k) => [k, parsed[k]])) as Partial<VmSpec>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
