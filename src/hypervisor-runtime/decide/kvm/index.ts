import { HYPERV_PLANNED, KVM_PV_QEMU_FLAG } from '../../flags.ts';
import { PlanError, type ClockTimer, type ParavirtChoice } from '../../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from '../context.ts';
import { kvmAcceleration } from '../acceleration.ts';
import { paravirtChoices, guestSupportsPv } from '../paravirt.ts';
import { decideGraphics } from '../graphics.ts';
import { VIRT_INSTALL_HYPERV } from './virt-install.ts';
import { decideKvmCpu } from './cpu.ts';
import { decideKvmMachine } from './machine.ts';
import { kvmDevices } from './devices.ts';
import { decideKvmTpm } from './tpm.ts';
import { decideKvmMicrovm } from './microvm.ts';

function decideKvm(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const acceleration = kvmAcceleration(ctx, true);
  const accel = acceleration.mode;
  if (ctx.arch !== 'x86_64' && ctx.arch !== 'i686')
    throw new PlanError(
      'GUEST_ARCH_UNSUPPORTED',
      `x86 guest`,
      `this planner plans KVM/QEMU for x86 guests; ${ctx.arch} is not covered`,
      records,
    );

  if (spec.machine === 'microvm') return decideKvmMicrovm(ctx, vcpus, acceleration);

  const { machine, versioned, because: machineBecause, firmware, smm } = decideKvmMachine(ctx);

  // ── CPU ──
  const cpu = decideKvmCpu(ctx, accel, vcpus);

  // ── paravirt: KVM PV features, Hyper-V enlightenments ──
  const paravirt: ParavirtChoice[] = [];
  // KVM PV features: listed for guests the catalogue says anything about (Linux, BSD); Windows does not use them
  if (ctx.guest.paravirt.some((p) => p.feature.family === 'KVM') || !ctx.isWindows)
    paravirt.push(
      ...paravirtChoices(ctx, 'KVM', (key) =>
        !KVM_PV_QEMU_FLAG[key]
          ? `${key} has no QEMU CPU flag this planner knows`
          : accel !== 'kvm'
            ? `${key} needs KVM; this plan uses TCG`
            : null,
      ),
    );
  const hasHyperv = ctx.guest.paravirt.some((p) => p.feature.family === 'HYPERV') || ctx.isWindows;
  if (hasHyperv) {
    const basic = new Set(VIRT_INSTALL_HYPERV);
    const limit = (key: string): string | null => {
      if (!HYPERV_PLANNED.has(key)) return `${key} is not planned by default (needs a specific host or guest setup)`;
      if (accel === 'tcg') return basic.has(key) ? null : `${key} needs KVM (QEMU's TCG accepts only ${VIRT_INSTALL_HYPERV.join(', ')})`;
      if (host.kvm.hyperv === 'none') return `the probe found ${host.name}'s KVM refuses Hyper-V enlightenments (nested virtualization)`;
      if (host.kvm.hyperv === 'basic' && !basic.has(key))
        return `the probe found ${host.name}'s KVM refuses ${key} (VP_INDEX/SynIC; nested virtualization)`;
      return null;
    };
    const hv = paravirtChoices(ctx, 'HYPERV', limit);
    for (const c of hv) {
      if (c.key === 'hv-spinlocks' && c.enabled) c.options = { retries: 8191 };
      const theirs = ctx.isWindows && basic.has(c.key);
      if (c.enabled !== theirs) {
        c.because.differsFrom = {
          tool: 'virt-install',
          theirs: theirs ? 'on' : 'off',
          why: theirs
            ? `virt-install turns ${VIRT_INSTALL_HYPERV.join(', ')} on for every Windows guest; here: ${c.because.reason}`
            : `virt-install enables only ${VIRT_INSTALL_HYPERV.join(', ')}; the catalogue records ${label} using ${c.key} and ${release.name} offers it`,
        };
      }
    }
    paravirt.push(...hv);
    if (host.kvm.hyperv === 'none' && accel === 'kvm' && hv.some((c) => guestSupportsPv(ctx, c.key)))
      ctx.warnings.push(`Hyper-V enlightenments are off: ${host.name}'s KVM refused them in the probe; Windows runs slower`);
  }
  const hvOn = (k: string) => paravirt.some((p) => p.key === k && p.enabled);

  // ── clock (virtinst domain/clock.py) ──
  const localtime = ctx.isWindows || guest.family === 'solaris';
  const timers: ClockTimer[] = [
    { name: 'rtc', tickpolicy: 'catchup' },
    { name: 'pit', tickpolicy: 'delay' },
    { name: 'hpet', present: false },
  ];
  if (hvOn('hv-time')) timers.push({ name: 'hypervclock', present: true });
  const clock = {
    offset: localtime ? ('localtime' as const) : ('utc' as const),
    timers,
    because: because(
      `${localtime ? `${label} keeps the RTC in local time` : 'RTC in UTC'}; rtc catch-up, PIT delay, no HPET (cheaper, and what virt-install sets)${hvOn('hv-time') ? '; Hyper-V reference clock for Windows' : ''}`,
      'clock.virt-install-policy',
      records,
      ctx.isWindows && !hvOn('hv-time')
        ? {
            differsFrom: {
              tool: 'virt-install',
              theirs: 'hypervclock present',
              why: 'hv-time is off in this plan (see paravirt), so there is no Hyper-V clock',
            },
          }
        : {},
    ),
  };

  // ── graphics ──
  const graphics = decideGraphics(ctx, 'kvm');
  const features = {
    acpi: true,
    apic: true,
    smm,
    vmport: graphics.type === 'spice' ? false : null,
    because: because(
      `ACPI and APIC on${smm ? '; SMM on because the Secure Boot firmware requires it' : ''}${graphics.type === 'spice' ? '; VMware port off with SPICE (as virt-install)' : ''}`,
      'features.x86',
      records,
      smm
        ? {
            differsFrom: {
              tool: 'virt-install',
              theirs: 'no <smm> element',
              why: 'virt-install leaves SMM to libvirt, which turns it on for firmware that requires it; the plan states it, as QEMU needs it on the command line',
            },
          }
        : {},
    ),
  };

  // ── devices ──
  const devices = kvmDevices(ctx, machine, firmware, graphics.type);

  // ── TPM ──
  const tpm = decideKvmTpm(ctx, firmware, machine);

  return {
    acceleration,
    backend: {
      key: accel === 'kvm' ? 'kvm-hvm' : 'tcg',
      because: because(
        accel === 'kvm'
          ? `full virtualization on KVM with paravirtual devices and KVM PV features where ${label} supports them`
          : `QEMU software emulation; paravirtual devices still apply`,
        'backend.kvm',
        records,
      ),
    },
    machine: { type: machine, versioned, because: machineBecause },
    firmware,
    cpu,
    clock,
    features,
    paravirt,
    tpm,
    graphics,
    devices,
    boot: spec.boot ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null } : null,
  };
}

export const kvmPlanner: FamilyPlanner = { native: ['VIRTIO_1_0', 'VIRTIO_TRANSITIONAL', 'VIRTIO_LEGACY'], plan: decideKvm };
