// The boot manager: starts QEMU from an argv, watches it over QMP and the serial console, and
// ends it cleanly. Guest poweroff → exit 0; crash, timeout, failure → non-zero; SIGINT/SIGTERM
// power the guest off (ACPI), then quit after a grace period, then kill — never an orphan QEMU.
// When KVM fails to start (nested virtualization often aborts or hangs), it stops with a clear
// message, or falls back to TCG when asked and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { QmpClient, type QmpEvent } from './qmp.ts';
import { acceleratorOf, joinArgv, splitArgv, toTcg, withDirectKernel, withManagement, type Accel, type DirectKernel } from './argv.ts';
import { checkGuestCodeRuns, type GuestCodeCheck } from './kvm-check.ts';
import { optionValues } from './argv.ts';
import { GUEST_INIT_MARK, REPORT_BEGIN, REPORT_END, parseGuestReport, type GuestReport } from './report.ts';

export type BootOutcome = 'poweroff' | 'crash' | 'timeout' | 'interrupted' | 'qemu-failed' | 'kvm-failed';

/** Exit codes of `virtcompat boot`, by how the guest ended. */
export const BOOT_EXIT_CODES: Record<BootOutcome, number> = {
  poweroff: 0,
  'qemu-failed': 1,
  'kvm-failed': 1,
  crash: 3,
  timeout: 4,
  interrupted: 130, // 143 for SIGTERM, see BootResult.exitCode
};

export interface BootTimings {
  /** Milliseconds from `origin` (default: when boot() was called) to each milestone; null if not reached. */
  spawned: number | null;
  qmpReady: number | null;
  firstOutput: number | null;
  guestInit: number | null;
  reportEnd: number | null;
  exited: number | null;
}

export interface BootAttempt {
  argv: string[];
  /** QEMU's process id (gone by the time boot() returns). */
  pid: number | null;
  accel: Accel;
  outcome: BootOutcome;
  message: string;
  shutdownReason: string | null;
  qemuExit: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
  timings: BootTimings;
  /** Under KVM: whether a tiny guest ran into protected mode before the VM was started. */
  kvmCheck: GuestCodeCheck | null;
}

export interface BootResult extends BootAttempt {
  exitCode: number;
  /** Set when KVM failed and the boot went on under TCG. */
  fallback: { from: Accel; reason: string } | null;
  attempts: BootAttempt[];
  serial: string;
  report: GuestReport | null;
  reportError: string | null;
}

export interface BootOptions {
  /** QEMU argv as the renderer produced it; argv[0] is the binary unless it starts with '-'. */
  argv: string[];
  /** Direct kernel boot: adds -kernel/-initrd/-append. */
  directKernel?: DirectKernel;
  /** Where the guest's serial console goes as it arrives (besides the capture in the result). */
  console?: NodeJS.WritableStream | null;
  /** The manager's own messages, one line each. */
  log?: (line: string) => void;
  /** Whole-boot limit; the guest is stopped and the outcome is 'timeout'. */
  timeoutMs?: number;
  /**
   * Under KVM, the guest must show a sign of life on the serial console within this time or KVM is
   * taken to have hung (nested virtualization). Armed only when a sign is known: a direct kernel
   * boot with a serial console. Default 20 s.
   */
  kvmProgressMs?: number;
  /**
   * Under KVM, first boot a 64 KiB probe image with the plan's CPU model (kvm-check.ts) and treat
   * a hang or abort as a KVM failure before the VM is started. Default true; the check takes ~40 ms
   * where KVM works and `kvmCheckTimeoutMs` (default 3 s) where it hangs.
   */
  kvmCheck?: boolean;
  kvmCheckTimeoutMs?: number;
  /** After system_powerdown (on SIGINT/SIGTERM), how long the guest gets before `quit`. Default 10 s. */
  graceMs?: number;
  /**
   * On KVM failure: false/undefined → stop with a message; true → rewrite the argv for TCG;
   * a function → ask it for the TCG argv (e.g. re-plan with KVM marked unusable).
   */
  fallbackTcg?: boolean | ((reason: string) => Promise<string[]> | string[]);
  /** Install SIGINT/SIGTERM handlers for the duration of the boot (the CLI does; tests use `abort`). */
  handleSignals?: boolean;
  /** Aborting this powers the guest off like SIGTERM would. */
  abort?: AbortSignal;
  /** performance.now() value timings are measured from (e.g. process start for the CLI). */
  origin?: number;
  /** Keep at most this many characters of serial output in the result (default 4 MiB). */
  maxSerialChars?: number;
}

