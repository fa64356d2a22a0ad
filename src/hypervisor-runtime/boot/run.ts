// Boots a launch plan: renders it with the QEMU renderer, carries out its prepare steps (UEFI
// variable store, swtpm), runs it under the boot manager, and — when KVM fails and a TCG fall-back
// is allowed — re-plans with KVM marked unusable, so the TCG run is a real plan with its reasons,
// not an edited command line. Afterwards the guest's report is checked against the plan booted.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostProfile } from '../host.ts';
import type { Plan } from '../plan.ts';
import { renderQemu } from '../render/qemu.ts';
import { boot, type BootOptions, type BootResult } from './manager.ts';
import { executePrepare, type Prepared } from '../prepare.ts';
import { verifyPlanInGuest, type Verification } from './verify.ts';

export interface PlanBootOptions extends Omit<BootOptions, 'argv' | 'fallbackTcg'> {
  plan: Plan;
  qemuBinary?: string;
  /** Called when KVM fails and a fall-back is wanted: the plan to boot under TCG instead. */
  replanForTcg?: (reason: string) => Plan | Promise<Plan>;
  /** Check the guest's report against the plan (when the guest prints one). Default true. */
  verify?: boolean;
}

export interface PlanBootResult extends BootResult {
  /** The plan that was booted last (the TCG re-plan after a fall-back). */
  plan: Plan;
  verification: Verification | null;
}

/** The host as it really is after a failed KVM run: KVM not usable, and why. */
export function hostWithoutKvm(host: HostProfile, reason: string): HostProfile {
  return { ...host, kvm: { ...host.kvm, usable: false, detail: `${reason} (found at boot, though the probe judged KVM usable)` } };
}

/** The QEMU argv `boot` starts for a plan (before the manager adds QMP, the serial console and -no-reboot). */
export function planArgv(plan: Plan, runDir: string, qemuBinary?: string) {
  return renderQemu(plan, { runDir, qmpSocket: null, serial: { kind: 'none' }, binary: qemuBinary });
}

export async function bootPlan(opts: PlanBootOptions): Promise<PlanBootResult> {
  const log = opts.log ?? (() => {});
  const dirs: string[] = [];
  const prepared: Prepared[] = [];
  let current = opts.plan;

  const start = async (plan: Plan): Promise<string[]> => {
    const runDir = mkdtempSync(join(tmpdir(), `virtcompat-${plan.name.slice(0, 20)}-`));
    dirs.push(runDir);
    const cmd = planArgv(plan, runDir, opts.qemuBinary);
    const p = await executePrepare(cmd.prepare);
    if (p.pids.length) log(`started swtpm (pid ${p.pids.join(', ')}) for the planned TPM`);
    prepared.push(p);
    return [cmd.binary, ...cmd.args];
  };

  try {
    const argv = await start(current);
    const result = await boot({
      ...opts,
      argv,
      fallbackTcg: opts.replanForTcg
        ? async (reason: string) => {
            for (const p of prepared.splice(0)) await p.cleanup();
            current = await opts.replanForTcg!(reason);
            log(`re-planned for ${current.acceleration.mode.toUpperCase()}: ${current.acceleration.because.reason}`);
            return start(current);
          }
        : false,
    });
    let verification: Verification | null = null;
    if (result.report && opts.verify !== false) {
      const diskSizes: Record<string, number> = {};
      for (const d of current.devices) {
        if (d.disk && d.disk.format === 'raw') {
          try {
            diskSizes[d.id] = statSync(d.disk.source).size;
          } catch {
            /* the boot already failed on it */
          }
        }
      }
      verification = verifyPlanInGuest(current, result.report, { accel: result.accel === 'kvm' ? 'kvm' : 'tcg', diskSizes });
    }
    return { ...result, plan: current, verification };
  } finally {
    for (const p of prepared) await p.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
