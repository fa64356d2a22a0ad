// bootVm: the planning path (planVm: spec → host → facts → decide), then render → boot → the guest's
// verdict. A library call with resolved options; the `boot` command (src/cli/commands/boot.ts) parses argv.
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { extname, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FactsError } from '../client.ts';
import { explainError } from '../explain.ts';
import type { DecideResult, Plan } from '../plan.ts';
import { type FactsSourceOptions, type HostSource, loadVmSpec, parseSpecOverrides, planVm, VmOptionsError } from '../plan-vm.ts';
import { shellQuote } from '../render/index.ts';
import type { PrepareStep } from '../render/qemu.ts';
import { RenderError } from '../render/common.ts';
import { withManagement } from './argv.ts';
import { ensureTestGuest, TEST_GUEST_CMDLINE } from './guest.ts';
import { summarizeReport } from './report.ts';
import { bootPlan, hostWithoutKvm, planArgv } from './run.ts';
import { formatVerification } from './verify.ts';

export interface BootVmOptions extends FactsSourceOptions {
  /** VM spec file (absolute path); the values in `overrides` are laid over it. */
  specFile?: string;
  overrides?: {
    guest?: string;
    hypervisor?: string;
    memory?: string;
    vcpus?: number;
    name?: string;
    /** Disk images (absolute paths): qcow2 by extension, else raw. */
    disks?: string[];
  };
  /** Boot the project's test guest (built if needed); its report is checked against the plan. */
  testGuest?: boolean;
  /** A kernel to boot directly (absolute paths), with its initramfs and command line. */
  kernel?: string;
  initrd?: string;
  append?: string;
  host: HostSource;
  /** Print the QEMU command that would run instead of running it (`json`: as an argv array with the plan). */
  dryRun?: boolean;
  json?: boolean;
  /** When the plan says KVM but KVM cannot run the guest here, re-plan for TCG and boot that. */
  fallbackTcg?: boolean;
  /** Append the boot's messages and the serial console to this file. */
  logFile?: string;
  timeoutSeconds?: number;
  /** Do not copy the serial console to stdout. */
  quiet?: boolean;
  /** Write the outcome, timings, plan, guest report and checks here as JSON. */
  resultFile?: string;
  /** Exit EXIT_VERIFY_FAILED when the test guest did not see what the plan promised. */
  verify?: boolean;
  qemu?: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The run directory in --dry-run output: a shell variable the printed script sets. */
const RUNDIR = '$RUNDIR';

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

/**
 * Plans and boots a VM; resolves to the exit status (0 the guest powered off, 1 no plan / QEMU or KVM failed,
 * 3 the guest crashed, 4 timeout, 5 --verify found a difference, 130/143 stopped by a signal).
 * Throws VmOptionsError, SpecError or HostProfileError for options that cannot work.
 */
export async function bootVm(o: BootVmOptions): Promise<number> {
  const tStart = performance.now();
  const logFile = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : null;
  const say = (line: string) => {
    o.stderr.write(`virtcompat boot: ${line}\n`);
    logFile?.write(`${new Date().toISOString()} ${line}\n`);
  };
  try {
    return await bootVmInner(o, say, logFile, tStart);
  } finally {
    if (logFile) await new Promise((r) => logFile.end(r));
  }
}

async function bootVmInner(
  a: BootVmOptions,
  say: (l: string) => void,
  logFile: NodeJS.WritableStream | null,
  tStart: number,
): Promise<number> {
  const io = { stdout: a.stdout, stderr: a.stderr };
  if (a.testGuest && (a.kernel || a.initrd))
    throw new VmOptionsError('--test-guest brings its own kernel and initramfs; drop --kernel/--initrd');

  // ── spec: the file, then the flags over it ─────────────────────────────────────────────────
  const t0 = performance.now();
  const over: Record<string, unknown> = {};
  const f = a.overrides ?? {};
  if (f.guest) over.guest = f.guest;
  if (f.hypervisor) over.hypervisor = f.hypervisor;
  if (f.memory) over.memory = f.memory;
  if (f.vcpus !== undefined) over.vcpus = f.vcpus;
  if (f.name) over.name = f.name;
  if (f.disks?.length) over.disks = f.disks.map((p) => ({ path: p, format: extname(p) === '.qcow2' ? 'qcow2' : 'raw' }));
  const loaded = await loadVmSpec(a.specFile, parseSpecOverrides(over));
  const spec = loaded.spec;
  const specDir = loaded.dir;
  spec.hypervisor ??= 'kvm';
  if (spec.hypervisor !== 'kvm')
    throw new VmOptionsError(
      `boot runs QEMU/KVM plans; the spec targets ${spec.hypervisor} (plan it with \`virtcompat plan --format ...\`)`,
    );
  if (!spec.guest) throw new VmOptionsError('which guest? give --guest <id|short-id> or `guest:` in the spec');
  // disk paths in a spec file are relative to it; the command line gives absolute ones
  spec.disks = (spec.disks ?? []).map((d) => ({ ...d, path: specDir ? resolvePath(specDir, d.path) : d.path }));

  // the kernel to boot directly (the test guest, or the user's)
  let pvhKernel: string | null = null;
  if (a.testGuest) {
    const g = await ensureTestGuest();
    spec.boot = { kernel: g.kernel, initrd: g.initrd, cmdline: a.append ?? TEST_GUEST_CMDLINE };
    pvhKernel = (g as { kernelPvh?: string | null }).kernelPvh ?? null;
  } else if (a.kernel) {
    spec.boot = { kernel: a.kernel, initrd: a.initrd, cmdline: a.append ?? 'console=ttyS0 panic=-1' };
  } else if (a.initrd || a.append) throw new VmOptionsError('--initrd and --append need --kernel (or --test-guest)');
  for (const f of [spec.boot?.kernel, spec.boot?.initrd, ...spec.disks.map((d) => d.path)]) {
    if (f && !a.dryRun && !existsSync(f)) throw new VmOptionsError(`${f}: no such file`);
  }
  if (!spec.boot && spec.disks.length === 0)
    throw new VmOptionsError('nothing to boot: give --disk, --kernel or --test-guest (or disks/boot in the spec)');
  const specMs = performance.now() - t0;

  // ── host → facts → decide: the planning path `virtcompat plan` takes ────────────────────────
  let planned: Awaited<ReturnType<typeof planVm>>;
  try {
    planned = await planVm({
      spec,
      specDir: specDir ?? '/',
      host: a.host,
      service: a.service,
      snapshotDir: a.snapshotDir,
      timeoutMs: a.timeoutMs,
      offline: a.offline,
      maxSnapshotAgeSeconds: a.maxSnapshotAgeSeconds,
    });
  } catch (err) {
    if (err instanceof FactsError) {
      say(`[${err.code}] ${err.message}`);
      return 1;
    }
    throw err;
  }
  const { host, hostCached, fetched } = planned;
  const t3 = performance.now();
  const planFor = (r: DecideResult): Plan | { error: string } => {
    if (!r.ok) return { error: explainError(r.error) };
    let plan = r.plan;
    // The test guest's uncompressed kernel boots through PVH, skipping the decompressor; BIOS only.
    if (pvhKernel && plan.boot && plan.firmware.type !== 'uefi') plan = { ...plan, boot: { ...plan.boot, kernel: pvhKernel } };
    return plan;
  };
  const first = planFor(planned.result);
  if ('error' in first) {
    io.stderr.write(first.error);
    return 1;
  }
  let plan = first;
  const { hostMs, factsMs } = planned.timings;
  const decideMs = planned.timings.decideMs + (performance.now() - t3);
  for (const w of plan.warnings) say(`warning: ${w}`);
  if (fetched.provenance.source === 'snapshot')
    say(`planned from the local snapshot${fetched.provenance.fallbackReason ? ` (${fetched.provenance.fallbackReason})` : ''}`);

  // ── render (for --dry-run: exactly what would start, with placeholder run paths) ──────────
  const t4 = performance.now();
  let dry: ReturnType<typeof planArgv>;
  try {
    dry = planArgv(plan, RUNDIR, a.qemu);
  } catch (err) {
    if (err instanceof RenderError) {
      say(err.message);
      return 1;
    }
    throw err;
  }
  const renderMs = performance.now() - t4;
  const planning: PlanningTimings = {
    cliStartMs: round(tStart),
    specMs: round(specMs),
    hostMs: round(hostMs),
    hostCached,
    factsMs: round(factsMs),
    factsSource: fetched.provenance.source,
    decideMs: round(decideMs),
    renderMs: round(renderMs),
    totalMs: round(performance.now() - tStart),
  };

  if (a.dryRun) {
    const args = withManagement(dry.args, `${RUNDIR}/qmp.sock`);
    if (a.json) io.stdout.write(JSON.stringify({ argv: [dry.binary, ...args], prepare: dry.prepare, plan }, null, 2) + '\n');
    else io.stdout.write(dryRunScript(dry.binary, args, dry.prepare));
    return 0;
  }

  say(
    `plan: ${plan.guest.shortId ?? plan.guest.id} on ${plan.machine.type}, ${plan.firmware.type}${plan.firmware.secureBoot ? ' + Secure Boot' : ''}, ${plan.acceleration.mode.toUpperCase()}, ${plan.devices.length} devices (planned in ${planning.totalMs} ms)`,
  );

  // ── boot ────────────────────────────────────────────────────────────────────────────────────
  const consoleOut = a.quiet ? null : io.stdout;
  const tee =
    logFile || consoleOut
      ? ({
          write: (s: string) => {
            consoleOut?.write(s);
            logFile?.write(s);
            return true;
          },
        } as unknown as NodeJS.WritableStream)
      : null;
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
          const p = planFor(planned.replan(hostWithoutKvm(host, reason)));
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
      say(
        result.verification.ok
          ? 'the guest saw what the plan promised'
          : `the guest did NOT see what the plan promised (${result.verification.checks.filter((c) => !c.ok).length} checks failed)`,
      );
    }
  }
  const t = result.timings;
  say(
    `timings: planning ${planning.totalMs} ms (host ${planning.hostMs}${planning.hostCached ? ' cached' : ''}, facts ${planning.factsMs} from ${planning.factsSource}, decide ${planning.decideMs}, render ${planning.renderMs})` +
      (t.reportEnd !== null
        ? `; report at ${t.reportEnd} ms after start (${Math.round((planning.totalMs / t.reportEnd) * 1000) / 10}% planning)`
        : ''),
  );
  if (a.resultFile) {
    writeFileSync(
      a.resultFile,
      JSON.stringify(
        {
          outcome: result.outcome,
          exitCode: result.exitCode,
          message: result.message,
          accel: result.accel,
          fallback: result.fallback,
          planning,
          timings: result.timings,
          attempts: result.attempts.map((x) => ({
            pid: x.pid,
            accel: x.accel,
            outcome: x.outcome,
            message: x.message,
            kvmCheck: x.kvmCheck,
            timings: x.timings,
          })),
          plan: result.plan,
          report: result.report,
          reportError: result.reportError,
          verification: result.verification,
        },
        null,
        2,
      ) + '\n',
    );
  }
  if (result.exitCode === 0 && a.verify && result.verification && !result.verification.ok) return EXIT_VERIFY_FAILED;
  if (result.exitCode === 0 && a.verify && !result.report) {
    say(`--verify: ${result.reportError}`);
    return EXIT_VERIFY_FAILED;
  }
  return result.exitCode;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** One argv word for sh, with `$RUNDIR` left for the shell to expand (the rest quoted as needed). */
function shellWord(word: string): string {
  return word
    .split(RUNDIR)
    .map((part) => (part === '' ? '' : shellQuote(part)))
    .join('"$RUNDIR"');
}

/**
 * What `boot` would start, as a shell script that runs as printed: it makes the run directory QEMU's
 * sockets and the UEFI variable store live in (boot makes its own), then the steps before QEMU, then QEMU.
 */
export function dryRunScript(binary: string, args: string[], prepare: PrepareStep[]): string {
  const lines = ['# virtcompat boot --dry-run: the commands boot would run', 'RUNDIR=$(mktemp -d -t virtcompat-XXXXXX)'];
  for (const s of prepare) {
    if (s.kind === 'mkdir') lines.push(`mkdir -p ${shellWord(s.path)}`);
    else if (s.kind === 'copy-uefi-vars') lines.push(`cp ${shellWord(s.from)} ${shellWord(s.to)}`);
    // --daemon: swtpm returns once its socket is there, so QEMU finds it
    else lines.push([...s.argv, '--daemon'].map(shellWord).join(' '));
  }
  lines.push([binary, ...args].map(shellWord).join(' '));
  return lines.join('\n') + '\n';
}