const SIGN_OF_LIFE = new RegExp(`${GUEST_INIT_MARK}|^\\[\\s*\\d+\\.\\d+\\] |Linux version `, 'm');

let setprivPath: string | null | undefined;
function pdeathsigWrapper(): string[] {
  if (setprivPath === undefined) setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;
  // setpriv --pdeathsig: the kernel kills QEMU if this process dies, even by SIGKILL.
  return setprivPath ? [setprivPath, '--pdeathsig', 'KILL', '--'] : [];
}

function kvmFailureText(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const hit = lines.find(
    (l) =>
      /kvm|KVM|failed to set MSR|vmx|svm|Could not access KVM|hardware error|entry failed/i.test(l) &&
      !/warning: host doesn't support requested feature/.test(l),
  );
  return hit ?? null;
}

/** Boots once or, on KVM failure with fallback, twice. Never throws for guest/QEMU failures. */
export async function boot(opts: BootOptions): Promise<BootResult> {
  const origin = opts.origin ?? performance.now();
  const log = opts.log ?? (() => {});
  const attempts: BootAttempt[] = [];
  let serial = '';
  const maxSerial = opts.maxSerialChars ?? 4 * 1024 * 1024;
  const appendSerial = (s: string) => {
    if (serial.length < maxSerial) serial += s.slice(0, maxSerial - serial.length);
  };

  // Signals: the first powers the guest off; a second one quits at once.
  let interruptedBy: NodeJS.Signals | null = null;
  const interruptListeners = new Set<(sig: NodeJS.Signals) => void>();
  const onSignal = (sig: NodeJS.Signals) => {
    interruptedBy ??= sig;
    for (const l of interruptListeners) l(sig);
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  if (opts.handleSignals) {
    process.on('SIGINT', sigint);
    process.on('SIGTERM', sigterm);
  }
  const onAbort = () => onSignal('SIGTERM');
  opts.abort?.addEventListener('abort', onAbort);

  try {
    let argv = opts.argv;
    let fallback: BootResult['fallback'] = null;
    let attempt = await runOnce(argv, opts, origin, log, appendSerial, interruptListeners, () => interruptedBy);
    attempts.push(attempt);
    if (attempt.outcome === 'kvm-failed' && opts.fallbackTcg && !interruptedBy) {
      const reason = attempt.message;
      log(`KVM failed: ${reason}`);
      log('falling back to TCG (software emulation) as --fallback-tcg asks; expect a slower guest');
      argv =
        typeof opts.fallbackTcg === 'function'
          ? await opts.fallbackTcg(reason)
          : joinArgv({ ...splitArgv(argv), args: toTcg(splitArgv(argv).args) });
      fallback = { from: attempt.accel, reason };
      serial += '\n';
      attempt = await runOnce(argv, opts, origin, log, appendSerial, interruptListeners, () => interruptedBy);
      attempts.push(attempt);
    } else if (attempt.outcome === 'kvm-failed') {
      log(`KVM failed: ${attempt.message}`);
      log('stopping; run with --fallback-tcg to boot under TCG (software emulation) instead');
    }
    let report: GuestReport | null = null;
    let reportError: string | null = null;
    if (serial.includes(REPORT_END)) {
      try {
        report = parseGuestReport(serial);
      } catch (err) {
        reportError = (err as Error).message;
      }
    } else reportError = serial.includes(REPORT_BEGIN) ? 'the guest report was cut off' : 'the guest printed no report';
    let exitCode = BOOT_EXIT_CODES[attempt.outcome];
    if (attempt.outcome === 'interrupted' && interruptedBy === 'SIGTERM') exitCode = 143;
    return { ...attempt, exitCode, fallback, attempts, serial, report, reportError };
  } finally {
    if (opts.handleSignals) {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
    }
    opts.abort?.removeEventListener('abort', onAbort);
  }
}

async function runOnce(
  inputArgv: string[],
  opts: BootOptions,
  origin: number,
  log: (line: string) => void,
  appendSerial: (s: string) => void,
  interruptListeners: Set<(sig: NodeJS.Signals) => void>,
  interrupted: () => NodeJS.Signals | null,
): Promise<BootAttempt> {
  const t = () => Math.round((performance.now() - origin) * 10) / 10;
  const timings: BootTimings = { spawned: null, qmpReady: null, firstOutput: null, guestInit: null, reportEnd: null, exited: null };
  const workDir = mkdtempSync(join(tmpdir(), 'virtcompat-boot-'));
  const qmpPath = join(workDir, 'qmp.sock');
  const { binary, args: renderedArgs } = splitArgv(inputArgv);
  let args = renderedArgs;
  if (opts.directKernel) args = withDirectKernel(args, opts.directKernel);
  args = withManagement(args, qmpPath);
  const accel = acceleratorOf(args);
  const argv = [binary, ...args];
  const directSerialKernel = args.includes('-kernel') && /console=ttyS0/.test(args[args.indexOf('-append') + 1] ?? '');

  let kvmCheck: GuestCodeCheck | null = null;
  if (accel === 'kvm' && opts.kvmCheck !== false) {
    const cpu = optionValues(args, '-cpu').at(-1);
    kvmCheck = await checkGuestCodeRuns({ qemu: binary, accel: 'kvm', cpu, timeoutMs: opts.kvmCheckTimeoutMs ?? 3000 });
    log(`KVM check: ${kvmCheck.detail}`);
    if (!kvmCheck.runs) {
      rmSync(workDir, { recursive: true, force: true });
      return {
        argv,
        pid: null,
        accel,
        outcome: 'kvm-failed',
        message: `KVM cannot run this guest here: ${kvmCheck.detail}`,
        shutdownReason: null,
        qemuExit: { code: null, signal: null },
        stderr: '',
        timings,
        kvmCheck,
      };
    }
  }

  let outcome: BootOutcome | null = null;
  let message = '';
  let shutdownReason: string | null = null;
  let stderr = '';
  let qmp: QmpClient | null = null;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void) => {
    const h = setTimeout(fn, ms);
    timers.push(h);
    return h;
  };
  /** The first reason we decide to stop wins; QEMU's own end fills in the rest. */
  const decide = (o: BootOutcome, msg: string) => {
    if (outcome === null) {
      outcome = o;
      message = msg;
    }
  };

  const wrapper = pdeathsigWrapper();
  const child: ChildProcess = spawn(wrapper[0] ?? binary, wrapper.length ? [...wrapper.slice(1), binary, ...args] : args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group: a terminal's Ctrl-C reaches us, and we decide what QEMU gets
  });
  timings.spawned = t();
  log(`started ${binary} (pid ${child.pid}, ${accel.toUpperCase()})`);
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      stderr += `${err.message}\n`;
      resolve({ code: 127, signal: null });
    });
  });
  let alive = true;
  void exited.then(() => {
    alive = false;
    timings.exited = t();
  });

  // Serial console: capture, forward, watch for milestones.
  const dec = new StringDecoder('utf8');
  let tail = '';
  let sawLife = false;
  child.stdout!.on('data', (buf: Buffer) => {
    const s = dec.write(buf);
    if (!s) return;
    if (timings.firstOutput === null) timings.firstOutput = t();
    appendSerial(s);
    opts.console?.write(s);
    tail = (tail + s).slice(-4096);
    if (!sawLife && SIGN_OF_LIFE.test(tail)) sawLife = true;
    if (timings.guestInit === null && tail.includes(GUEST_INIT_MARK)) timings.guestInit = t();
    if (timings.reportEnd === null && tail.includes(REPORT_END)) timings.reportEnd = t();
  });
  child.stderr!.setEncoding('utf8');
  let errTail = '';
  child.stderr!.on('data', (s: string) => {
    if (stderr.length < 65536) stderr += s;
    errTail += s;
    for (let nl = errTail.indexOf('\n'); nl >= 0; nl = errTail.indexOf('\n')) {
      const line = errTail.slice(0, nl).trimEnd();
      errTail = errTail.slice(nl + 1);
      if (line) log(`qemu: ${line}`);
    }
  });

  const quitThenKill = (afterMs: number) => {
    void qmp?.execute('quit', undefined, 2000).catch(() => {});
    later(afterMs, () => {
      if (alive) {
        log(`QEMU did not quit in ${afterMs} ms; killing it`);
        child.kill('SIGKILL');
      }
    });
  };

  // Interrupts: power off, grace, quit, kill.
  const onInterrupt = (sig: NodeJS.Signals) => {
    if (!alive) return;
    if (outcome === 'interrupted') {
      log(`${sig} again: quitting QEMU now`);
      quitThenKill(3000);
      return;
    }
    decide('interrupted', `interrupted by ${sig}`);
    const grace = opts.graceMs ?? 10_000;
    log(`${sig}: asking the guest to power off (ACPI power button); quitting QEMU in ${grace / 1000} s if it does not`);
    if (qmp) void qmp.execute('system_powerdown').catch(() => {});
    else quitThenKill(0);
    later(grace, () => {
      if (alive) {
        log(`guest did not power off within ${grace / 1000} s; quitting QEMU`);
        quitThenKill(3000);
      }
    });
  };
  interruptListeners.add(onInterrupt);

  if (opts.timeoutMs) {
    later(opts.timeoutMs, () => {
      if (!alive) return;
      decide('timeout', `the guest did not finish within ${opts.timeoutMs! / 1000} s`);
      log(`timeout after ${opts.timeoutMs! / 1000} s: stopping QEMU`);
      quitThenKill(3000);
    });
  }

  if (accel === 'kvm' && directSerialKernel) {
    const ms = opts.kvmProgressMs ?? 20_000;
    later(ms, () => {
      if (!alive || sawLife || outcome) return;
      decide(
        'kvm-failed',
        `KVM started but the guest showed no sign of life on the serial console in ${ms / 1000} s (nested virtualization without working vmx/svm hangs like this)`,
      );
      quitThenKill(3000);
    });
  }

  try {
    qmp = await QmpClient.connect(qmpPath, { timeoutMs: 15_000, alive: () => alive });
    timings.qmpReady = t();
    qmp.on('event', (e: QmpEvent) => {
      if (e.event === 'SHUTDOWN') {
        shutdownReason = String(e.data?.reason ?? '');
        log(`QMP: SHUTDOWN (${shutdownReason})`);
      } else if (e.event === 'GUEST_PANICKED') {
        log(`QMP: GUEST_PANICKED ${JSON.stringify(e.data ?? {})}`);
        decide('crash', 'the guest kernel panicked');
      } else if (e.event === 'STOP') {
        // KVM entry failures stop the VM in 'internal-error'.
        void qmp
          ?.queryStatus()
          .then((st) => {
            if (st.status === 'internal-error') {
              decide(
                accel === 'kvm' ? 'kvm-failed' : 'crash',
                `the VM stopped with an internal error${accel === 'kvm' ? ' (KVM could not run the vCPU)' : ''}`,
              );
              quitThenKill(3000);
            } else if (st.status === 'guest-panicked') {
              decide('crash', 'the guest kernel panicked');
              quitThenKill(3000);
            }
          })
          .catch(() => {});
      } else if (e.event === 'POWERDOWN' || e.event === 'RESET') {
        log(`QMP: ${e.event}`);
      }
    });
    const st = await qmp.queryStatus();
    log(`QMP: QEMU ${qmp.version}, status ${st.status}`);
    if (interrupted() && outcome === null) onInterrupt(interrupted()!);
  } catch (err) {
    // Usually QEMU died while starting (its exit explains why); if it is still up, QMP is broken.
    await Promise.race([exited, new Promise((r) => later(2000, () => r(null)))]);
    if (alive) {
      decide('qemu-failed', `could not talk to QEMU over QMP: ${(err as Error).message}`);
      child.kill('SIGKILL');
    }
  }

  const qemuExit = await exited;
  for (const h of timers) clearTimeout(h);
  interruptListeners.delete(onInterrupt);
  process.off('exit', killOnExit);
  qmp?.close();
  rmSync(workDir, { recursive: true, force: true });

  if (outcome === null) {
    const kvmText = accel === 'kvm' ? kvmFailureText(stderr) : null;
    if (shutdownReason === 'guest-shutdown') decide('poweroff', 'the guest powered off');
    else if (shutdownReason === 'guest-reset')
      decide('crash', 'the guest reset itself (kernel panic, triple fault or reboot) and -no-reboot ended QEMU');
    else if (shutdownReason === 'guest-panic') decide('crash', 'the guest kernel panicked');
    else if (kvmText && timings.guestInit === null) decide('kvm-failed', `QEMU could not run the guest under KVM: ${kvmText}`);
    else if (shutdownReason === 'host-signal') decide('qemu-failed', 'QEMU was stopped by a signal from outside');
    else {
      const why = qemuExit.signal ? `killed by ${qemuExit.signal}` : `exit code ${qemuExit.code}`;
      const last = stderr
        .trim()
        .split('\n')
        .filter((l) => !/warning:/.test(l))
        .at(-1);
      decide('qemu-failed', `QEMU ended (${why})${last ? `: ${last}` : ''}`);
    }
  }
  if (outcome === 'interrupted') message += shutdownReason === 'guest-shutdown' ? '; the guest powered off' : '; QEMU was stopped';
  log(
    `${message} (QEMU ${qemuExit.signal ? `signal ${qemuExit.signal}` : `exit ${qemuExit.code}`}${shutdownReason ? `, ${shutdownReason}` : ''})`,
  );
  return { argv, pid: child.pid ?? null, accel, outcome: outcome!, message, shutdownReason, qemuExit, stderr, timings, kvmCheck };
}
